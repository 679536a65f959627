"""Structured logs: every line a JSON object carrying the request id, which comes from nginx when well
formed (else a new one) and goes back in X-Request-ID; one access line per request with the method, the
path without secrets, the status, the milliseconds and the user; rotated logs pruned after the retention
period, never within it."""

import io
import json
import logging
import os
import re
import time

import pytest

from gongzhi.core import logs
from gongzhi.core.management.commands.logs_prune import prune

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
def log_lines():
    """What the app logs during the test, formatted as in production (JSON, with the request id filter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    watched = [logging.getLogger(), logs.access_log]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(handler)
    logs.access_log.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger, level in zip(watched, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_well_formed_request_id_from_nginx_is_kept_and_returned(client, log_lines):
    rid = "9f2c4e1ab37d4c58a0e6b1f2d3c4e5f6"
    answer = client.get("/healthz", HTTP_X_REQUEST_ID=rid)
    assert answer["X-Request-ID"] == rid
    (line,) = [x for x in log_lines() if x["logger"] == "gongzhi.access"]
    assert line["request_id"] == rid and line["path"] == "/healthz" and line["status"] == 200


@pytest.mark.parametrize("sent", [None, "", "short", "has space in it", "x" * 129, "abc\ninjected-line-1234",
                                  '"},{"level":"ERROR"'])
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(client, sent, log_lines):
    answer = client.get("/healthz", **({"HTTP_X_REQUEST_ID": sent} if sent is not None else {}))
    rid = answer["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid) and rid != sent
    assert [x["request_id"] for x in log_lines() if x["logger"] == "gongzhi.access"] == [rid]
    assert client.get("/healthz")["X-Request-ID"] != rid, "each request gets its own"


def test_every_line_a_request_logs_carries_its_id(client, log_lines):
    answer = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-0001-abcd")
    assert answer.status_code == 404
    lines = log_lines()
    assert {x["logger"] for x in lines} >= {"django.request", "gongzhi.access"}
    assert {x["request_id"] for x in lines} == {"req-0001-abcd"}
    logging.getLogger("gongzhi.test").warning("after the request")
    assert log_lines()[-1]["request_id"] == "-", "outside a request, no request's id"


def test_the_access_line_has_the_user_the_time_taken_and_no_secret_from_the_query(login, persona, log_lines):
    client = login("wangayi")
    answer = client.get("/requests/?page=2&token=s3cr3t-t0ken&code=123456&q=路灯")
    assert answer.status_code == 200
    (line,) = [x for x in log_lines() if x["logger"] == "gongzhi.access"]
    assert line["method"] == "GET" and line["status"] == 200 and line["user_id"] == persona("wangayi").pk
    assert isinstance(line["ms"], float) and line["ms"] > 0
    assert "s3cr3t" not in json.dumps(line) and "123456" not in json.dumps(line)
    assert line["path"].startswith("/requests/?page=2&token=***&code=***&q=")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00", line["time"])


def test_json_lines_keep_chinese_readable_and_one_line_per_record():
    record = logging.LogRecord("gongzhi.x", logging.WARNING, __file__, 1, "投递失败：%s\n第二行", ("短信",), None)
    logs.RequestIdFilter().filter(record)
    text = logs.JsonFormatter().format(record)
    assert "\n" not in text and "投递失败：短信" in text
    data = json.loads(text)
    assert data["level"] == "WARNING" and data["message"] == "投递失败：短信\n第二行" and data["request_id"] == "-"


def test_rotated_logs_are_pruned_after_the_retention_period_and_never_before(tmp_path, settings):
    assert settings.GONGZHI_LOG_RETENTION_DAYS == 400
    now = time.time()
    day = 24 * 3600

    def file(name, age_days):
        path = tmp_path / name
        path.write_text("x")
        os.utime(path, (now - age_days * day, now - age_days * day))
        return path

    live, live_access = file("app.log", 900), file("access.log", 900)  # the files being written: never
    kept = [file("app.log-20251203.gz", 399), file("access.log-20251203.gz", 399.9)]
    old = [file("app.log-20251101.gz", 400.1), file("access.log-20240101.gz", 800)]
    other = file("notes.txt", 900)
    assert sorted(prune(tmp_path, 400, now=now)) == sorted(old)
    assert all(p.exists() for p in [live, live_access, other, *kept]) and not any(p.exists() for p in old)
    assert prune(tmp_path, 400, now=now) == []


def test_the_retention_cannot_be_set_under_a_year(monkeypatch):
    import subprocess
    import sys

    env = {**os.environ, "GONGZHI_DEMO": "1", "GONGZHI_LOG_RETENTION_DAYS": "30"}
    out = subprocess.run([sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
                          "'gongzhi.settings'; django.setup(); from django.conf import settings; "
                          "print(settings.GONGZHI_LOG_RETENTION_DAYS)"], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "366", out.stderr
