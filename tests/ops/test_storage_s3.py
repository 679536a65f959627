"""Stored files on an S3-compatible server (moto's standalone server, or the one GONGZHI_TEST_S3 names):
the attachment and photo tests of the notices and requests run again with STORAGES["default"] set to a
bucket, the files land in the bucket and not on the disk, /readyz checks it, and a backup taken from the
bucket restores into an empty database and an empty bucket where `gongzhi verify --all` re-hashes them."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from gongzhi import backup
from gongzhi.core import storage as storage_urls
from gongzhi.core.files import Upload
from gongzhi.notices.models import NoticeAttachment
from gongzhi.requests import services
from gongzhi.requests.models import Request
from tests.notices.test_notices import (  # noqa: F401  collected again here, on S3
    test_oversized_attachment_refused,
    test_publish_enters_the_log_signs_a_head_and_audits,
    test_publish_on_the_web_with_a_spreadsheet_table_and_an_attachment,
)
from tests.ops.conftest import new_bucket
from tests.portal.test_backup import empty_database, gongzhi, read_one  # noqa: F401  (a fixture)
from tests.requests.test_photos import (  # noqa: F401  collected again here, on S3
    heic_12mb,
    intake,
    jpeg_3mb,
    rotated_jpeg,
    test_a_3_mb_phone_photo_goes_through_the_api,
    test_a_12_mb_heic_from_the_page_is_stored_as_a_jpeg_of_at_most_2048_px,
    test_a_photo_turned_by_exif_is_stored_upright,
    test_gps_and_every_other_piece_of_metadata_are_gone,
    test_the_handler_resolves_with_a_3_mb_photo_through_the_api,
    test_the_resolution_photo_is_normalised_too,
    test_what_is_no_image_we_take_is_refused_by_its_bytes,
)

pytestmark = [pytest.mark.s3, pytest.mark.usefixtures("world", "on_s3")]


def bucket_objects() -> dict[str, int]:
    """Every object in the test's bucket, read with boto3 beside the storage: name → size."""
    client, bucket = default_storage.connection.meta.client, default_storage.bucket_name
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}


def local_files(settings) -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def test_a_photo_filed_on_the_page_is_an_object_in_the_bucket_and_served_from_it(login, persona, settings, clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    on_disk = local_files(settings)
    client = login("wangayi")
    page = client.post("/requests/new/", {"category": "lighting", "description": "楼道灯不亮（S3）",
                                          "estate": persona("wangayi").person.ownerships.first().unit.estate_id,
                                          "photos": [SimpleUploadedFile("sideways.jpg", rotated_jpeg())]})
    assert page.status_code == 302
    photo = Request.objects.latest("pk").photos.get()
    objects = bucket_objects()
    assert objects[photo.file.name] == photo.size > 0
    served = client.get(f"/requests/photos/{photo.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content)[:3] == b"\xff\xd8\xff"
    assert local_files(settings) == on_disk, "nothing was written to the local disk"


def test_readyz_checks_the_bucket(client, settings):
    assert client.get("/readyz").json()["checks"]["storage"] == "ok"
    entry, _ = storage_urls.parse(new_bucket(settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]))
    entry["OPTIONS"]["bucket_name"] = "gongzhi-no-such-bucket"
    settings.STORAGES = {**settings.STORAGES, "default": entry}
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"]["storage"] == "fail"


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_the_bucket_restores_into_an_empty_database_and_an_empty_bucket(tmp_path, empty_database,  # noqa: F811
                                                                                   persona, settings, clock):
    req = services.request_submit(persona("wangayi"), intake(photos=[Upload("after.jpg", rotated_jpeg())]))
    photo_name = req.photos.get().file.name
    archive = tmp_path / "gongzhi.tar"
    manifest, _digest = backup.backup(archive)
    attachments = list(NoticeAttachment.objects.values_list("file", flat=True))
    assert photo_name in manifest.files and set(attachments) <= set(manifest.files)

    endpoint = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]
    target = new_bucket(endpoint)
    env = {"GONGZHI_STORAGE": target}
    restored = gongzhi("restore", str(archive), database_url=empty_database, media=tmp_path / "unused",
                       tmp_path=tmp_path, extra=env)
    assert restored.returncode == 0, restored.stderr
    verified = gongzhi("verify", "--all", database_url=empty_database, media=tmp_path / "unused",
                       tmp_path=tmp_path, extra=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "LOG INTACT" in verified.stdout and f"{len(attachments)} attachments" in verified.stdout
    assert not (tmp_path / "unused").exists(), "the restore wrote to the bucket, not the disk"
    entry, _ = storage_urls.parse(target)
    from django.core.files.storage import storages

    restored_bucket = storages.create_storage(entry)
    assert sorted(backup.stored_files(restored_bucket)) == manifest.files
    with restored_bucket.open(photo_name, "rb") as stream:
        assert backup.sm3_of(stream.read()) == manifest.members[backup.FILES + photo_name]["sm3"]
    assert read_one(empty_database, "SELECT count(*) FROM requests_photo WHERE file = %s", photo_name) == (1,)


def test_a_refused_photo_leaves_no_object_in_the_bucket(persona, clock):
    from gongzhi.core.errors import InvalidInput

    before = bucket_objects()
    with pytest.raises(InvalidInput):
        services.request_submit(persona("wangayi"), intake(photos=[Upload("ok.jpg", rotated_jpeg()),
                                                                   Upload("half.jpg", rotated_jpeg()[:300])]))
    assert bucket_objects() == before
