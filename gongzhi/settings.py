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
    "django_tasks",
    "django_tasks_db",  # the task queue's table (TASKS below); `gongzhi worker` runs it
    "gongzhi.core",
    "gongzhi.places",
    "gongzhi.people",
    "gongzhi.bodies",
    "gongzhi.notices",
    "gongzhi.votes",
    "gongzhi.meetings",
    "gongzhi.finance",
    "gongzhi.requests",
    "gongzhi.party",
    "gongzhi.services",
    "gongzhi.grid",
    "gongzhi.reviews",
    "gongzhi.portal",
    "gongzhi.dashboard",
]

# Background work (core.schedule; the outbox): django-tasks with its database backend, so nothing but the
# database is needed; `gongzhi worker` runs the tasks and `gongzhi scheduler` enqueues the periodic ones.
# GONGZHI_TASKS=immediate runs each task at once in the process that enqueues it (the demo's default).
# The login scheduled jobs act as where work is done in a person's name (statements, monthly reports): an
# administrator or an officer whose roles cover the places; unset, those jobs are skipped and say so.
GONGZHI_SCHEDULE_AS = os.environ.get("GONGZHI_SCHEDULE_AS", "")
GONGZHI_TASKS = os.environ.get("GONGZHI_TASKS", "immediate" if GONGZHI_DEMO else "database")
TASKS = {"default": {"BACKEND": {"immediate": "django_tasks.backends.immediate.ImmediateBackend",
                                 "database": "django_tasks_db.DatabaseBackend"}[GONGZHI_TASKS]}}

