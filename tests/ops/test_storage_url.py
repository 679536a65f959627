"""GONGZHI_STORAGE: unset is the local folder, file:// a shared folder, s3:// a bucket with its options and
keys; anything else stops the start with a message naming what is wrong, Chinese first."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongzhi.core import storage

ROOT = Path(__file__).resolve().parents[2]


def test_unset_is_the_local_folder_that_follows_media_root():
    assert storage.parse("") == ({"BACKEND": storage.FILESYSTEM}, None)


def test_a_file_url_is_a_shared_folder():
    assert storage.parse("file:///srv/gongzhi/media") == ({"BACKEND": storage.FILESYSTEM}, Path("/srv/gongzhi/media"))


def test_an_s3_url_names_the_bucket_prefix_endpoint_and_keys():
    entry, root = storage.parse("s3://AKIA%2Fx:se%2Bcret%2F1@gongzhi-files/prod/2026?endpoint_url=https://minio.internal"
                                ":9000&region_name=cn-north-1&addressing_style=path&verify=false")
    assert root is None and entry["BACKEND"] == "storages.backends.s3.S3Storage"
    assert entry["OPTIONS"] == {
        "bucket_name": "gongzhi-files", "location": "prod/2026", "access_key": "AKIA/x", "secret_key": "se+cret/1",
        "endpoint_url": "https://minio.internal:9000", "region_name": "cn-north-1", "addressing_style": "path",
        "verify": False, "file_overwrite": False, "default_acl": None, "querystring_auth": True}
    assert "se+cret" not in storage.describe(entry, None)
    assert storage.describe(entry, None) == "s3://gongzhi-files/prod/2026 (https://minio.internal:9000)"


def test_without_keys_in_the_url_they_come_from_the_environment():
    entry, _ = storage.parse("s3://gongzhi-files?endpoint_url=http://127.0.0.1:9000")
    assert "access_key" not in entry["OPTIONS"] and entry["OPTIONS"]["use_ssl"] is False


@pytest.mark.parametrize("url, detail", [
    ("ftp://host/files", "scheme ftp"),
    ("/srv/media", "scheme (none)"),
    ("s3://", "缺少存储桶名"),
    ("s3://bucket?endpoint=https://x", "未知选项 / unknown option endpoint"),
    ("s3://bucket?addressing_style=sideways", "addressing_style=sideways"),
    ("file://relative/path", "file:// 需要绝对路径"),
])
def test_a_bad_url_is_refused_naming_what_is_wrong(url, detail):
    with pytest.raises(storage.StorageUrlError) as refused:
        storage.parse(url)
    assert refused.value.args[0].startswith("GONGZHI_STORAGE 无法识别：") and detail in refused.value.args[0]


def test_a_bad_url_stops_the_start_with_its_message(tmp_path):
    env = {**os.environ, "GONGZHI_DEMO": "1", "GONGZHI_STORAGE": "s3://bucket?acl=public-read",
           "GONGZHI_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "gongzhi.cli", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "GONGZHI_STORAGE 无法识别：未知选项 / unknown option acl" in done.stderr
