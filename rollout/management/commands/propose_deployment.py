"""``manage.py propose_deployment --province 62 [--phase N] [--posts chiefs|norm] [--json]``: the optimal
deployment plan of a province from the data as it is now, with the greedy baseline beside it
(``rollout.deployment.proposal``). It writes nothing."""

import datetime
import json as json_module

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from communes.models import Province
from personnel.models import Officer
from rollout.deployment.proposal import propose
from rollout.models import Phase, PlanPosts


class Command(BaseCommand):
    help = "Propose the optimal placement of a province's available officers into its open posts (writes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--province", type=int, required=True, help="The province's code (62: Kon Tum).")
        parser.add_argument("--phase", type=int, help="Only the communes of this phase (its number) of the plan.")
        parser.add_argument("--posts", choices=PlanPosts.values, default=PlanPosts.CHIEFS, help="chiefs or norm.")
        parser.add_argument("--starts-on", type=datetime.date.fromisoformat, help="The posts' start (YYYY-MM-DD).")
        parser.add_argument("--overrides", action="store_true", help="Propose officers who break a rule if needed.")
        parser.add_argument("--json", action="store_true", help="Print the plan as JSON.")

    def handle(self, *args, province, phase, posts, starts_on, overrides, json: bool, **options):
        from django.utils import timezone

        if not Province.objects.filter(pk=province).exists():
            raise CommandError(f"No province with the code {province}.")
        phase_object = None
        if phase is not None:
            phase_object = Phase.objects.filter(plan__province_id=province, number=phase).first()
            if phase_object is None:
                raise CommandError(f"The plan of province {province} has no phase {phase}.")
        with transaction.atomic():
            proposal = propose(
                province_id=province,
                posts=posts,
                starts_on=starts_on or timezone.localdate(),
                phase=phase_object,
                allow_overrides=overrides,
            )
            transaction.set_rollback(True)  # it only reads; make sure of it
        numbers = dict(Officer.objects.filter(pk__in=[r.officer_id for r in proposal.filled]).values_list(
            "pk", "police_number"
        ))  # fmt: skip
        result = {
            "province": province,
            "posts": [
                {
                    "commune": row.post.commune_id,
                    "post": row.post.post,
                    "officer": numbers[row.officer_id],
                    "score": row.score,
                }
                for row in proposal.filled
            ],  # fmt: skip
            "unfilled": [
                {"commune": row.post.commune_id, "post": row.post.post, "reason": row.unfilled_reason}
                for row in proposal.unfilled
            ],
            "total_score": proposal.total_score,
            "greedy_posts": proposal.greedy_posts,
            "greedy_total_score": proposal.greedy_total_score,
            "seconds": round(proposal.seconds, 3),
        }
        if json:
            self.stdout.write(_dumps(result))
            return
        self.stdout.write(
            f"Province {province}: {len(result['posts'])} of {len(proposal.rows)} open posts filled, total score "
            f"{result['total_score']} (one commune after another: {result['greedy_posts']} posts, "
            f"{result['greedy_total_score']}), {result['seconds']} s."
        )
        for post in result["posts"]:
            self.stdout.write(f"  {post['commune']} {post['post']}: {post['officer']} ({post['score']})")
        for post in result["unfilled"]:
            self.stdout.write(f"  {post['commune']} {post['post']}: — {post['reason']}")


def _dumps(value) -> str:
    return json_module.dumps(value, ensure_ascii=False, indent=2)
