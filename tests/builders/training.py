"""Building training history for tests.

The enrolment service refuses a class that has ended (a clerk records earlier training as prior training), so a
test that needs officers who sat in a class of the past builds their seats as they were made while it ran, and
then settles their statuses as the service did. Results are recorded through the service as usual."""

from django.utils import timezone

from personnel.models import Officer
from personnel.services import officer_statuses_settle
from training import services
from training.models import Enrollment


def enrol(session, officers, user) -> services.EnrolmentOutcome:
    """Enrol ``officers`` in ``session``: through the service while the class takes officers, else as history."""
    officers = list(officers)
    if session.ends_on >= timezone.localdate():
        return services.enrolment_add(session=session, officers=officers, enrolled_by=user)
    for officer in officers:
        Enrollment.objects.create(
            session=session, officer=officer, course=session.course, starts_on=session.starts_on,
            ends_on=session.ends_on, enrolled_by=user,
        )  # fmt: skip
    officer_statuses_settle(officers=list(Officer.objects.filter(pk__in=[o.pk for o in officers])), user=user)
    return services.EnrolmentOutcome(enrolled=officers, refused=[])
