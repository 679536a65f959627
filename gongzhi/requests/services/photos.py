"""Photos of a request (when reported and when resolved): checked, stored, and removed again if the
change that wrote them rolls back."""

import hashlib
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile

from gongzhi.core import clock
from gongzhi.core.files import Upload, check_uploads
from gongzhi.requests.models import Photo

TOO_MANY_PHOTOS = "照片最多 {n} 张 / At most {n} photos"
PHOTO_TOO_BIG = "照片“{name}”超过 {mb} MB / The photo {name} is larger than {mb} MB"
PHOTO_TYPE = "“{name}”不是 JPEG、PNG 或 WebP 图片 / {name} is not a JPEG, PNG or WebP image"

PHOTOS_MAX = 6
SUFFIXES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def check_photos(photos: list[Upload]) -> list[tuple[Upload, str]]:
    """Each photo with its content type; refused when too many, too big or not an image."""
    return check_uploads(photos, most=PHOTOS_MAX, max_bytes=settings.GONGZHI_REQUEST_PHOTO_MAX_BYTES, field="photos",
                         too_many=TOO_MANY_PHOTOS, too_big=PHOTO_TOO_BIG, allowed=set(SUFFIXES), wrong_type=PHOTO_TYPE)


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
    for photo, kind in checked:
        row = Photo(request=req, stage=stage, content_type=kind, size=len(photo.data),
                    uploaded_by=actor if actor is not None and actor.pk else None, uploaded_at=clock.now())
        row.file.save(f"{hashlib.sha256(photo.data).hexdigest()[:20]}.{SUFFIXES[kind]}", ContentFile(photo.data),
                      save=False)
        written.append(row.file)
        row.save()
