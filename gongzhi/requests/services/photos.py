"""Photos of a request (when reported and when resolved): checked, normalised (core.images: upright, at
most 2048 px, a JPEG without EXIF or GPS), stored, and removed again if the change that wrote them rolls
back. The phone's original is never stored."""

import hashlib
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile

from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput
from gongzhi.core.files import Upload
from gongzhi.core.images import IMAGE_TYPE, normalised_photo
from gongzhi.requests.models import Photo

TOO_MANY_PHOTOS = "照片最多 {n} 张 / At most {n} photos"
PHOTO_TOO_BIG = "照片“{name}”超过 {mb} MB / The photo {name} is larger than {mb} MB"
PHOTO_TYPE = IMAGE_TYPE  # JPEG, PNG, WebP or HEIC, judged by the bytes

PHOTOS_MAX = 6
STORED_TYPE = "image/jpeg"  # whatever was sent, what is stored is a JPEG


def check_photos(photos: list[Upload]) -> list[tuple[Upload, str]]:
    """Each photo as it will be stored (a JPEG, same name) with its content type; refused, changing
    nothing, when there are too many, one is larger than GONGZHI_REQUEST_PHOTO_MAX_BYTES, is not an
    image, declares too many pixels or is damaged. Runs before the transaction: decoding takes time."""
    if len(photos) > PHOTOS_MAX:
        raise InvalidInput(TOO_MANY_PHOTOS.format(n=PHOTOS_MAX), field="photos")
    limit = settings.GONGZHI_REQUEST_PHOTO_MAX_BYTES
    for photo in photos:  # every size first: no decoding at all when one is too large
        if len(photo.data) > limit:
            raise InvalidInput(PHOTO_TOO_BIG.format(name=photo.name, mb=limit // (1024 * 1024)), field="photos")
    return [(Upload(photo.name, normalised_photo(photo, field="photos").data), STORED_TYPE) for photo in photos]


@contextmanager
def files_removed_on_failure():
    """Photo files are written while the transaction is open; should it roll back, the rows go with
    it and this removes the files too, so that nothing unreferenced is left in storage. Wrap it
    around the transaction: `with files_removed_on_failure() as written, transaction.atomic():`."""
    written: list = []
    try:
        yield written
    except BaseException:
        for file in written:
            file.storage.delete(file.name)
        raise


def save_photos(req, checked, stage, actor, written: list) -> None:
    """`checked` from check_photos: the normalised JPEGs, named by their own digest."""
    for photo, kind in checked:
        row = Photo(request=req, stage=stage, content_type=kind, size=len(photo.data),
                    uploaded_by=actor if actor is not None and actor.pk else None, uploaded_at=clock.now())
        row.file.save(f"{hashlib.sha256(photo.data).hexdigest()[:20]}.jpg", ContentFile(photo.data), save=False)
        written.append(row.file)
        row.save()
