from celery import shared_task

from . import services


@shared_task(
    name="communes.recompute_coverage",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=300,
)
def recompute_coverage(commune_codes: list[int] | None = None) -> int:
    """Recompute and store the coverage status of the given communes (all when ``None``)."""
    return services.coverage_recompute(commune_codes=commune_codes)
