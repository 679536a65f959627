"""Photos from phones (JPEG, PNG, WebP, HEIC/HEIF): judged by what Pillow finds in the bytes, never by the
name; the size an image declares in its header is checked before a single pixel is decoded; then it is
decoded once, turned upright (EXIF orientation), brought to sRGB, shrunk to at most MAX_SIDE pixels on
its longest side and re-encoded as a plain JPEG that carries no EXIF (no GPS position), XMP, comment
or colour profile. What is stored is only ever that JPEG.

Importing this module registers the HEIF opener (pillow-heif) and sets Pillow's own bomb limit to
MAX_PIXELS: the one place in the project that decodes images people send."""

import contextlib
import io
import threading
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from gongzhi.core.errors import InvalidInput
from gongzhi.core.files import Upload

IMAGE_TYPE = "“{name}”不是 JPEG、PNG、WebP 或 HEIC 图片 / {name} is not a JPEG, PNG, WebP or HEIC image"
IMAGE_DAMAGED = ("图片“{name}”已损坏或不完整（可能没有传完），请重新拍摄或选择 / "
                 "The image {name} is damaged or incomplete (perhaps not fully sent); take or choose it again")
IMAGE_TOO_MANY_PIXELS = ("图片“{name}”像素过多（最多 {wan} 万像素），无法处理 / "
                         "The image {name} has too many pixels (at most {mp} megapixels)")

MAX_SIDE = 2048  # the longest side of a stored photo, in pixels
MAX_PIXELS = 60_000_000  # what a header may declare: a 48 or 50 MP phone photo passes, 16000×16000 does not
JPEG_QUALITY = 85
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")  # a JPEG with a second picture (MPO, some phones) opens as JPEG

pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own check (a warning above, an error at twice): a backstop
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class Photo:
    data: bytes  # a JPEG without metadata
    width: int
    height: int


def _too_many_pixels(name: str, field: str) -> InvalidInput:
    return InvalidInput(IMAGE_TOO_MANY_PIXELS.format(name=name, wan=MAX_PIXELS // 10_000,
                                                     mp=MAX_PIXELS // 1_000_000), field=field)


def _opened(upload: Upload, field: str) -> Image.Image:
    """The image with only its header read; refused when it is no image we take or declares too many pixels."""
    try:
        image = Image.open(io.BytesIO(upload.data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(upload.name, field) from exc
    except UnidentifiedImageError as exc:
        raise InvalidInput(IMAGE_TYPE.format(name=upload.name), field=field) from exc
    except Exception as exc:  # a header Pillow or libheif cannot read: the file is broken
        raise InvalidInput(IMAGE_DAMAGED.format(name=upload.name), field=field) from exc
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        image.close()
        raise _too_many_pixels(upload.name, field)
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        return ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB,
                                         outputMode="RGBA" if image.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):  # a profile littlecms cannot use: keep the pixels as they are
        return image


def _flat_rgb(image: Image.Image) -> Image.Image:
    """RGB on white where the image was transparent; 16-bit grey brought down to 8 bits."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


_strict = threading.Lock()


@contextlib.contextmanager
def _strict_decoding():
    """Decode with truncated files refused. WeasyPrint (the PDFs) sets Pillow's process-wide
    LOAD_TRUNCATED_IMAGES when it is imported, after which a half-sent photo would decode with grey
    filling its missing half; the flag is held off while a photo is decoded."""
    with _strict:
        saved, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def normalised_photo(upload: Upload, *, field: str = "photos") -> Photo:
    """The upload as a stored photo: upright, sRGB, at most MAX_SIDE px, JPEG, no metadata. Refused
    (InvalidInput naming the file) when it is not an image we take, declares more than MAX_PIXELS or
    cannot be decoded to the end (truncated, corrupt). Animated or multi-picture files give their
    first (primary) picture."""
    with _opened(upload, field) as image:
        width, height = image.size
        if image.format in ("JPEG", "MPO") and max(width, height) > MAX_SIDE:
            scale = MAX_SIDE / max(width, height)  # decode at 1/2, 1/4 or 1/8 straight away: less memory
            image.draft(None, (max(1, round(width * scale)), max(1, round(height * scale))))
        try:
            with _strict_decoding():
                image.load()
            picture = ImageOps.exif_transpose(image)
            picture = _flat_rgb(_to_srgb(picture))
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(upload.name, field) from exc
        except Exception as exc:  # truncated, corrupt, an impossible EXIF: whatever the decoder says
            raise InvalidInput(IMAGE_DAMAGED.format(name=upload.name), field=field) from exc
    picture.info = {}  # Pillow would carry a JPEG comment over; nothing from the sender is kept
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Photo(out.getvalue(), *picture.size)
