"""An existing install keeps what it sent: the data migration turns the committee's weekly e-mail into default
subscriptions, and records the last week already e-mailed the old way as delivered, so that it is not sent again."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("rollout", "0007_deployment_plans")]


def _migrate(targets=None):
    """Migrate to ``targets`` (None: the latest migrations, where the test suite expects the database)."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_the_committees_weekly_e_mail_becomes_default_subscriptions(kon_tum):
    old = _migrate(BEFORE)
    try:
        plan = old.get_model("rollout", "PilotPlan").objects.create(
            province_id=62, name="Kế hoạch", started_on=datetime.date(2026, 1, 1), target_on=datetime.date(2027, 1, 1)
        )
        members = old.get_model("rollout", "CommitteeMember").objects
        members.create(plan=plan, full_name="Nguyễn Văn Sơn", unit="Bộ Công an", role="head", email="Son@Example.vn")
        members.create(plan=plan, full_name="Phạm Thị Hà", unit="Cục", role="member", email="ha@example.vn")
        members.create(plan=plan, full_name="Lê Cũ", unit="Cục", role="member", email="cu@example.vn", is_active=False)
        members.create(plan=plan, full_name="Không Thư", unit="Cục", role="member", email="")
        reports = old.get_model("rollout", "Report").objects
        emailed = timezone.now() - datetime.timedelta(days=1)
        week = (datetime.date(2026, 11, 23), datetime.date(2026, 11, 29))
        earlier = (datetime.date(2026, 11, 16), datetime.date(2026, 11, 22))
        latest = reports.create(province_id=62, period_start=week[0], period_end=week[1], status="done",
                                emailed_at=emailed)  # fmt: skip
        reports.create(province_id=62, period_start=earlier[0], period_end=earlier[1], status="done",
                       emailed_at=emailed)  # fmt: skip
        reports.create(province_id=None, period_start=week[0], period_end=week[1], status="done")  # not e-mailed
    finally:
        new = _migrate()  # through 0008 and 0009 to the latest state, whatever happened
    subscriptions = new.get_model("rollout", "ReportSubscription").objects
    assert set(subscriptions.values_list("email", "province_id", "district_id", "frequency", "send_xlsx", "send_pdf",
                                         "user_id")) == {
        ("son@example.vn", 62, None, "weekly", True, True, None),
        ("son@example.vn", None, None, "weekly", True, True, None),
        ("ha@example.vn", 62, None, "weekly", True, True, None),
        ("ha@example.vn", None, None, "weekly", True, True, None),
    }  # fmt: skip
    deliveries = new.get_model("rollout", "ReportDelivery").objects
    assert set(deliveries.values_list("subscription__email", "report_id", "period_start", "status")) == {
        ("son@example.vn", latest.pk, week[0], "sent"),
        ("ha@example.vn", latest.pk, week[0], "sent"),
    }  # the national report of that week was not e-mailed: its subscribers get it from the next run
