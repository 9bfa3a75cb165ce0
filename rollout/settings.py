"""Settings, read from the environment (django-environ).

Unset variables give the embedded demo: SQLite, tasks run in-process, local memory cache. Production sets
``DEBUG=false``, ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL`` and ``REDIS_URL`` (see docker-compose.yml).
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Empty in production unless set: Django refuses to read an empty SECRET_KEY, so anything that signs (sessions,
# CSRF, the web server at start: see wsgi.py) fails loudly, while commands that sign nothing (makemigrations,
# compilemessages) run without secrets.
SECRET_KEY = env("SECRET_KEY", default="") or (
    "django-insecure-dev-only-key-do-not-use-in-production-3f9a1c7e5b" if DEBUG else ""
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "simple_history",
    "accounts.axes_app.AxesConfig",  # django-axes, under a translated name
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from static/ (no CDN)
    "accounts",
    "communes",
    "personnel",
    "training",
    "equipment",
    "rollout",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rollout.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # last: turns a locked-out login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rollout.urls"
WSGI_APPLICATION = "rollout.wsgi.application"
ASGI_APPLICATION = "rollout.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "communes.context_processors.demo_data",
                "rollout.health.background_jobs",
                "rollout.notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "rollout.core.sqlite"  # integer ranges declared: rollout/core/sqlite/base.py
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env.bool("POSTGRES_JIT", default=False):
    # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost; the pages' correlated
    # subqueries (equipment shortages, figures) are cheap to run but, once a table has bloated, are estimated
    # dear, and compiling them took 1.5 s a page. This is an OLTP application: JIT off (POSTGRES_JIT=true undoes).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database answers the error page within seconds instead of hanging the worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Brute-force protection (django-axes): after AXES_FAILURE_LIMIT failed logins for one user name from one
# address, that pair is locked out for AXES_COOLOFF_MINUTES; a successful login resets the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "rollout.errors.csrf_failure"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Redis: broker, result backend and cache. Unset: tasks run in-process and the cache is local memory.
REDIS_URL = env("REDIS_URL", default="")
# The cache holds only what can be computed again: with Redis unreachable its calls log and fall through
# (rollout.core.cache), within these timeouts, so that pages still serve.
CACHE_CONNECT_TIMEOUT = env.float("CACHE_CONNECT_TIMEOUT", default=0.2)
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.5)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "rollout.core.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": CACHE_CONNECT_TIMEOUT, "socket_timeout": CACHE_SOCKET_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message a worker took but did not acknowledge (acks late: it is acknowledged when the task ends) goes back to
# the queue after the visibility timeout: longer than the longest task may run (the hard time limit), so that a
# running task is never delivered twice, short enough that a killed worker's task comes back. The report
# sweeper (below) notices a dead worker sooner, through the report's heartbeat.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 5 * 60,
    "socket_connect_timeout": env.float("BROKER_CONNECT_TIMEOUT", default=0.5),
    # Sending a task tries to connect twice, 0.1 s apart, then gives up (the outbox keeps it): a page never
    # waits seconds on a broker that is down.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("BROKER_CONNECT_TIMEOUT", default=0.5)
# Queuing goes through the outbox (rollout.core.outbox), which keeps what the broker did not take and sends it
# again: a page does not wait for the broker's own retries.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_RESULT_EXPIRES = 24 * 60 * 60
# The schedule, in CELERY_TIMEZONE (Asia/Ho_Chi_Minh); run with `celery -A rollout beat` (default scheduler).
CELERY_BEAT_SCHEDULE: dict = {
    "record-snapshot-daily": {
        "task": "rollout.record_snapshot",
        "schedule": crontab(hour=23, minute=50),
    },
    # Just after midnight: every commune's stored state for the new day (certificates expire, dated work starts).
    "refresh-commune-states-daily": {
        "task": "rollout.refresh_commune_states",
        "schedule": crontab(hour=0, minute=1),
    },
    "settle-lapsed-training-daily": {
        "task": "training.settle_lapsed_statuses",
        "schedule": crontab(hour=0, minute=15),
    },
    # Last week's reports on Monday, last month's on the 1st, each e-mailed to its subscribers once.
    "weekly-reports-monday-0700": {
        "task": "rollout.weekly_reports",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
    # Each user's digest, once per period, from 06:00 (rollout.notifications.services: hourly runs retry errors).
    "send-digests-hourly": {
        "task": "rollout.send_digests",
        "schedule": crontab(minute=5),
    },
    "monthly-reports-first-0700": {
        "task": "rollout.monthly_reports",
        "schedule": crontab(hour=7, minute=0, day_of_month=1),
    },
    # Reports whose worker died go back to the queue, then whatever the outbox holds is sent.
    "sweep-jobs-every-minute": {
        "task": "rollout.sweep_jobs",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
# The outbox's sweeper sends rows older than this that the commit did not send (the commit sends newer ones).
OUTBOX_SWEEP_AFTER_SECONDS = env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=30)
# A report being produced updates its heartbeat at every step; one whose heartbeat is older than the lease (its
# worker died), or that waits longer than the lease since it was queued, is queued again, at most
# REPORT_MAX_ATTEMPTS times in all, then failed. The lease must be longer than the longest step of a report.
REPORT_LEASE_SECONDS = env.int("REPORT_LEASE_SECONDS", default=5 * 60)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
# How long a page trusts its last look at the broker (the "background jobs are delayed" banner).
BROKER_CHECK_SECONDS = env.float("BROKER_CHECK_SECONDS", default=10.0)

# Internationalisation: Vietnamese first, English second; dates dd/mm/yyyy, numbers 1.234,5.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# The project's catalogue first (it wins where both have a msgid), then Vietnamese for the third-party apps that
# ship none (django-axes, django-import-export, django-simple-history: scripts/vendor_messages.py writes it).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
FORMAT_MODULE_PATH = ["rollout.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: Excel imports are small; anything larger is refused before it is parsed.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20_000)
# A file with more rows is previewed by the worker, its progress on the page; a smaller one while the page waits
# (under 2 s for communes, 0.5–1 ms a row; the officer and equipment pages, whose rows go through the services at
# 15–30 ms each, set 50 themselves: ImportView.sync_max_rows).
IMPORT_SYNC_MAX_ROWS = env.int("IMPORT_SYNC_MAX_ROWS", default=1000)
# The preview page lists at most this many rows, errors and changes first (every row of the country would take
# seconds to render); the totals count them all.
IMPORT_PREVIEW_SHOWN_ROWS = env.int("IMPORT_PREVIEW_SHOWN_ROWS", default=1000)
# A background preview beats a heartbeat as it goes (every half second); one whose heartbeat is older than the
# lease (its worker died), or that waits longer than the lease, is queued again, at most IMPORT_PREVIEW_MAX_ATTEMPTS
# times in all, then failed. Previews and their files not confirmed are forgotten after IMPORT_JOB_KEEP_HOURS.
IMPORT_PREVIEW_LEASE_SECONDS = env.int("IMPORT_PREVIEW_LEASE_SECONDS", default=2 * 60)
IMPORT_PREVIEW_MAX_ATTEMPTS = env.int("IMPORT_PREVIEW_MAX_ATTEMPTS", default=2)
IMPORT_JOB_KEEP_HOURS = env.int("IMPORT_JOB_KEEP_HOURS", default=24)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# django-import-export (admin): keep uploads between preview and confirm in the shared storage.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Formats are set on each admin (rollout.core.imports.SafeXLSX): the app's upload checks and formula-safe writing.

# django-simple-history (admin): the history of a record can be read, not reverted. A revert saved an old version
# as it was, past the services' rules; rollout.core.admin.HistoryAdmin also refuses a posted revert form.
SIMPLE_HISTORY_REVERT_DISABLED = True

# The address users open the application at, for the links in e-mails (digests): https://cax.congan.example
SITE_URL = env("SITE_URL", default="")
# Reports go out by e-mail: EMAIL_URL=smtp+tls://user:password@mail.congan.example:587 (unset: printed to the log)
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="rollout@localhost")

# --- Transport and request security: HTTPS, the proxy, a plain-HTTP trial, methods, caching (issue 13) --------------
# The secure defaults hold whenever DEBUG is off; `manage.py check --deploy` is clean then.
# ALLOW_PLAIN_HTTP=true is the one switch for a trial over plain HTTP on a closed network: cookies without the
# Secure flag, no redirect to HTTPS, no HSTS, whatever the individual variables say (a Secure cookie over HTTP is
# never sent back, and sign-in fails with a CSRF error). rollout.wsgi logs a warning at start; `check --deploy`
# reports rollout.W001 in place of Django's four HTTPS warnings.
ALLOW_PLAIN_HTTP = env.bool("ALLOW_PLAIN_HTTP", default=False)
_HTTPS = not DEBUG and not ALLOW_PLAIN_HTTP
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_SECURE = False if ALLOW_PLAIN_HTTP else env.bool("SESSION_COOKIE_SECURE", default=_HTTPS)
CSRF_COOKIE_SECURE = False if ALLOW_PLAIN_HTTP else env.bool("CSRF_COOKIE_SECURE", default=_HTTPS)
SECURE_SSL_REDIRECT = False if ALLOW_PLAIN_HTTP else env.bool("SECURE_SSL_REDIRECT", default=_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 0 if ALLOW_PLAIN_HTTP else env.int("SECURE_HSTS_SECONDS", default=31_536_000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = False if ALLOW_PLAIN_HTTP else env.bool("SECURE_HSTS_PRELOAD", default=_HTTPS)
if ALLOW_PLAIN_HTTP:
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]
# Behind the reverse proxy (docker-compose.yml's `proxy`, the only way to reach `web`): trust the scheme it sets
# (it overwrites X-Forwarded-Proto) and, for the sign-in lockout, the client address it adds to X-Forwarded-For.
# Never set these when clients reach the application directly: they could claim HTTPS or any address.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=env.bool("USE_X_FORWARDED_PROTO", default=False))
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxy passes the client's Host header on; the host it was reached by is never taken from X-Forwarded-Host.
USE_X_FORWARDED_HOST = False
# How many proxies stand in front of the application (AXES_PROXY_COUNT), each adding one address to
# X-Forwarded-For; 0: the client's address is the connection's. accounts.lockout.client_ip_address reads it for
# django-axes (whose own AXES_PROXY_COUNT needs django-ipware, which is not installed).
TRUSTED_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=1 if BEHIND_PROXY else 0)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip_address"
# Only the methods a page means (405 otherwise, before the CSRF check), and personal data never cached
# (rollout.middleware: METHODS_MEANT, PERSONAL_DATA_PAGES).
_before_csrf = MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware")
MIDDLEWARE.insert(_before_csrf, "rollout.middleware.MethodsMeantMiddleware")
_after_whitenoise = MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
MIDDLEWARE.insert(_after_whitenoise, "rollout.middleware.PersonalDataNoStoreMiddleware")
# --- end of transport and request security --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: everything from this server, no inline or injected script, no framing, no plugins.
# Inline style attributes remain allowed (progress bars set their width); scripts never are.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# The API (/api/v1/, rollout.api): personal tokens or the browser's session, the roles' permissions and the users'
# areas as on the pages, JSON only, pages of API_PAGE_SIZE, API_RATE requests per token (or user) in the cache.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rollout.api.authentication.ApiTokenAuthentication",  # first: anonymous requests get 401, not 403
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rollout.api.permissions.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["rollout.api.filters.ApiFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rollout.api.pagination.Pagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "DEFAULT_THROTTLE_CLASSES": ["rollout.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE", default="2000/hour")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rollout.api.errors.exception_handler",
    "DATE_INPUT_FORMATS": ["iso-8601"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Công an xã chính quy — API",
    "DESCRIPTION": "The rollout manager's API: the same roles, areas and rules as the pages (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rollout.api.permissions.HasArea"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rollout.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AssignmentEndReasonEnum": "personnel.choices.AssignmentEndReason",
        "ReturnConditionEnum": "equipment.models.ReturnCondition",
        "RankEnum": "personnel.choices.Rank",
    },
}

# Domain settings.
DEFAULT_STAFFING_NORM = env.int("DEFAULT_STAFFING_NORM", default=5)
DEFAULT_PROVINCE_CODE = 62  # Kon Tum, the pilot province
# The progress figures (dashboard, reports) are cached until one of their sources changes, at most this long.
PROGRESS_CACHE_SECONDS = env.int("PROGRESS_CACHE_SECONDS", default=10 * 60)
