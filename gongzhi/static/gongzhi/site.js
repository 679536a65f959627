// Gongzhi's own page behaviour. The Content-Security-Policy allows no inline script or on*= attribute:
// a template marks an element with a data- attribute and this file (loaded by base.html) acts on it.
"use strict";

// <select data-clears="place_id">: choosing another option empties the named field of the same form
// (the requests metrics page: another level means the place chosen at the old level no longer applies).
document.addEventListener("change", (event) => {
  const target = event.target;
  const name = target instanceof HTMLElement ? target.dataset.clears : undefined;
  const field = name && target.form ? target.form.elements.namedItem(name) : null;
  if (field && "value" in field) field.value = "";
});

// <button data-print>: prints the page (a volunteer's record of hours).
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) window.print();
});
