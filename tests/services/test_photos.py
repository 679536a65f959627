"""Photos of community life: an activity's report with photos (normalised by core.images: a JPEG without
EXIF, through Django's storage), published with the notice if wanted; a project's progress with photos;
too many or not an image → a clear message and nothing written (no file left behind); a photo is served
only to those who see its estate; the API twins carry photos in base64."""

import base64
import io
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from gongzhi.core.errors import InvalidInput
from gongzhi.core.files import Upload
from gongzhi.notices.models import Notice
from gongzhi.services import services
from gongzhi.services.models import Activity, ActivityPhoto, MilestonePhoto, Project
from gongzhi.services.services import photos as ph
from tests.helpers import PACIFIC, estate
from tests.services.helpers import at_ten, next_saturday, slot, zh

JSON = "application/json"


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # a camera maker: stripped on the way in
    Image.new("RGB", (64, 48), colour).save(out, "JPEG", exif=exif)
    return out.getvalue()


def files() -> set:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


@pytest.fixture
def held(persona, world, clock):
    day = next_saturday(at_ten(clock))
    activity = services.activity_create(persona("yanshuji"), estate_id=estate(PACIFIC).pk, title="楼道环境整治",
                                        kind="environment", capacity=10, place="3号楼", **slot(day, "09:00", "10:00"))
    clock.set(activity.ends_at)
    return activity


def test_a_report_with_photos_published_with_them(persona, held):
    done = services.activity_report(persona("yanshuji"), activity_id=held.pk, report="清理杂物 12 处", publish=True,
                                    photos=[Upload("a.jpg", jpeg()), Upload("b.jpg", jpeg((0, 90, 200)))])
    photos = list(done.photos.all())
    assert len(photos) == 2 and all(p.file.name.startswith("services/activities/") for p in photos)
    with photos[0].file.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
    assert stored.format == "JPEG" and not stored.getexif()
    notice = Notice.objects.get(title="活动小结：楼道环境整治")
    assert notice.attachments.count() == 2


def test_too_many_or_bad_photos_change_nothing(persona, held):
    before = files()
    with pytest.raises(InvalidInput, match="每项最多 9 张照片，已有 0 张"):
        services.activity_report(persona("yanshuji"), activity_id=held.pk, report="小结",
                                 photos=[Upload(f"{i}.jpg", jpeg()) for i in range(10)])
    with pytest.raises(InvalidInput, match="不是 JPEG、PNG、WebP 或 HEIC 图片"):
        services.activity_report(persona("yanshuji"), activity_id=held.pk, report="小结",
                                 photos=[Upload("a.jpg", jpeg()), Upload("x.jpg", b"not an image")])
    assert not ActivityPhoto.objects.filter(activity=held).exists()
    assert Activity.objects.get(pk=held.pk).report == "" and files() == before
    services.activity_report(persona("yanshuji"), activity_id=held.pk, report="小结",
                             photos=[Upload(f"{i}.jpg", jpeg()) for i in range(6)])
    with pytest.raises(InvalidInput, match=zh(ph.TOO_MANY, n=9, held=6)):
        services.activity_report(persona("yanshuji"), activity_id=held.pk, report="小结",
                                 photos=[Upload(f"{i}.jpg", jpeg()) for i in range(4)])
    assert ActivityPhoto.objects.filter(activity=held).count() == 6


def test_a_photo_is_shown_only_to_those_who_see_the_estate(login, persona, held):
    services.activity_report(persona("yanshuji"), activity_id=held.pk, report="小结", photos=[Upload("a.jpg", jpeg())])
    photo = ActivityPhoto.objects.get(activity=held)
    response = login("lixiansheng").get(f"/activity-photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert login("wangayi").get(f"/activity-photos/{photo.pk}/").status_code == 404
    page = login("lixiansheng").get(f"/activities/{held.pk}/").content.decode()
    assert f"/activity-photos/{photo.pk}/" in page


def test_the_report_form_takes_photos(login, held):
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {"action": "report", "report": "整治完成", "photos": [SimpleUploadedFile("p.jpg", jpeg(), "image/jpeg")]}
    assert login("yanshuji").post(f"/activities/{held.pk}/", form).status_code == 302
    assert ActivityPhoto.objects.filter(activity=held).count() == 1
    page = login("yanshuji").get(f"/activities/{held.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'data-api="activity_report"' in page


def test_milestone_photos_and_the_api(login, persona, world):
    project = Project.objects.get(title="3号楼加装电梯")
    body = {"title": "井道开挖", "progress": 50,
            "photos": [{"name": "m.jpg", "data_base64": base64.b64encode(jpeg()).decode()}]}
    assert login("chen").post(f"/api/v1/projects/{project.pk}/milestones", body, content_type=JSON).status_code == 403
    made = login("yanshuji").post(f"/api/v1/projects/{project.pk}/milestones", body, content_type=JSON)
    assert made.status_code == 201 and made.json()["photo_count"] == 1
    photo = MilestonePhoto.objects.get(milestone_id=made.json()["id"])
    assert login("chen").get(f"/milestone-photos/{photo.pk}/").status_code == 200
    assert login("wangayi").get(f"/milestone-photos/{photo.pk}/").status_code == 404
    assert f"/milestone-photos/{photo.pk}/" in login("chen").get(f"/projects/{project.pk}/").content.decode()
    bad = body | {"title": "再次", "progress": 60, "photos": [{"name": "x.jpg", "data_base64": "bm90IGFuIGltYWdl"}]}
    assert login("yanshuji").post(f"/api/v1/projects/{project.pk}/milestones", bad, content_type=JSON).status_code == 400
    assert not project.milestones.filter(title="再次").exists()


def test_report_photos_by_api(login, held):
    body = {"report": "完成", "photos": [{"name": "a.jpg", "data_base64": base64.b64encode(jpeg()).decode()}]}
    assert login("chen").post(f"/api/v1/activities/{held.pk}/report", body, content_type=JSON).status_code == 403
    done = login("yanshuji").post(f"/api/v1/activities/{held.pk}/report", body, content_type=JSON)
    assert done.status_code == 200 and done.json()["photo_count"] == 1
