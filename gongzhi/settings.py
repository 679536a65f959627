"""Gongzhi settings. Everything that differs between machines comes from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The demo and the tests (`make demo`, `make test`, any pytest run) serve plain http://127.0.0.1 and may
# use the public demo key; everything else is production and must bring its own key (docs/security.md).
GONGZHI_DEMO = env_bool("GONGZHI_DEMO", "PYTEST_VERSION" in os.environ)
PLAIN_HTTP = DEBUG or GONGZHI_DEMO  # the secure defaults below hold unless this is the demo or DEBUG
DEMO_SECRET_KEY = "gongzhi-demo-insecure-key-set-SECRET_KEY-in-production"
SECRET_KEY_MISSING = (
    "未设置 SECRET_KEY：生产环境必须在环境变量 SECRET_KEY 中提供至少 50 个字符的随机密钥"
    "（python -c 'import secrets; print(secrets.token_urlsafe(50))'）；仅演示或测试可设 GONGZHI_DEMO=1。"
    " / SECRET_KEY is not set: a production start needs a random key of at least 50 characters in the"
    " SECRET_KEY environment variable; only the demo or the tests may set GONGZHI_DEMO=1 instead."
)
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not PLAIN_HTTP:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(SECRET_KEY_MISSING)
    SECRET_KEY = DEMO_SECRET_KEY
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")  # old keys while sessions signed with them expire
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI from the package, not from a CDN
    "django_htmx",
    "gongzhi.core",
    "gongzhi.places",
    "gongzhi.people",
    "gongzhi.bodies",
    "gongzhi.notices",
    "gongzhi.votes",
    "gongzhi.meetings",
    "gongzhi.finance",
    "gongzhi.requests",
    "gongzhi.portal",
    "gongzhi.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongzhi.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gongzhi.core.middleware.PasswordChangeFirst",  # a one-time password is changed before anything else
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gongzhi.core.middleware.GongzhiErrorMiddleware",
    "gongzhi.core.middleware.OneValuePerApiQueryParameter",
    "gongzhi.core.middleware.ApiBodyTooLarge",  # an API body over the limit answers JSON 413, not bare HTML
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "gongzhi.portal.context_processors.display",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gongzhi.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock up front
        # so two racing transactions queue instead of failing with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Applied when a password is set through a form or a service (not to passwords already stored, nor to
# the demo's or an account's first password, which are set directly). Django's messages come in Chinese.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "gongzhi.core.backends.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (core.services.login_lock, counted in the database so every app server agrees): this
# many failures for one account within the window lock it until the window has passed or staff unlock it;
# this many failures from one address, across accounts, hold that address off likewise.
GONGZHI_LOGIN_FAILURES = int(os.environ.get("GONGZHI_LOGIN_FAILURES", 5))
GONGZHI_ADDRESS_FAILURES = int(os.environ.get("GONGZHI_ADDRESS_FAILURES", 30))
GONGZHI_LOGIN_WINDOW_MINUTES = int(os.environ.get("GONGZHI_LOGIN_WINDOW_MINUTES", 15))
# An API token is valid this many days from its creation.
GONGZHI_TOKEN_DAYS = int(os.environ.get("GONGZHI_TOKEN_DAYS", 90))
# Login by mobile and a one-time SMS code (core.services.sms_code_send / sms_login): a code is valid this
# many minutes and used once; a mobile gets at most one code per interval and so many an hour, an address
# so many an hour. The SMS adapter logs the code itself only in DEBUG or the demo (GONGZHI_DEMO).
GONGZHI_SMS_CODE_MINUTES = int(os.environ.get("GONGZHI_SMS_CODE_MINUTES", 5))
GONGZHI_SMS_INTERVAL_SECONDS = int(os.environ.get("GONGZHI_SMS_INTERVAL_SECONDS", 60))
GONGZHI_SMS_PER_MOBILE_HOUR = int(os.environ.get("GONGZHI_SMS_PER_MOBILE_HOUR", 5))
GONGZHI_SMS_PER_ADDRESS_HOUR = int(os.environ.get("GONGZHI_SMS_PER_ADDRESS_HOUR", 20))
GONGZHI_SMS_LOG_CODES = DEBUG or GONGZHI_DEMO
AUTHENTICATION_BACKENDS = ["gongzhi.core.backends.CaseInsensitiveModelBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "core:login"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
WHITENOISE_USE_FINDERS = True  # serve straight from the package: no collectstatic, no CDN

# --- Deployment security (docs/security.md lists every variable) ------------------------------
# Production defaults are the secure ones: cookies only over HTTPS, HSTS for a year, HTTP redirected to
# HTTPS. The demo and DEBUG (PLAIN_HTTP) serve http://127.0.0.1:8000, where a Secure cookie would never
# come back and login would fail, so there they default off. Each one can be set explicitly either way.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not PLAIN_HTTP)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not PLAIN_HTTP)
SESSION_COOKIE_HTTPONLY = env_bool("SESSION_COOKIE_HTTPONLY", True)
CSRF_COOKIE_HTTPONLY = False  # htmx sends the token from the page (hx-headers); the cookie is not read by JS
# Lax, not Strict: a resident who taps a link or scans a notice's QR code from WeChat arrives logged in.
SESSION_COOKIE_SAMESITE = os.environ.get("SESSION_COOKIE_SAMESITE", "Lax")
CSRF_COOKIE_SAMESITE = os.environ.get("CSRF_COOKIE_SAMESITE", "Lax")
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 14 * 24 * 3600))  # seconds
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not PLAIN_HTTP)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 0 if PLAIN_HTTP else 365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not PLAIN_HTTP)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not PLAIN_HTTP)
# Behind a TLS-terminating proxy (nginx, a cloud load balancer) that sets X-Forwarded-Proto and strips it
# from clients: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (optionally ",https"). Opt-in only: trusting
# the header without such a proxy would let any client claim HTTPS.
if os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip():
    _header, _, _value = os.environ["SECURE_PROXY_SSL_HEADER"].partition(",")
    SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip() or "https")
SECURE_CONTENT_TYPE_NOSNIFF = env_bool("SECURE_CONTENT_TYPE_NOSNIFF", True)
SECURE_REFERRER_POLICY = os.environ.get("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = os.environ.get("X_FRAME_OPTIONS", "DENY")
# Origins (scheme and host) allowed to POST when the site is reached through another name or port,
# e.g. https://gongzhi.example.gov.cn
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Content-Security-Policy (django-csp 4): only this site's own scripts, styles, fonts and connections,
# images also as data: URIs (the notices' QR codes are SVG data URIs); no plugins, no framing, forms post
# only here. Nothing on a page may be inline: JS and CSS live in gongzhi/static/.
# CSP_REPORT_URI sends violation reports to a collector of the deployment's choosing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        **({"report-uri": [os.environ["CSP_REPORT_URI"]]} if os.environ.get("CSP_REPORT_URI") else {}),
    },
}

# --- Gongzhi rules that differ between localities -------------------------------------------
# Estate size classes (households): >= SUPER_LARGE is super-large, <= MICRO is micro.
GONGZHI_SIZE_SUPER_LARGE_MIN_HOUSEHOLDS = int(os.environ.get("GONGZHI_SUPER_LARGE_MIN", 2000))
GONGZHI_SIZE_MICRO_MAX_HOUSEHOLDS = int(os.environ.get("GONGZHI_MICRO_MAX", 100))
# Owners' committee: odd size in this range; term length in years unless the district or
# subdistrict sets its own.
GONGZHI_COMMITTEE_MIN_MEMBERS = 5
GONGZHI_COMMITTEE_MAX_MEMBERS = 11
GONGZHI_COMMITTEE_MAX_TERM_YEARS = int(os.environ.get("GONGZHI_COMMITTEE_MAX_TERM_YEARS", 5))
GONGZHI_IMPORT_MAX_BYTES = 20 * 1024 * 1024
# A spreadsheet's extent, checked before it is parsed (a sheet whose cells sit at A1 and XFD1048576
# would make the reader allocate hundreds of GiB): rows and columns of any sheet, what its zip
# members may expand to in all and by what ratio, and the memory a .xls is read in (a subprocess).
GONGZHI_IMPORT_MAX_ROWS = 200_000
GONGZHI_IMPORT_MAX_COLUMNS = 200
GONGZHI_IMPORT_MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
GONGZHI_IMPORT_MAX_ZIP_RATIO = 200
GONGZHI_IMPORT_XLS_MEMORY_BYTES = 2 * 1024 * 1024 * 1024

# Notices and the transparency log
MEDIA_ROOT = Path(os.environ.get("GONGZHI_MEDIA_ROOT", VAR_DIR / "media"))
GONGZHI_NOTICE_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
GONGZHI_LOG_KEY_FILE = os.environ.get("GONGZHI_LOG_KEY_FILE", str(VAR_DIR / "log-signing-key.pem"))
GONGZHI_LOG_HEAD_INTERVAL_SECONDS = int(os.environ.get("GONGZHI_LOG_HEAD_INTERVAL_SECONDS", 3600))
# The address printed in QR codes; empty means the address the page was requested on.
GONGZHI_PUBLIC_URL = os.environ.get("GONGZHI_PUBLIC_URL", "").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Owners' votes: days between announcing a vote and opening it (a locality may set more, never under 15).
GONGZHI_VOTE_NOTICE_DAYS = max(15, int(os.environ.get("GONGZHI_VOTE_NOTICE_DAYS", 15)))

# Joint deliberation: spending at or above this (yuan) makes a matter 三重一大 (decided only at a joint meeting).
GONGZHI_MAJOR_SPENDING_YUAN = int(os.environ.get("GONGZHI_MAJOR_SPENDING_YUAN", 50000))
# Extra notification channels after the in-app inbox (dotted paths of callables taking the rows).
# SMS and WeChat adapters log (with the phone masked) instead of sending until a provider is set up.
GONGZHI_NOTIFICATION_CHANNELS = [
    "gongzhi.core.notifications.log_channel",
    "gongzhi.core.notifications.sms_channel",
    "gongzhi.core.notifications.wechat_channel",
]

# 业账社管: expenses at or above this (yuan) also need the discipline supervisor and an authorising
# resolution; requests to one payee within the window that together pass it are flagged as split.
GONGZHI_LARGE_EXPENSE_YUAN = int(os.environ.get("GONGZHI_LARGE_EXPENSE_YUAN", 5000))
GONGZHI_SPLIT_WINDOW_DAYS = int(os.environ.get("GONGZHI_SPLIT_WINDOW_DAYS", 30))
GONGZHI_SEAL_OUT_HOURS = int(os.environ.get("GONGZHI_SEAL_OUT_HOURS", 24))
GONGZHI_DEPOSIT_DAYS = int(os.environ.get("GONGZHI_DEPOSIT_DAYS", 3))  # income must reach the bank within
GONGZHI_FUND_REVIEW_DAYS = int(os.environ.get("GONGZHI_FUND_REVIEW_DAYS", 10))  # each level of 三级联审
GONGZHI_FUND_EMERGENCY_REVIEW_HOURS = int(os.environ.get("GONGZHI_FUND_EMERGENCY_REVIEW_HOURS", 24))
GONGZHI_AUDIT_DAYS = int(os.environ.get("GONGZHI_AUDIT_DAYS", 30))  # days after a period ends to finish 三审

# Residents' requests (诉求).
GONGZHI_REQUEST_CONFIRM_DAYS = int(os.environ.get("GONGZHI_REQUEST_CONFIRM_DAYS", 7))  # then it closes by itself
GONGZHI_ESCALATION_RESPONSE_HOURS = int(os.environ.get("GONGZHI_ESCALATION_RESPONSE_HOURS", 24))  # each level up
GONGZHI_SUMMONS_REPORT_HOURS = int(os.environ.get("GONGZHI_SUMMONS_REPORT_HOURS", 24))  # 吹哨 → 报到
GONGZHI_ORDER_ACCEPT_HOURS = int(os.environ.get("GONGZHI_ORDER_ACCEPT_HOURS", 24))  # 派单 → 接单, else back
GONGZHI_REQUEST_PHOTO_MAX_BYTES = 20 * 1024 * 1024  # a phone's photo as taken; stored as a JPEG of at most 2048 px
# API routes whose JSON carries photos in base64 (a third larger) take bodies up to this many bytes (one full-size
# photo and the rest); every other API body keeps DATA_UPLOAD_MAX_MEMORY_SIZE (core.middleware.ApiBodyTooLarge).
GONGZHI_API_LARGE_BODIES = {r"^/api/v1/requests(/\d+/resolve)?/?$": GONGZHI_REQUEST_PHOTO_MAX_BYTES * 4 // 3 + 2**20}
# An Open311 report with only lat/long is placed in the nearest estate whose gate is at most this far.
GONGZHI_OPEN311_RADIUS_M = int(os.environ.get("GONGZHI_OPEN311_RADIUS_M", 500))
