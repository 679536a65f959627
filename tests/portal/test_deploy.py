"""The reference deployment in deploy/ is valid and says what the code does: nginx's configuration parses
(with its includes, each directive in its place), proxies to the app servers with X-Forwarded-Proto and
never serves uploads from disk; the systemd units run real gongzhi commands; `gongzhi serve` starts
gunicorn and answers /healthz over real HTTP."""

import configparser
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import crossplane
import pytest
from django.core.management import get_commands

from gongzhi.portal.management.commands.serve import gunicorn_args

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def directives(block, name):
    for d in block:
        if d["directive"] == name:
            yield d
        yield from directives(d.get("block", []), name)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    main = tmp_path_factory.mktemp("nginx") / "nginx.conf"
    main.write_text(f"events {{}}\nhttp {{\n    include {DEPLOY / 'nginx' / 'gongzhi.conf'};\n}}\n")
    parsed = crossplane.parse(str(main), check_ctx=True, check_args=True)
    assert parsed["status"] == "ok", parsed["errors"]
    return [d for f in parsed["config"] for d in f["parsed"]]


def test_nginx_proxies_to_several_app_servers_with_the_scheme(nginx):
    upstream = next(directives(nginx, "upstream"))
    assert len(list(directives(upstream["block"], "server"))) >= 2
    headers = {tuple(d["args"]) for d in directives(nginx, "proxy_set_header")}
    assert ("X-Forwarded-Proto", "$scheme") in headers and ("Host", "$host") in headers
    assert all(d["args"] == ["http://gongzhi_app"] for d in directives(nginx, "proxy_pass"))


def test_nginx_serves_static_but_never_the_uploads(nginx):
    locations = {d["args"][-1]: d for d in directives(nginx, "location")}
    assert "/static/" in locations
    aliases = [d["args"][0] for d in directives(nginx, "alias")] + [d["args"][0] for d in directives(nginx, "root")]
    assert aliases == ["/srv/gongzhi/var/static/"], "uploads carry personal data: only the app may answer them"


def test_nginx_takes_a_photo_sized_body():
    from django.conf import settings

    text = (DEPLOY / "nginx" / "gongzhi.conf").read_text()
    size = int(text.split("client_max_body_size")[1].split("m;")[0])
    assert size * 1024 * 1024 >= max(settings.GONGZHI_API_LARGE_BODIES.values())


def test_every_unit_runs_a_real_command():
    commands = set(get_commands())
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert units
    for unit in units:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(unit)
        service = parser["Service"]
        for key in ("ExecStart", "ExecStartPre"):
            if key not in service:
                continue
            words = service[key].replace("'", " ").split()
            used = [words[i + 1] for i, w in enumerate(words) if w.endswith("/gongzhi")]
            assert used and all(c in commands for c in used), (unit.name, service[key])
    timers = sorted((DEPLOY / "systemd").glob("*.timer"))
    assert {t.stem for t in timers} == {"gongzhi-backup", "gongzhi-logs-prune"}
    for path in timers:
        timer = configparser.ConfigParser(strict=False, interpolation=None)
        timer.read(path)
        assert timer["Timer"]["OnCalendar"] and (path.with_suffix(".service")).exists()


def test_nginx_hands_its_request_id_to_the_app_and_logs_it(nginx):
    headers = {tuple(d["args"]) for d in directives(nginx, "proxy_set_header")}
    assert ("X-Request-ID", "$request_id") in headers
    (log_format,) = directives(nginx, "log_format")
    assert "$request_id" in " ".join(log_format["args"]) and "$request_uri" not in " ".join(log_format["args"])
    assert [d["args"][-1] for d in directives(nginx, "access_log") if d["args"] != ["off"]] == ["gongzhi"]


def test_logrotate_rotates_the_app_logs_daily_and_leaves_deleting_to_the_retention():
    from django.conf import settings

    text = (DEPLOY / "logrotate" / "gongzhi").read_text()
    body = [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]
    assert body[0] == "/var/log/gongzhi/app.log /var/log/gongzhi/access.log {" and body[-1] == "}"
    options = dict((line.split(" ", 1) + [""])[:2] for line in body[1:-1])
    assert {"daily", "compress", "dateext", "missingok"} <= set(options)
    assert int(options["rotate"]) > 10 * settings.GONGZHI_LOG_RETENTION_DAYS and "maxage" not in options
    assert "copytruncate" not in options, "the app reopens a moved file (WatchedFileHandler)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_sizes_gunicorn_for_the_machine(monkeypatch):
    monkeypatch.delenv("GONGZHI_WEB_WORKERS", raising=False)
    args = gunicorn_args("127.0.0.1:9", None, None)
    assert args[args.index("--workers") + 1] == str(2 * (os.cpu_count() or 1) + 1)
    assert args[args.index("--timeout") + 1] == "180"
    assert "--access-logfile" not in args, "the app writes the access line, with its request id"


def test_serve_answers_over_http(tmp_path):
    port = _free_port()
    env = {**os.environ, "GONGZHI_DEMO": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
           "GONGZHI_VAR_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "gongzhi.cli", "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                    assert answer.status == 200 and b'"ok"' in answer.read()
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer within a minute"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
