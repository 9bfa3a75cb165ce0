"""The error pages' views: the CSRF failure page in the app's layout (``CSRF_FAILURE_VIEW``). The 400, 403, 404 and
500 pages are Django's default handlers with the templates ``400.html`` … ``500.html``; ``500.html`` stands alone
(no layout, no context processors, no database), so it renders whatever failed."""

import logging

from django.core.exceptions import DisallowedHost
from django.shortcuts import render
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
