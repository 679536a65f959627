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


DEBUG = env_bool("DEBUG", False)
# The fallback key is only for the embedded demo; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "gongzhi-demo-insecure-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongzhi.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

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
GONGZHI_REQUEST_PHOTO_MAX_BYTES = 5 * 1024 * 1024
# An Open311 report with only lat/long is placed in the nearest estate whose gate is at most this far.
GONGZHI_OPEN311_RADIUS_M = int(os.environ.get("GONGZHI_OPEN311_RADIUS_M", 500))
