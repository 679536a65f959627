/* Photos shrunk in the browser before they are sent: a file input with data-shrink="2048" has each
   picture the browser can decode redrawn upright at most that many pixels on its longest side and sent
   as a JPEG (quality 0.85), so a phone's 5-20 MB photo travels as a few hundred KB. A picture the
   browser cannot decode (HEIC in Chromium) or that would not get smaller is sent as it is: the server
   normalises every photo anyway (gongzhi.core.images). Without JavaScript the form posts the originals. */
(function () {
  "use strict";

  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" });
    }
    return new Promise(function (resolve, reject) { // a data: URL, which the CSP's img-src allows (blob: not)
      var reader = new FileReader();
      reader.onerror = function () { reject(new Error("unreadable")); };
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = function () { reject(new Error("undecodable")); };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  function shrink(file, maxSide) {
    if (!/^image\//.test(file.type) && !/\.(jpe?g|png|webp|heic|heif)$/i.test(file.name)) {
      return Promise.resolve(file);
    }
    return decode(file).then(function (picture) {
      var width = picture.width, height = picture.height;
      var scale = Math.min(1, maxSide / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // transparent PNG areas become white, as on the server
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(picture, 0, 0, canvas.width, canvas.height);
      if (picture.close) { picture.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || (scale === 1 && blob.size >= file.size)) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; }); // the server does the work
  }

  function prepare(form, inputs) {
    var jobs = inputs.map(function (input) {
      var maxSide = parseInt(input.getAttribute("data-shrink"), 10) || 2048;
      var files = Array.prototype.slice.call(input.files || []);
      return Promise.all(files.map(function (f) { return shrink(f, maxSide); })).then(function (shrunk) {
        var changed = shrunk.some(function (f, i) { return f !== files[i]; });
        if (!changed) { return; }
        var transfer = new DataTransfer();
        shrunk.forEach(function (f) { transfer.items.add(f); });
        input.files = transfer.files;
      });
    });
    return Promise.all(jobs);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.getAttribute("data-photos-ready") === "1") { return; }
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file][data-shrink]"))
      .filter(function (input) { return input.files && input.files.length; });
    if (!inputs.length || typeof DataTransfer === "undefined") { return; }
    event.preventDefault();
    var submitter = event.submitter || null;
    form.setAttribute("aria-busy", "true");
    if (submitter) { submitter.disabled = true; }
    prepare(form, inputs).catch(function () { /* send what there is */ }).then(function () {
      form.setAttribute("data-photos-ready", "1");
      form.removeAttribute("aria-busy");
      if (submitter) { submitter.disabled = false; }
      if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
    });
  });
}());
