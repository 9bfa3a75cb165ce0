"""What a locked-out sign-in sees (django-axes calls this instead of its own page)."""

from django.conf import settings
from django.shortcuts import render


def lockout_response(request, credentials=None, *args, **kwargs):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
