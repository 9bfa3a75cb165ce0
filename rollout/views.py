from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from communes.models import Commune
from communes.selectors import commune_totals, district_coverage_table


class HomeView(PermissionRequiredMixin, TemplateView):
    """The start page: coverage at a glance, per district. The full dashboard grows here."""

    permission_required = "communes.view_commune"
    template_name = "rollout/home.html"

    def get_context_data(self, **kwargs):
        communes = Commune.objects.visible_to(self.request.user)
        return super().get_context_data(
            totals=commune_totals(communes), districts=district_coverage_table(communes), **kwargs
        )


def _redis_status() -> str:
    from django.conf import settings

    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:  # ValueError: a malformed REDIS_URL
        return f"error: {exc.__class__.__name__}"
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and `docker compose`: database and Redis, as JSON (503 when one fails)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # any driver error means the database is not usable
        database = f"error: {exc.__class__.__name__}"
    redis_status = _redis_status()
    healthy = database == "ok" and redis_status in ("ok", "not configured")
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "redis": redis_status},
        status=200 if healthy else 503,
    )
