"""The error pages' views: the CSRF failure page in the app's layout (``CSRF_FAILURE_VIEW``), and the server
error (``handler500``): ``503.html`` when the database does not answer, ``500.html`` otherwise. The 400, 403 and
404 pages are Django's default handlers with the templates ``400.html`` … ``404.html``; ``500.html`` and
``503.html`` stand alone (no layout, no context processors, no database), so they render whatever failed."""

import logging
import sys

from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger("django.security.csrf")


def csrf_failure(request, reason: str = ""):
    """A form sent with a missing or outdated security token (an old tab, a session that expired, cookies off):
    say so, and offer to go back and send it again. Nothing was written."""
    back = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        host = None
    if not host or not url_has_allowed_host_and_scheme(back, allowed_hosts={host}, require_https=request.is_secure()):
        back = ""
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return render(request, "403_csrf.html", {"back": back}, status=403)


def server_error(request):
    """An unhandled error: a database that cannot be reached answers 503 with its own page (and ``Retry-After``,
    so that a proxy or a script knows to come back); anything else is the 500 page. Neither touches the
    database."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
