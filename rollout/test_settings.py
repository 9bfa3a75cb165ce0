"""Settings for the test suite: fast hashing, in-memory mail, tasks in-process unless a test starts a worker."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef0123456789")
os.environ.setdefault("DEBUG", "false")

from rollout.settings import *  # noqa: E402

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = BASE_DIR / ".test-media" / os.environ.get("PYTEST_XDIST_WORKER", "main")  # tests set their own
LOGGING["root"]["level"] = "WARNING"
PROGRESS_CACHE_SECONDS = 0  # tests change data behind the signals' back (queryset.update); one test enables it
if DATABASES["default"]["ENGINE"] == "rollout.core.sqlite":
    # Django's own test database for SQLite, in memory; said outright because pytest-django only recognises
    # Django's engine name, and would otherwise name a file "test_<path>_gw0" per xdist worker.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"
