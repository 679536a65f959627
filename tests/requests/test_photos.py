"""Photos from real phones (core.images, requests.services.photos): HEIC, 12 MB JPEGs and EXIF are taken
and stored as upright JPEGs of at most 2048 px with no metadata; truncated files, non-images, bombs and
files over the size limit are refused with their message and leave nothing behind; the API takes a
phone photo in base64 and answers JSON when a body is too large."""

import base64
import io
import json
import os
import random
import re
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms

from gongzhi.core import images
from gongzhi.core.errors import InvalidInput
from gongzhi.core.files import Upload
from gongzhi.core.middleware import BODY_TOO_LARGE
from gongzhi.requests import services
from gongzhi.requests.models import Request
from gongzhi.requests.services import photos
from tests.helpers import YIWU, estate

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM (browser test)
MB = 1024 * 1024
RED, BLUE = (220, 20, 20), (20, 20, 220)


# --- files made here -------------------------------------------------------------------------------------
def noisy(size, seed=1) -> Image.Image:
    """Noise does not compress: the way to a file as large as a phone's."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A real 1-bit PNG of width×height pixels: a few KB compressed, width×height pixels decoded."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def padded_png(total: int) -> bytes:
    """A small PNG followed by bytes up to `total` (decoders stop at IEND): a file of an exact size."""
    head = encoded(Image.new("RGB", (8, 8), RED), "PNG")
    return head + b"\0" * (total - len(head))


@pytest.fixture(scope="module")
def heic_12mb():
    data = encoded(noisy((3200, 2200)), "HEIF", quality=100, enc_params={"preset": "ultrafast"})
    assert 10 * MB < len(data) < 20 * MB  # over the old limit of 5 MB
    return data


@pytest.fixture(scope="module")
def jpeg_3mb():
    data = encoded(noisy((2000, 1400), seed=2), "JPEG", quality=95)
    assert 3 * MB < len(data) < 4 * MB  # in base64, over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
    return data


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "Mate 60"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (29.0, 18.0, 36.0)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (120.0, 4.0, 30.0)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encoded(Image.new("RGB", (640, 480), (120, 130, 140)), "JPEG", exif=exif, comment=b"5-1-302 wangayi",
                   xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>5-1-302</x:xmpmeta>", icc_profile=srgb)


def rotated_jpeg() -> bytes:
    """Stored sideways as the sensor saw it (left red, right blue), with EXIF orientation 6: shown
    turned a quarter clockwise, 300 wide and 400 high, red on top."""
    image = Image.new("RGB", (400, 300), BLUE)
    image.paste(RED, (0, 0, 200, 300))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    return encoded(image, "JPEG", exif=exif, quality=95)


def stored(photo) -> tuple[bytes, Image.Image]:
    with photo.file.open("rb") as file:
        data = file.read()
    return data, Image.open(io.BytesIO(data))


def close(colour, expected) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(colour, expected, strict=True))


def media_files(settings) -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def intake(**kw) -> services.Intake:
    return services.Intake(estate_id=estate(YIWU).pk, category="lighting", description="楼道灯不亮", **kw)


def refused(persona, settings, upload: Upload) -> str:
    """The message a refused photo gets; nothing is written."""
    before, files = Request.objects.count(), media_files(settings)
    with pytest.raises(InvalidInput) as refusal:
        services.request_submit(persona("wangayi"), intake(photos=[Upload("ok.png", padded_png(100)), upload]))
    assert Request.objects.count() == before and media_files(settings) == files
    return refusal.value.message


# --- accepted and normalised -----------------------------------------------------------------------------
def test_a_12_mb_heic_from_the_page_is_stored_as_a_jpeg_of_at_most_2048_px(heic_12mb, login, clock):
    page = login("wangayi").post("/requests/new/", {
        "category": "lighting", "description": "楼道灯不亮", "estate": estate(YIWU).pk,
        "photos": [SimpleUploadedFile("IMG_0001.HEIC", heic_12mb, "image/heic")]})
    req = Request.objects.latest("pk")
    assert page.status_code == 302 and page["Location"] == f"/requests/{req.pk}/"
    photo = req.photos.get()
    data, picture = stored(photo)
    assert picture.format == "JPEG" and picture.size == (2048, 1408)  # 3200×2200, longest side to 2048
    assert photo.content_type == "image/jpeg" and photo.size == len(data)
    assert photo.file.name.endswith(".jpg")
    assert login("wangayi").get(f"/requests/photos/{photo.pk}/")["Content-Type"] == "image/jpeg"


def test_gps_and_every_other_piece_of_metadata_are_gone(persona, clock):
    original = Image.open(io.BytesIO(gps_jpeg()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"  # it was there
    assert {"exif", "comment", "xmp", "icc_profile"} <= set(original.info)
    req = services.request_submit(persona("wangayi"), intake(photos=[Upload("IMG_2041.jpg", gps_jpeg())]))
    data, picture = stored(req.photos.get())
    assert not picture.getexif() and not set(picture.info) & {"exif", "comment", "xmp", "icc_profile"}
    assert b"Exif" not in data and b"\xff\xe1" not in data and b"5-1-302" not in data and b"HUAWEI" not in data
    assert picture.size == (640, 480)  # small photos are not enlarged


def test_a_photo_turned_by_exif_is_stored_upright(persona, clock):
    req = services.request_submit(persona("wangayi"), intake(photos=[Upload("sideways.jpg", rotated_jpeg())]))
    _data, picture = stored(req.photos.get())
    assert picture.size == (300, 400) and not picture.getexif()
    assert close(picture.getpixel((150, 20)), RED) and close(picture.getpixel((150, 380)), BLUE)


def test_png_webp_and_an_animation_are_stored_as_one_jpeg_of_the_first_picture(persona, clock):
    frames = [Image.new("RGB", (120, 80), colour) for colour in (RED, BLUE, (20, 200, 20))]
    animated = encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(animated)).n_frames == 3
    transparent = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    req = services.request_submit(persona("wangayi"), intake(photos=[
        Upload("moving.webp", animated), Upload("clear.png", encoded(transparent, "PNG")),
        Upload("plain.webp", encoded(Image.new("RGB", (3000, 100), BLUE), "WEBP"))]))
    moving, clear, plain = (stored(p)[1] for p in req.photos.order_by("pk"))
    assert moving.format == "JPEG" and getattr(moving, "n_frames", 1) == 1 and close(moving.getpixel((60, 40)), RED)
    assert clear.mode == "RGB" and close(clear.getpixel((25, 25)), (255, 255, 255))  # transparent is white
    assert plain.size == (2048, 68)


def test_the_resolution_photo_is_normalised_too(persona, clock):
    req = services.request_submit(persona("wangayi"), intake(building_id=estate(YIWU).buildings.get(code="5").pk))
    services.request_resolve(persona("zhangjingli"), request_id=req.pk, note="已更换灯具",
                             photos=[Upload("after.jpg", rotated_jpeg())])
    _data, picture = stored(req.photos.get(stage="resolution"))
    assert picture.size == (300, 400) and close(picture.getpixel((150, 20)), RED)


# --- refused, nothing written ----------------------------------------------------------------------------
@pytest.mark.parametrize("weasyprint_loaded", [False, True])
def test_a_truncated_jpeg_is_refused_as_damaged(persona, settings, clock, weasyprint_loaded):
    """Also once WeasyPrint (imported for the PDFs) has told Pillow to accept truncated images."""
    from PIL import ImageFile

    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = weasyprint_loaded
    try:
        whole = encoded(noisy((800, 600)), "JPEG")
        assert refused(persona, settings, Upload("half.jpg", whole[: len(whole) // 2])) == \
            images.IMAGE_DAMAGED.format(name="half.jpg")
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved
    assert ImageFile.LOAD_TRUNCATED_IMAGES == saved  # given back to WeasyPrint as it was


@pytest.mark.parametrize("data", [b"hello, not a photo", b"GIF89a" + b"\0" * 40, b"%PDF-1.7\n",
                                  b"\x00\x00\x00\x18ftypmp42" + b"\0" * 40])
def test_what_is_no_image_we_take_is_refused_by_its_bytes(persona, settings, clock, data):
    assert refused(persona, settings, Upload("photo.jpg", data)) == images.IMAGE_TYPE.format(name="photo.jpg")


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(persona, settings, clock):
    bomb = png_declaring(16000, 16000)  # 256 million pixels in about 30 KB
    assert len(bomb) < 100_000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InvalidInput) as refusal:
            images.normalised_photo(Upload("bomb.png", bomb))
        took, (_now, peak) = time.perf_counter() - started, tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refusal.value.message == images.IMAGE_TOO_MANY_PIXELS.format(name="bomb.png", wan=6000, mp=60)
    assert took < 1 and peak < 5 * MB  # decoded, it would be 256 MB
    assert refused(persona, settings, Upload("bomb.png", bomb)) == refusal.value.message


def test_the_pixel_limit_is_exact(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)
    assert images.normalised_photo(Upload("at.png", png_declaring(100, 100))).width == 100
    with pytest.raises(InvalidInput) as refusal:
        images.normalised_photo(Upload("over.png", png_declaring(101, 100)))
    assert refusal.value.message == images.IMAGE_TOO_MANY_PIXELS.format(name="over.png", wan=1, mp=0)


def test_the_size_limit_is_20_mb_exactly_and_named(persona, settings, clock):
    limit = settings.GONGZHI_REQUEST_PHOTO_MAX_BYTES
    assert limit == 20 * MB
    assert refused(persona, settings, Upload("IMG_21MB.jpg", padded_png(limit + 1))) == \
        photos.PHOTO_TOO_BIG.format(name="IMG_21MB.jpg", mb=20)
    assert refused(persona, settings, Upload("big.jpg", padded_png(21 * MB))).startswith("照片“big.jpg”超过 20 MB")
    req = services.request_submit(persona("wangayi"), intake(photos=[Upload("at.png", padded_png(limit))]))
    assert stored(req.photos.get())[1].size == (8, 8)


# --- the API -------------------------------------------------------------------------------------------
def api_body(data: bytes, name="IMG_0001.jpg") -> str:
    return json.dumps({"estate_id": estate(YIWU).pk, "category": "lighting", "description": "楼道灯不亮",
                       "photos": [{"name": name, "data_base64": base64.b64encode(data).decode()}]})


def test_a_3_mb_phone_photo_goes_through_the_api(jpeg_3mb, login, clock, settings):
    body = api_body(jpeg_3mb)
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # refused as a bare HTML 400 before
    answer = login("wangayi").post("/api/v1/requests", body, content_type="application/json")
    assert answer.status_code == 201, answer.content.decode()
    _data, picture = stored(Request.objects.get(pk=answer.json()["id"]).photos.get())
    assert picture.format == "JPEG" and picture.size == (2000, 1400)


def test_the_handler_resolves_with_a_3_mb_photo_through_the_api(jpeg_3mb, persona, login, clock):
    req = services.request_submit(persona("wangayi"), intake(building_id=estate(YIWU).buildings.get(code="5").pk))
    body = json.dumps({"note": "已更换灯具", "photos": [{"name": "after.jpg",
                                                          "data_base64": base64.b64encode(jpeg_3mb).decode()}]})
    answer = login("zhangjingli").post(f"/api/v1/requests/{req.pk}/resolve", body, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "resolved"
    assert stored(req.photos.get(stage="resolution"))[1].format == "JPEG"


def test_a_photo_over_20_mb_through_the_api_is_refused_in_json_naming_the_limit(login, clock):
    before = Request.objects.count()
    answer = login("wangayi").post("/api/v1/requests", api_body(padded_png(20 * MB + MB // 2), "big.png"),
                                   content_type="application/json")
    assert answer.status_code == 400 and answer["Content-Type"].startswith("application/json")
    assert answer.json()["detail"] == photos.PHOTO_TOO_BIG.format(name="big.png", mb=20)
    assert Request.objects.count() == before


def test_a_body_over_the_photo_routes_limit_gets_a_json_413(login, settings):
    limit = settings.GONGZHI_API_LARGE_BODIES[r"^/api/v1/requests(/\d+/resolve)?/?$"]
    assert 27 * MB < limit < 28 * MB  # one 20 MB photo in base64, and room for the rest
    before = Request.objects.count()
    answer = login("wangayi").post("/api/v1/requests", api_body(b"\0" * (21 * MB)), content_type="application/json")
    assert answer.status_code == 413 and answer["Content-Type"].startswith("application/json")
    assert answer.json()["detail"] == BODY_TOO_LARGE.format(mb=f"{limit / MB:.1f}")
    assert Request.objects.count() == before


def test_other_api_routes_keep_the_general_body_limit(jpeg_3mb, persona, login, clock, settings):
    req = services.request_submit(persona("wangayi"), intake(building_id=estate(YIWU).buildings.get(code="5").pk))
    body = json.dumps({"note": base64.b64encode(jpeg_3mb).decode()})
    answer = login("zhangjingli").post(f"/api/v1/requests/{req.pk}/respond", body, content_type="application/json")
    general = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / MB:.1f}".rstrip("0").rstrip(".")
    assert answer.status_code == 413 and answer.json()["detail"] == BODY_TOO_LARGE.format(mb=general)


# --- in the browser --------------------------------------------------------------------------------------
@pytest.mark.browser
def test_the_phone_page_shrinks_a_large_jpeg_before_sending_and_sends_a_heic_as_it_is(transactional_db, live_server,
                                                                                      world, page, monkeypatch):
    """static/gongzhi/photos.js: Chromium decodes the JPEG and sends a JPEG of at most 2048 px; it cannot
    decode HEIC, so that goes as taken and the server shrinks it."""
    from tests.portal.test_browser import log_in

    large = encoded(noisy((4000, 3000), seed=3), "JPEG", quality=92)
    heic = encoded(noisy((2400, 1000), seed=4), "HEIF", quality=90, enc_params={"preset": "ultrafast"})
    assert len(large) > 8 * MB
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, live_server.url, "wangayi")
    sent = {}  # what reached the server (the live server runs in this process)

    def receive(upload, **kw):
        sent[upload.name] = len(upload.data)
        return images.normalised_photo(upload, **kw)

    monkeypatch.setattr(photos, "normalised_photo", receive)
    for name, data, kind in (("IMG_0002.jpg", large, "image/jpeg"), ("IMG_0003.HEIC", heic, "image/heic")):
        page.goto(f"{live_server.url}/requests/new/")
        page.select_option("select[name=category]", "lighting")
        page.fill("textarea[name=description]", "5号楼1单元3楼楼道灯不亮")
        page.get_by_test_id("photos").set_input_files(files=[{"name": name, "mimeType": kind, "buffer": data}])
        page.get_by_test_id("submit-request").click()
        page.wait_for_url(re.compile(r"/requests/\d+/$"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert sent["IMG_0002.jpg"] < 2 * MB < len(large), sent  # shrunk in the browser
    assert sent["IMG_0003.HEIC"] == len(heic)  # Chromium cannot decode HEIC: sent as taken
    shrunk_jpeg, heic_as_taken = (Request.objects.order_by("-pk")[i].photos.get() for i in (1, 0))
    assert stored(shrunk_jpeg)[1].size == (2048, 1536) and stored(heic_as_taken)[1].size == (2048, 853)
