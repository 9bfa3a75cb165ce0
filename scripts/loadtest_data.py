"""The load test's database steps (``make loadtest``, ``scripts/loadtest``), run with the project's Python.

``setup OUT.json``: one provincial clerk per province used (``loadtest-clerk-<code>``, password ``LOAD_PASSWORD``)
and, per province, the ids the locust users write with, read from the national data: uncovered communes with
no active assignment and available officers who keep every rule of the plan for that post (assign, then end),
open classes with free seats and officers with no enrolment (enrol, then remove), covered communes (issue one
counted item, then return it). Each locust user takes its own slice, so two users never pick the same row.

``check``: the database rules after the run: every commune's stored state equal to its recomputation
(``verify_progress``), no officer with two active assignments, no commune with two active chiefs, no stock level
below zero, no serial-numbered unit held twice at once, no class over capacity. Prints each; exit
status 1 on any violation.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rollout.settings")
os.environ.setdefault("SECRET_KEY", "loadtest-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

PROVINCES = [int(code) for code in os.environ.get("LOAD_PROVINCES", "38,40,1,34,15").split(",") if code.strip()]
PER_PROVINCE = int(os.environ.get("LOAD_POOL", "60"))


def setup(out: Path) -> None:
    from django.contrib.auth.models import Group
    from django.db.models import Count, Exists, F, OuterRef
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from communes.models import Commune, Coverage
    from personnel.choices import ASSIGNABLE_STATUSES, Post
    from personnel.models import Assignment, Officer
    from personnel.readers import plan_for
    from personnel.services import eligibility_violations
    from training.models import TrainingSession

    password = os.environ.get("LOAD_PASSWORD", "LoadTest@2026")
    today = timezone.localdate()
    clerks = Group.objects.get(name=Role.PROVINCIAL_CLERK)
    data = {"password": password, "provinces": []}
    for code in PROVINCES:
        user, _created = User.objects.get_or_create(username=f"loadtest-clerk-{code}")
        user.province_id, user.district_id, user.is_active = code, None, True
        user.set_password(password)
        user.save()
        user.groups.set([clerks])
        active = Assignment.objects.filter(commune=OuterRef("pk"), ended_on__isnull=True)
        uncovered = list(
            Commune.objects.filter(district__province_id=code, coverage=Coverage.UNCOVERED)
            .exclude(Exists(active))
            .order_by("code")
            .values_list("code", flat=True)[:PER_PROVINCE]
        )
        covered = list(
            Commune.objects.filter(district__province_id=code)
            .filter(Exists(active))
            .order_by("code")
            .values_list("code", flat=True)[:PER_PROVINCE]
        )
        classes = list(
            TrainingSession.objects.filter(province_id=code, results_closed=False, ends_on__gte=today)
            .annotate(taken=Count("enrollments"))
            .filter(taken__lt=F("capacity") - 5)
            .order_by("pk")
            .values_list("pk", "starts_on")[:PER_PROVINCE]
        )
        earliest = min((starts_on for _pk, starts_on in classes), default=today)
        free = (
            Officer.objects.filter(province_id=code, status__in=ASSIGNABLE_STATUSES)
            .exclude(Exists(Assignment.objects.filter(officer=OuterRef("pk"), ended_on__isnull=True)))
            .order_by("pk")
        )
        plan = plan_for(code)
        assignable, enrollable = [], []
        for officer in free[: PER_PROVINCE * 10]:
            if len(assignable) < PER_PROVINCE and not eligibility_violations(officer, plan, today, post=Post.CHIEF):
                assignable.append(officer.police_number)
            elif len(enrollable) < PER_PROVINCE and not officer.enrollments.filter(ends_on__gte=earliest).exists():
                enrollable.append(officer.pk)
            if len(assignable) >= PER_PROVINCE and len(enrollable) >= PER_PROVINCE:
                break
        classes = [pk for pk, _starts_on in classes]
        data["provinces"].append(
            {
                "code": code,
                "username": user.username,
                "uncovered": uncovered,
                "assignable": assignable,
                "covered": covered,
                "classes": classes,
                "enrollable": enrollable,
            }
        )
        print(
            f"province {code}: {len(uncovered)} uncovered communes, {len(assignable)} officers to assign, "
            f"{len(classes)} open classes, {len(enrollable)} officers to enrol, {len(covered)} covered communes"
        )
    out.write_text(json.dumps(data, indent=1))


RULES = {
    "officers with two active assignments": """
        SELECT count(*) FROM (SELECT officer_id FROM personnel_assignment WHERE ended_on IS NULL
        GROUP BY officer_id HAVING count(*) > 1) AS twice""",
    "communes with two active chiefs": """
        SELECT count(*) FROM (SELECT commune_id FROM personnel_assignment WHERE ended_on IS NULL AND post = 'chief'
        GROUP BY commune_id HAVING count(*) > 1) AS twice""",
    "assignments ending before they start": """
        SELECT count(*) FROM personnel_assignment WHERE ended_on < started_on""",
    "classes over capacity": """
        SELECT count(*) FROM (SELECT s.id FROM training_trainingsession s JOIN training_enrollment e
        ON e.session_id = s.id GROUP BY s.id, s.capacity HAVING count(*) > s.capacity) AS over""",
    "officers enrolled twice in one class": """
        SELECT count(*) FROM (SELECT session_id, officer_id FROM training_enrollment WHERE session_id IS NOT NULL
        GROUP BY session_id, officer_id HAVING count(*) > 1) AS twice""",
    "serial-numbered units issued twice at once": """
        SELECT count(*) FROM (SELECT item_id FROM equipment_issuance WHERE item_id IS NOT NULL AND status = 'active'
        GROUP BY item_id HAVING count(*) > 1) AS twice""",
    "stock levels below zero": """
        SELECT count(*) FROM equipment_stocklevel WHERE quantity < 0""",
}

# every write of a user is undone by its next step; what is left is a task stopped halfway (not a rule broken)
LEFT = {
    "left by the load test: assignments still active": """
        SELECT count(*) FROM personnel_assignment WHERE ended_on IS NULL AND decision_number LIKE 'LT-%'""",
    "left by the load test: issuances still held": """
        SELECT count(*) FROM equipment_issuance i JOIN accounts_user u ON u.id = i.issued_by_id
        WHERE i.status = 'active' AND u.username LIKE 'loadtest-%'""",
    "left by the load test: enrolments": """
        SELECT count(*) FROM training_enrollment e JOIN accounts_user u ON u.id = e.enrolled_by_id
        WHERE u.username LIKE 'loadtest-%'""",
}


def check() -> int:
    from rollout.progress.states import commune_states_differences

    violations = 0
    differences, _first = commune_states_differences(limit=0)
    print(f"  verify_progress: {differences} difference(s)")
    violations += differences
    with connection.cursor() as cursor:
        for label, sql in RULES.items():
            cursor.execute(sql)
            count = cursor.fetchone()[0]
            print(f"  {label}: {count}")
            violations += count
        for label, sql in LEFT.items():
            cursor.execute(sql)
            print(f"  {label}: {cursor.fetchone()[0]}")
    print(f"Rule violations: {violations}")
    summary_path = os.environ.get("LOAD_SUMMARY_JSON")
    if summary_path:  # next to the requests' summary (loadtest_summary.py), for scripts/bench.py
        path = Path(summary_path)
        summary = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        summary.update(violations=violations, differences=differences)
        path.write_text(json.dumps(summary), encoding="utf-8")
    return 1 if violations else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "setup":
        setup(Path(sys.argv[2]))
    elif len(sys.argv) == 2 and sys.argv[1] == "check":
        sys.exit(check())
    else:
        sys.exit("usage: loadtest_data.py setup OUT.json | check")
