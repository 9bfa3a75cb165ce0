"""``manage.py dispatch_outbox``: what Celery beat's ``rollout.sweep_jobs`` does every minute, run by hand or by
cron — reports and import previews whose worker died are queued again, and the outbox's pending rows are sent to
the broker."""

from django.core.management.base import BaseCommand

from rollout.tasks import jobs_sweep


class Command(BaseCommand):
    help = "Queue again reports and import previews whose worker died, then send the outbox's pending tasks."

    def handle(self, *args, **options):
        outcome = jobs_sweep()
        self.stdout.write(
            f"Jobs queued again: {outcome['requeued']}, failed: {outcome['failed']}; tasks sent: {outcome['sent']}."
        )
