"""What a locked-out sign-in sees (django-axes calls this instead of its own page)."""

from django.conf import settings
from django.shortcuts import render


def lockout_response(request, credentials=None, *args, **kwargs):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


def client_ip_address(request) -> str | None:
    """The sign-in's client address for django-axes: the connection's, or behind ``TRUSTED_PROXY_COUNT`` proxies
    the address the outermost of them saw, counted from the right of X-Forwarded-For (each proxy appends the
    address it was reached from, so entries further left are whatever the client chose to send)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
