"""Celery tasks of training: the daily pass that moves officers whose certificates expired out of *ready*."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import statuses_settle_lapsed


@shared_task(
    name="training.settle_lapsed_statuses",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=10 * 60,
)
def settle_lapsed_statuses() -> int:
    """Officers *ready* whose training lapsed overnight (a certificate expired) go back to *in training*.
    Idempotent: a second run moves nobody."""
    return statuses_settle_lapsed()