MIDDLEWARE = [
    "gongzhi.core.logs.RequestLogMiddleware",  # the request id on every log line, and one access line per request
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gongzhi.core.middleware.MachineRoutes",  # machines' routes (GONGZHI_MACHINE_ROUTES) skip what browsers need
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
# Load balancers probe the health checks over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
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
# Stored files (attachments, photos, reports) go through the storage API: the local MEDIA_ROOT by default,
# or GONGZHI_STORAGE=s3://bucket[/prefix]?endpoint_url=… (any S3-compatible object storage, keys from AWS_*)
# or file:///shared/folder, so several app servers share them (gongzhi.core.storage, docs/deploy.md).
from gongzhi.core import storage as _storage  # noqa: E402

try:
    _default_storage, _media_root = _storage.parse(os.environ.get("GONGZHI_STORAGE", ""))
except _storage.StorageUrlError as _error:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(str(_error)) from None
MEDIA_ROOT = _media_root or MEDIA_ROOT
STORAGES = {"default": _default_storage,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
GONGZHI_NOTICE_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
GONGZHI_LOG_KEY_FILE = os.environ.get("GONGZHI_LOG_KEY_FILE", str(VAR_DIR / "log-signing-key.pem"))
GONGZHI_LOG_HEAD_INTERVAL_SECONDS = int(os.environ.get("GONGZHI_LOG_HEAD_INTERVAL_SECONDS", 3600))
# The address printed in QR codes; empty means the address the page was requested on.
GONGZHI_PUBLIC_URL = os.environ.get("GONGZHI_PUBLIC_URL", "").rstrip("/")
# Party work: above this many estates at once, assigning a 包保 cadre another one warns (never refuses).
GONGZHI_CADRE_MAX_ESTATES = int(os.environ.get("GONGZHI_CADRE_MAX_ESTATES", 3))

# Logs (gongzhi.core.logs, docs/deploy.md): one JSON object a line with the request id (GONGZHI_LOG_FORMAT=text
# for people; the demo's default), to standard error for the journal and, with GONGZHI_LOG_DIR, to app.log and
# access.log there (reopened after logrotate moves them). One access line per request (gongzhi.access; off in
# the demo, GONGZHI_ACCESS_LOG=1 turns it on). Rotated files are kept GONGZHI_LOG_RETENTION_DAYS days (at least
# a year, as 《互联网政务应用安全管理规定》 asks) and then deleted by `gongzhi logs_prune`; the audit trail is
# database rows, which the app never deletes.
GONGZHI_LOG_FORMAT = os.environ.get("GONGZHI_LOG_FORMAT", "text" if GONGZHI_DEMO else "json")
GONGZHI_LOG_DIR = os.environ.get("GONGZHI_LOG_DIR", "")
GONGZHI_LOG_RETENTION_DAYS = max(366, int(os.environ.get("GONGZHI_LOG_RETENTION_DAYS", 400)))
GONGZHI_ACCESS_LOG = env_bool("GONGZHI_ACCESS_LOG", not GONGZHI_DEMO)
_log_handlers = {"console": {"class": "logging.StreamHandler", "formatter": GONGZHI_LOG_FORMAT,
                             "filters": ["request_id"]}}
if GONGZHI_LOG_DIR:
    Path(GONGZHI_LOG_DIR).mkdir(parents=True, exist_ok=True)
    for _name in ("app", "access"):
        _log_handlers[_name] = {"class": "logging.handlers.WatchedFileHandler", "formatter": GONGZHI_LOG_FORMAT,
                                "filters": ["request_id"], "filename": str(Path(GONGZHI_LOG_DIR) / f"{_name}.log"),
                                "encoding": "utf-8"}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "gongzhi.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "gongzhi.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": _log_handlers,
    "loggers": {
        "gongzhi.access": {"handlers": ["access" if GONGZHI_LOG_DIR else "console"], "propagate": False,
                           "level": "INFO" if GONGZHI_ACCESS_LOG else "WARNING"},
    },
    "root": {"handlers": ["app" if GONGZHI_LOG_DIR else "console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Owners' votes: days between announcing a vote and opening it (a locality may set more, never under 15).
GONGZHI_VOTE_NOTICE_DAYS = max(15, int(os.environ.get("GONGZHI_VOTE_NOTICE_DAYS", 15)))

# Joint deliberation: spending at or above this (yuan) makes a matter 三重一大 (decided only at a joint meeting).
GONGZHI_MAJOR_SPENDING_YUAN = int(os.environ.get("GONGZHI_MAJOR_SPENDING_YUAN", 50000))
# Extra notification channels after the in-app inbox (dotted paths of callables taking the rows).
# SMS and WeChat adapters log (with the phone masked) instead of sending until a provider is set up;
# a deployment names its own: GONGZHI_NOTIFICATION_CHANNELS=sms=provider.adapters.sms,wechat=provider.adapters.wx
GONGZHI_NOTIFICATION_CHANNELS = dict(item.split("=", 1) for item in env_list("GONGZHI_NOTIFICATION_CHANNELS")) or {
    "sms": "gongzhi.core.notifications.sms_channel",
    "wechat": "gongzhi.core.notifications.wechat_channel",
}
# Delivery over those channels (core.notifications): attempts before a delivery is shown to staff as failed
# (retries wait 1, 2, 4 … minutes, at most an hour), and how long a worker's claim lasts before another may
# take the delivery over (a worker that died mid-send).
GONGZHI_DELIVERY_ATTEMPTS = int(os.environ.get("GONGZHI_DELIVERY_ATTEMPTS", 5))
GONGZHI_DELIVERY_CLAIM_SECONDS = int(os.environ.get("GONGZHI_DELIVERY_CLAIM_SECONDS", 300))

# 业账社管: expenses at or above this (yuan) also need the discipline supervisor and an authorising
# resolution; requests to one payee within the window that together pass it are flagged as split.
GONGZHI_LARGE_EXPENSE_YUAN = int(os.environ.get("GONGZHI_LARGE_EXPENSE_YUAN", 5000))
GONGZHI_SPLIT_WINDOW_DAYS = int(os.environ.get("GONGZHI_SPLIT_WINDOW_DAYS", 30))
# A seal released and not back after more than this many hours (exactly this long is not yet) raises an
# alert on the supervisor's desk, which states the limit ("借出超过 N 小时").
GONGZHI_SEAL_OUT_HOURS = int(os.environ.get("GONGZHI_SEAL_OUT_HOURS", 24))
GONGZHI_DEPOSIT_DAYS = int(os.environ.get("GONGZHI_DEPOSIT_DAYS", 3))  # income must reach the bank within
GONGZHI_FUND_REVIEW_DAYS = int(os.environ.get("GONGZHI_FUND_REVIEW_DAYS", 10))  # each level of 三级联审
GONGZHI_FUND_EMERGENCY_REVIEW_HOURS = int(os.environ.get("GONGZHI_FUND_EMERGENCY_REVIEW_HOURS", 24))
GONGZHI_AUDIT_DAYS = int(os.environ.get("GONGZHI_AUDIT_DAYS", 30))  # days after a period ends to finish 三审

# Holding service to account (reviews): a run of complaints is this many requests rated unsatisfied (1–2 of 5)
# within this many days; a 红黑榜 entry may be objected to for so many days (the last one included), is listed for
# so many days after the branch's review, and names the household by "entrance" (5号楼1单元) or "unit" (5-1-302).
GONGZHI_COMPLAINT_DAYS = int(os.environ.get("GONGZHI_COMPLAINT_DAYS", 30))
GONGZHI_COMPLAINT_RUN = int(os.environ.get("GONGZHI_COMPLAINT_RUN", 10))
GONGZHI_LIST_OBJECTION_DAYS = int(os.environ.get("GONGZHI_LIST_OBJECTION_DAYS", 7))
GONGZHI_LIST_DAYS = int(os.environ.get("GONGZHI_LIST_DAYS", 90))
GONGZHI_LIST_DETAIL = os.environ.get("GONGZHI_LIST_DETAIL", "entrance")

# Residents' requests (诉求).
GONGZHI_REQUEST_CONFIRM_DAYS = int(os.environ.get("GONGZHI_REQUEST_CONFIRM_DAYS", 7))  # then it closes by itself
GONGZHI_ESCALATION_RESPONSE_HOURS = int(os.environ.get("GONGZHI_ESCALATION_RESPONSE_HOURS", 24))  # each level up
GONGZHI_SUMMONS_REPORT_HOURS = int(os.environ.get("GONGZHI_SUMMONS_REPORT_HOURS", 24))  # 吹哨 → 报到
GONGZHI_ORDER_ACCEPT_HOURS = int(os.environ.get("GONGZHI_ORDER_ACCEPT_HOURS", 24))  # 派单 → 接单, else back
GONGZHI_REQUEST_PHOTO_MAX_BYTES = 20 * 1024 * 1024  # a phone's photo as taken; stored as a JPEG of at most 2048 px
# API routes whose JSON carries photos in base64 (a third larger) take bodies up to this many bytes (one full-size
# photo and the rest); every other API body keeps DATA_UPLOAD_MAX_MEMORY_SIZE (core.middleware.ApiBodyTooLarge).
GONGZHI_API_LARGE_BODIES = {r"^/api/v1/requests(/\d+/resolve)?/?$": GONGZHI_REQUEST_PHOTO_MAX_BYTES * 4 // 3 + 2**20,
                            # community life: an activity's report, a project's progress, with photos
                            r"^/api/v1/(activities/\d+/report|projects/\d+/milestones)/?$":
                                GONGZHI_REQUEST_PHOTO_MAX_BYTES * 4 // 3 + 2**20,
                            # grid work: a patrol's finding with photos
                            r"^/api/v1/patrols/\d+/findings/?$": GONGZHI_REQUEST_PHOTO_MAX_BYTES * 4 // 3 + 2**20,
                            # reviews: the company's rectification report with photos
                            r"^/api/v1/rectifications/\d+/report/?$": GONGZHI_REQUEST_PHOTO_MAX_BYTES * 4 // 3 + 2**20}
# An Open311 report with only lat/long is placed in the nearest estate whose gate is at most this far.
GONGZHI_OPEN311_RADIUS_M = int(os.environ.get("GONGZHI_OPEN311_RADIUS_M", 500))
# Smart-estate devices (requests.services.devices): each device's secret is derived from this key and the
# device's own salt, so the database alone never holds a usable secret. Set it in production (and keep it:
# changing it invalidates every device's secret); by default it is derived from SECRET_KEY.
GONGZHI_DEVICE_KEY = os.environ.get("GONGZHI_DEVICE_KEY", "")
GONGZHI_DEVICE_CLOCK_SKEW_SECONDS = int(os.environ.get("GONGZHI_DEVICE_CLOCK_SKEW_SECONDS", 300))  # event time vs now
GONGZHI_DEVICE_MERGE_MINUTES = int(os.environ.get("GONGZHI_DEVICE_MERGE_MINUTES", 30))  # repeats → one request
GONGZHI_DEVICE_IMAGE_MAX_BYTES = int(os.environ.get("GONGZHI_DEVICE_IMAGE_MAX_BYTES", 1024 * 1024))  # decoded
# Posted to by machines, hundreds a second: no session, CSRF, login or messages (core.middleware.MachineRoutes).
GONGZHI_MACHINE_ROUTES = ["/api/v1/devices/events"]
