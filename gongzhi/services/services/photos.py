"""Photos of activities and of projects' progress: checked and normalised as a request's are (the
requests app's check: at most 6 at a time, each a phone's photo re-encoded by core.images as an upright
JPEG without EXIF or GPS), written through Django's storage API, and removed again if the change that
wrote them rolls back."""

import hashlib

from django.core.files.base import ContentFile

from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput
from gongzhi.core.files import Upload
from gongzhi.requests.services.photos import check_photos, files_removed_on_failure  # noqa: F401 — used by callers

TOO_MANY = "每项最多 {n} 张照片，已有 {held} 张 / At most {n} photos, {held} already there"


def checked(photos: list[Upload] | None, *, held: int, most: int):
    """The photos as they will be stored; refused, changing nothing, past `most` in all."""
    photos = list(photos or [])
    if held + len(photos) > most:
        raise InvalidInput(TOO_MANY.format(n=most, held=held), field="photos")
    return check_photos(photos)


def save(model, owner: dict, ready, actor, written: list) -> list:
    """Rows of `model` (ActivityPhoto, MilestonePhoto) for the checked photos, files named by digest."""
    rows = []
    for photo, _kind in ready:
        row = model(**owner, size=len(photo.data), uploaded_by=actor if actor is not None and actor.pk else None,
                    uploaded_at=clock.now())
        row.file.save(f"{hashlib.sha256(photo.data).hexdigest()[:20]}.jpg", ContentFile(photo.data), save=False)
        written.append(row.file)
        row.save()
        rows.append(row)
    return rows
