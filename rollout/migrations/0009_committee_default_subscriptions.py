"""The Steering Committee's weekly report becomes subscriptions: until now ``report_email_if_due`` mailed each
scheduled weekly report to the active members (with an address) of the province's plan, and the national one to
the active members of every plan. Each such address gets the same as default subscriptions (weekly, Excel and
PDF, its plans' provinces and the whole country), so that an existing install keeps sending what it sent.

The latest week already e-mailed the old way is recorded as delivered to those subscriptions: running that week's
batch again (a retry, a manual run) does not send it a second time."""

from django.db import migrations


def default_subscriptions(apps, schema_editor):
    CommitteeMember = apps.get_model("rollout", "CommitteeMember")
    Report = apps.get_model("rollout", "Report")
    ReportSubscription = apps.get_model("rollout", "ReportSubscription")
    ReportDelivery = apps.get_model("rollout", "ReportDelivery")

    wanted = set()
    members = CommitteeMember.objects.filter(is_active=True).exclude(email="")
    for email, province_id in members.values_list("email", "plan__province_id"):
        address = email.strip().lower()
        wanted |= {(address, province_id), (address, None)}
    subscriptions = ReportSubscription.objects.bulk_create(
        [
            ReportSubscription(email=address, province_id=province_id, frequency="weekly", send_xlsx=True,
                               send_pdf=True)
            for address, province_id in sorted(wanted, key=lambda pair: (pair[0], pair[1] or 0))
        ]
    )  # fmt: skip

    emailed = Report.objects.filter(emailed_at__isnull=False, requested_by__isnull=True, district__isnull=True)
    latest = emailed.order_by("-period_end").values_list("period_end", flat=True).first()
    if latest is None:
        return
    reports = {report.province_id: report for report in emailed.filter(period_end=latest)}
    ReportDelivery.objects.bulk_create(
        [
            ReportDelivery(subscription=subscription, report=reports[subscription.province_id],
                           period_start=reports[subscription.province_id].period_start, period_end=latest,
                           status="sent", recipient=subscription.email,
                           sent_at=reports[subscription.province_id].emailed_at, attempts=1)
            for subscription in subscriptions
            if subscription.province_id in reports
        ]
    )  # fmt: skip


def remove_default_subscriptions(apps, schema_editor):
    apps.get_model("rollout", "ReportSubscription").objects.filter(user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("rollout", "0008_report_subscriptions")]

    operations = [migrations.RunPython(default_subscriptions, remove_default_subscriptions)]
