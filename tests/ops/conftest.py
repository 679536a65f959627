"""An S3-compatible server for the storage tests: GONGZHI_TEST_S3 names one (e.g. a MinIO at
http://127.0.0.1:9000, keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), otherwise moto's standalone
server is started on a free loopback port for the session. Without moto the tests skip, except in CI
(GONGZHI_REQUIRE_S3), where that is a failure."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from gongzhi.core import storage as storage_urls


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def s3_endpoint():
    if os.environ.get("GONGZHI_TEST_S3"):
        yield os.environ["GONGZHI_TEST_S3"].rstrip("/")
        return
    server = shutil.which("moto_server", path=os.path.dirname(sys.executable)) or shutil.which("moto_server")
    if server is None:
        if os.environ.get("GONGZHI_REQUIRE_S3"):
            pytest.fail("GONGZHI_REQUIRE_S3 is set but moto_server is not installed (pip install 'moto[server]')")
        pytest.skip("no S3 server: set GONGZHI_TEST_S3 or pip install 'moto[server]'")
    port = free_port()
    process = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _keys() -> tuple[str, str]:
    return os.environ.get("AWS_ACCESS_KEY_ID", "testing"), os.environ.get("AWS_SECRET_ACCESS_KEY", "testing")


def new_bucket(endpoint: str) -> str:
    """A fresh, empty bucket; its GONGZHI_STORAGE URL."""
    import boto3

    name = f"gongzhi-{uuid.uuid4().hex[:12]}"
    key, secret = _keys()
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                 aws_secret_access_key=secret).create_bucket(Bucket=name)
    return f"s3://{key}:{secret}@{name}?endpoint_url={endpoint}&region_name=us-east-1&addressing_style=path"


@pytest.fixture(scope="session")
def s3_demo_bucket(s3_endpoint, django_db_setup):
    """A bucket holding the demo's stored files, as an operator moving to object storage would copy them."""
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    url = new_bucket(s3_endpoint)
    entry, _root = storage_urls.parse(url)
    bucket = storages.create_storage(entry)
    media = Path(settings.MEDIA_ROOT)
    for path in media.rglob("*") if media.exists() else []:
        if path.is_file():
            bucket.save(path.relative_to(media).as_posix(), ContentFile(path.read_bytes()))
    return url


@pytest.fixture
def on_s3(s3_demo_bucket, settings):
    """Every stored file of this test goes to the S3 server: STORAGES["default"] is the bucket."""
    from django.core.files.storage import default_storage

    entry, _root = storage_urls.parse(s3_demo_bucket)
    settings.STORAGES = {**settings.STORAGES, "default": entry}
    assert default_storage.__class__.__name__ == "S3Storage"
    return s3_demo_bucket
