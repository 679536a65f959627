"""Deployment security: a production start without a key refuses, the production defaults are the secure
ones while the demo still works over plain HTTP, `check --deploy` is clean with the documented variables,
and every page carries a strict Content-Security-Policy that the pages themselves keep (docs/security.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongzhi import settings as project_settings
from gongzhi.core import checks

ROOT = Path(__file__).resolve().parents[2]
# What docs/security.md tells a production deployment to set (the host is an example).
PRODUCTION = {
    "SECRET_KEY": "x7Qm2-pL9vR4tW8yB3nF6hJ1kD5sG0aZ-cE7uI2oP4lK9jH3gF6dS8aQ1wE5rT0y",
    "ALLOWED_HOSTS": "gongzhi.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://gongzhi.example.gov.cn",
    "GONGZHI_DEVICE_KEY": "r5Tq8-wZ2mN7vB4xK9cL1pH6jF3dS0aG-yE8uO2iQ5",
}
# What a shell, a CI runner or this very pytest run might have set that would change the outcome.
UNSET = ("PYTEST_VERSION", "GONGZHI_DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "SECRET_KEY", "SECRET_KEY_FALLBACKS", "ALLOWED_HOSTS",
         "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SECURE_PROXY_SSL_HEADER", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "CSP_REPORT_URI", "GONGZHI_DEVICE_KEY")


def run(args, tmp_path, **env):
    """A fresh Python process started the way a server would be, with only `env` on top of a clean slate."""
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    clean.update(DJANGO_SETTINGS_MODULE="gongzhi.settings", GONGZHI_VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=120)


SETUP = ["-c", "import django; django.setup()"]
SHOW = ["-c", (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None)"
    " for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE',"
    " 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',"
    " 'SECURE_PROXY_SSL_HEADER', 'X_FRAME_OPTIONS', 'CSRF_TRUSTED_ORIGINS', 'SECRET_KEY']}))"
)]


def test_a_production_start_without_a_key_refuses_loudly_naming_it(tmp_path):
    result = run(SETUP, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert project_settings.SECRET_KEY_MISSING in result.stderr
    assert project_settings.SECRET_KEY_MISSING.startswith("未设置 SECRET_KEY")
    # a key of blanks is no key; DEBUG=0 spelled out and the demo switched off explicitly change nothing
    assert run(SETUP, tmp_path, SECRET_KEY="   ", DEBUG="0", GONGZHI_DEMO="0").returncode != 0


@pytest.mark.parametrize("env", [{"GONGZHI_DEMO": "1"}, {"DEBUG": "1"}, {"PYTEST_VERSION": "9"},
                                 {"SECRET_KEY": PRODUCTION["SECRET_KEY"]}], ids=["demo", "debug", "pytest", "key"])
def test_the_demo_the_tests_and_a_start_with_a_key_all_start(tmp_path, env):
    result = run(SETUP, tmp_path, **env)
    assert result.returncode == 0, result.stderr


def test_production_defaults_are_the_secure_ones_and_the_demo_keeps_plain_http(tmp_path):
    production = run(SHOW, tmp_path, **PRODUCTION)
    assert production.returncode == 0, production.stderr
    prod = json.loads(production.stdout)
    assert prod["SESSION_COOKIE_SECURE"] is prod["CSRF_COOKIE_SECURE"] is prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is prod["SECURE_HSTS_PRELOAD"] is True
    assert prod["SECURE_PROXY_SSL_HEADER"] is None  # trusted only when the deployment says so
    assert prod["X_FRAME_OPTIONS"] == "DENY"
    assert prod["CSRF_TRUSTED_ORIGINS"] == ["https://gongzhi.example.gov.cn"]

    demo = json.loads(run(SHOW, tmp_path, GONGZHI_DEMO="1").stdout)
    assert demo["SESSION_COOKIE_SECURE"] is demo["CSRF_COOKIE_SECURE"] is demo["SECURE_SSL_REDIRECT"] is False
    assert demo["SECURE_HSTS_SECONDS"] == 0
    assert demo["SECRET_KEY"] == project_settings.DEMO_SECRET_KEY

    # every default can be set either way from the environment; the proxy header is opt-in
    behind_proxy = json.loads(run(SHOW, tmp_path, **PRODUCTION, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
                                  SECURE_HSTS_PRELOAD="0", SESSION_COOKIE_SAMESITE="Strict").stdout)
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert behind_proxy["SECURE_HSTS_PRELOAD"] is False
    assert behind_proxy["SESSION_COOKIE_SAMESITE"] == "Strict"


def test_a_production_server_redirects_http_and_sends_its_cookies_secure_only(tmp_path):
    script = (
        "import django; django.setup(); from django.test import Client; c = Client();"
        "r = c.get('/login/'); print(r.status_code, r.headers.get('Location'));"
        "r = c.get('/login/', secure=True); m = r.cookies['csrftoken'];"
        "print(r.status_code, bool(m['secure']), m['samesite'], r.headers['Strict-Transport-Security'])"
    )
    result = run(["-c", script], tmp_path, **{**PRODUCTION, "ALLOWED_HOSTS": "testserver"})
    assert result.returncode == 0, result.stderr
    plain, secure = result.stdout.splitlines()
    assert plain == "301 https://testserver/login/"
    assert secure == "200 True Lax max-age=31536000; includeSubDomains; preload"


def test_check_deploy_is_clean_with_the_documented_production_variables(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "W0" not in result.stdout + result.stderr
    assert "no issues" in result.stdout

    # and it does speak: the demo's key and switch are named if they reach a production check
    demo = run(["manage.py", "check", "--deploy"], tmp_path, GONGZHI_DEMO="1")
    assert "gongzhi.W001" in demo.stderr and "gongzhi.W002" in demo.stderr
    assert checks.DEMO_KEY_IN_PRODUCTION in demo.stderr


def test_a_production_without_its_own_device_key_is_warned(settings):
    """Device secrets derived from SECRET_KEY would all break when that key is rotated."""
    settings.GONGZHI_DEVICE_KEY = ""
    assert [w.id for w in checks.check_device_key()] == ["gongzhi.W004"]
    settings.GONGZHI_DEVICE_KEY = "r5Tq8-wZ2mN7vB4xK9cL1pH6jF3dS0aG-yE8uO2iQ5"
    assert checks.check_device_key() == []


def test_a_weakened_content_security_policy_is_reported(settings):
    assert checks.check_content_security_policy() == []
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**directives, "script-src": ["'self'", "'unsafe-inline'"]}}
    assert [w.id for w in checks.check_content_security_policy()] == ["gongzhi.W003"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {k: v for k, v in directives.items() if k != "object-src"}}
    assert [w.id for w in checks.check_content_security_policy()] == ["gongzhi.W003"]


def test_every_page_carries_the_strict_policy_and_the_security_headers(client, world):
    response = client.get("/login/")
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Content-Security-Policy" in client.get("/api/v1/docs").headers


def test_no_template_has_inline_script_style_or_handlers():
    """The policy allows none of them; they would be blocked in the browser (and the page broken)."""
    import re

    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|\son[a-z]+\s*=|javascript:"
                        r"|\sstyle\s*=")
    printed = {"notice_print.html", "receipt_print.html"}  # rendered by WeasyPrint into a PDF, never served as HTML
    found = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "gongzhi").rglob("templates/**/*.html")
             if path.name not in printed
             for n, line in enumerate(path.read_text().splitlines(), 1) if inline.search(line)]
    assert found == []


VIOLATIONS = """() => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation",
    (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
}"""


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM


@pytest.mark.browser
def test_a_personas_main_pages_report_no_policy_violation(transactional_db, live_server, world, page):
    from gongzhi import demo
    from gongzhi.notices.models import Notice

    site = live_server.url
    page.add_init_script(f"({VIOLATIONS})()")
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", "zhaozhuren")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)

    seen = {}
    links = page.eval_on_selector_all("header a[href^='/']", "els => els.map(a => a.getAttribute('href'))")
    notice = Notice.objects.filter(estate__name="太平洋花园").first()
    pages = ["/", *links, f"/notices/{notice.pk}/" if notice else "/", "/api/v1/docs"]
    for path in dict.fromkeys(pages):
        response = page.goto(f"{site}{path}")
        page.wait_for_load_state("networkidle")
        seen[path] = (response.status, page.evaluate("window.__csp"))
    assert len(seen) >= 4
    assert {path: status for path, (status, _v) in seen.items() if status != 200} == {}
    assert {path: found for path, (_s, found) in seen.items() if found} == {}
    assert console == []
    # Swagger UI rendered under the site's policy, with no relaxation of its own
    assert page.locator("#swagger-ui .info").count() == 1

    # what used to be an inline onchange now comes from site.js: another level empties the place chosen
    assert page.goto(f"{site}/requests/metrics/").status == 200
    assert page.input_value("#m-place-id") != ""
    page.select_option("#m-place", "subdistrict")
    assert page.input_value("#m-place-id") == ""
    assert page.evaluate("window.__csp") == []

    # the listener is live: an inline style on the page is refused and reported
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    page.wait_for_function("window.__csp.length > 0")
