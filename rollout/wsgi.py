import logging
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rollout.settings")
application = get_wsgi_application()
settings.SECRET_KEY  # noqa: B018 - refuse to serve without a secret key (Django raises when it is empty)

if settings.ALLOW_PLAIN_HTTP:
    from rollout.checks import PLAIN_HTTP_WARNING

    logging.getLogger("rollout.security").warning(PLAIN_HTTP_WARNING)
