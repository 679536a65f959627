"""Two app servers behind one database and one storage, as in the reference deployment: two `gongzhi serve`
(gunicorn, two workers each) on two loopback ports, each with its own var folder, against the PostgreSQL test
database and the S3 server (or, without one, one shared folder). A resident files a request with a photo
through the first over real HTTP; staff read it, open the photo and resolve it through the second; the
resident, with the session cookie the first server gave, sees it resolved on the second. Sessions, CSRF,
login counters and files therefore live in what the servers share, not in one process."""

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests as http
from django.conf import settings as django_settings
from django.db import connection
from PIL import Image

from gongzhi.requests.models import Request
from tests.helpers import YIWU, estate
from tests.ops.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "gongzhi-demo"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def serve(port: int, url: str, storage: dict, var: Path) -> subprocess.Popen:
    var.mkdir()
    env = {**os.environ, "GONGZHI_DEMO": "1", "DATABASE_URL": url, "GONGZHI_VAR_DIR": str(var),
           "GONGZHI_LOG_KEY_FILE": django_settings.GONGZHI_LOG_KEY_FILE, **storage}
    return subprocess.Popen([sys.executable, "-m", "gongzhi.cli", "serve", "--bind", f"127.0.0.1:{port}",
                             "--workers", "2"], cwd=ROOT, env=env, stdout=open(var / "serve.out", "w"),
                            stderr=subprocess.STDOUT)


def ready(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180
    while True:
        try:
            if http.get(f"{base}/readyz", timeout=30).status_code == 200:
                return
        except http.RequestException:  # not listening yet, or still starting its workers
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{base} was not ready within 180 s\n{log.read_text()[-3000:]}"
        time.sleep(0.3)


def log_in(base: str, username: str) -> http.Session:
    session = http.Session()
    session.get(f"{base}/login/", timeout=30).raise_for_status()
    answer = session.post(f"{base}/login/", data={"username": username, "password": PASSWORD,
                                                  "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    return session


@pytest.fixture
def shared_storage(request, tmp_path):
    """The S3 bucket when an S3 server is at hand, else one folder both servers use."""
    try:
        return {"GONGZHI_STORAGE": request.getfixturevalue("s3_demo_bucket")}
    except pytest.skip.Exception:
        return {"GONGZHI_STORAGE": f"file://{Path(django_settings.MEDIA_ROOT).resolve()}"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_filed_on_one_server_is_resolved_on_the_other(world, shared_storage, tmp_path):
    db = connection.settings_dict
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    url = f"postgresql://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    ports = free_port(), free_port()
    one, two = (f"http://127.0.0.1:{p}" for p in ports)
    servers = [serve(p, url, shared_storage, tmp_path / f"server-{i}") for i, p in enumerate(ports)]
    try:
        for base, process, i in ((one, servers[0], 0), (two, servers[1], 1)):
            ready(base, process, tmp_path / f"server-{i}" / "serve.out")
        yiwu = estate(YIWU)

        resident = log_in(one, "wangayi")
        filed = resident.post(f"{one}/requests/new/", data={
            "csrfmiddlewaretoken": resident.cookies["csrftoken"], "category": "lighting", "estate": yiwu.pk,
            "building": yiwu.buildings.get(code="5").pk, "description": "两台服务器：5号楼楼道灯不亮"},
            files={"photos": ("IMG_0001.jpg", jpeg(), "image/jpeg")}, allow_redirects=False, timeout=60)
        assert filed.status_code == 302, filed.text[:1000]
        pk = int(re.search(r"/requests/(\d+)/", filed.headers["Location"]).group(1))
        assert filed.headers["X-Request-ID"]

        staff = log_in(two, "zhangjingli")
        page = staff.get(f"{two}/requests/{pk}/", timeout=30)
        assert page.status_code == 200 and "两台服务器：5号楼楼道灯不亮" in page.text
        photo = re.search(r"/requests/photos/(\d+)/", page.text).group(0)
        picture = staff.get(f"{two}{photo}", timeout=30)
        assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(picture.content)).size == (320, 240)
        resolved = staff.post(f"{two}/api/v1/requests/{pk}/resolve", json={"note": "已更换灯具"},
                              headers={"X-CSRFToken": staff.cookies["csrftoken"], "Referer": f"{two}/"}, timeout=60)
        assert resolved.status_code == 200 and resolved.json()["status"] == "resolved", resolved.text[:500]

        # The resident's session, made by the first server, is good on the second: sessions are in the database.
        seen = resident.get(f"{two}/api/v1/requests/{pk}", timeout=30)
        assert seen.status_code == 200 and seen.json()["status"] == "resolved"
        assert "已办结待确认" in resident.get(f"{one}/requests/{pk}/", timeout=30).text
        assert Request.objects.get(pk=pk).photos.count() == 1
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            process.wait(timeout=40)
    for i in range(2):
        assert not (tmp_path / f"server-{i}" / "media").exists(), "no server kept a file of its own"
