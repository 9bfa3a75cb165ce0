"""The error pages' views: the CSRF failure page in the app's layout (``CSRF_FAILURE_VIEW``), the page not found
(``handler404``) and the server error (``handler500``): ``503.html`` when the database does not answer,
``500.html`` otherwise. The 400 and 403 pages are Django's default handlers with the templates ``400.html`` and
``403.html``; ``500.html`` and ``503.html`` stand alone (no layout, no context processors, no database), so they
render whatever failed. Under ``/api/`` (but for its documentation page) the answers are JSON, as the API's own
errors are (``rollout.api.errors``)."""

import logging
import sys

from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

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


def _for_a_program(request) -> bool:
    """A request of the API (JSON answers), not of its documentation page (a page for people)."""
    return request.path.startswith("/api/") and not request.path.startswith("/api/docs/")


def not_found(request, exception):
    """No such page: the 404 page, or for the API ``{"detail": …}`` (an unknown endpoint, a mistyped path)."""
    if _for_a_program(request):
        return JsonResponse({"detail": _("No such endpoint: see /api/schema/.")}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    """An unhandled error: a database that cannot be reached answers 503 with its own page (and ``Retry-After``,
    so that a proxy or a script knows to come back); anything else is the 500 page. Neither touches the
    database. The API answers the same in JSON."""
    exc = sys.exc_info()[1]
    unavailable = isinstance(exc, OperationalError | InterfaceError)
    if _for_a_program(request):
        message = _("The service is unavailable for a moment: try again.") if unavailable else _("Server error.")
        response = JsonResponse({"detail": message}, status=503 if unavailable else 500)
    elif unavailable:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    else:
        return HttpResponseServerError(loader.get_template("500.html").render())
    if unavailable:
        response["Retry-After"] = "30"
    return response
