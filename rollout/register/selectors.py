"""Reads of the register (*sổ theo dõi bố trí*) and of an officer's service record (*quá trình công tác*), from the
records' own dates, whatever day they were typed in:

- an assignment holds its post on day D when it had started by D and had not ended
  (``AssignmentQuerySet.active_on``: the progress figures' rule; a post handed over on D is the successor's);
- its holder was **trained** on D when they held a valid pass of every mandatory course that day
  (``training.selectors.mandatory_passed_by``, the training app's definition for a day, which the progress figures
  use for past days: a pass of a class that began after D does not count, nor a certificate expired by then);
- equipment an officer held comes from the issuances' history (simple-history), since a hand-over passes an
  issuance to the successor: the current rows name only its last holder.

The register takes three queries for a district or a whole province (the communes, the posts held with their
holders' training, the number of mandatory courses); the service record a fixed handful, whatever the record's
length.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communes.models import Commune, District, Province
from equipment.models import Issuance, IssuanceStatus
from personnel.choices import Post
from personnel.models import Assignment, Officer, Vetting
from training.models import Enrollment
from training.selectors import mandatory_courses, mandatory_passed_by

POST_ORDER = {Post.CHIEF: 0, Post.DEPUTY: 1, Post.OFFICER: 2}


# --- The register ---------------------------------------------------------------------------------------------


@dataclass
class HeldPost:
    """A post held on the register's day: the assignment (its officer loaded) and its holder's training then."""

    assignment: Assignment
    passed: int  # mandatory courses the holder held a valid pass of that day
    required: int  # mandatory courses there are
    officer_visible: bool = True  # the user may open the officer's page (managed in their area)

    @property
    def officer(self) -> Officer:
        return self.assignment.officer

    @property
    def trained(self) -> bool:
        return self.passed >= self.required


@dataclass
class CommuneOnDay:
    commune: Commune
    posts: list[HeldPost] = field(default_factory=list)

    @property
    def chief(self) -> HeldPost | None:
        return next((held for held in self.posts if held.assignment.post == Post.CHIEF), None)

    @property
    def has_chief(self) -> bool:
        return self.chief is not None


@dataclass
class DistrictOnDay:
    district: District
    communes: list[CommuneOnDay] = field(default_factory=list)


@dataclass
class Register:
    """Who held every post of each commune of an area on ``day``."""

    day: datetime.date
    province: Province
    district: District | None
    commune: Commune | None
    communes: list[CommuneOnDay]
    required: int

    @property
    def area(self) -> Province | District | Commune:
        return self.commune or self.district or self.province

    @property
    def districts(self) -> list[DistrictOnDay]:
        grouped: list[DistrictOnDay] = []
        for row in self.communes:
            if not grouped or grouped[-1].district.pk != row.commune.district_id:
                grouped.append(DistrictOnDay(district=row.commune.district))
            grouped[-1].communes.append(row)
        return grouped

    @property
    def posts(self) -> list[HeldPost]:
        return [held for row in self.communes for held in row.posts]

    @property
    def without_chief(self) -> list[CommuneOnDay]:
        return [row for row in self.communes if not row.has_chief]

    @property
    def trained_count(self) -> int:
        return sum(held.trained for held in self.posts)

    @property
    def untrained_count(self) -> int:
        return len(self.posts) - self.trained_count


def register_on(
    *, user, province: Province, day: datetime.date, district: District | None = None, commune: Commune | None = None
) -> Register:
    """The register of ``province`` (or of one of its districts, or one commune) on ``day``, as ``user`` may see it:
    every commune of the area in their official order (GSO codes), each with the posts held that day — chief,
    deputies, officers — their holders, since when, by which decision, and whether they were trained that day. The
    communes and the posts both come through ``visible_to``: a district clerk's register is their district's."""
    communes = Commune.objects.visible_to(user).filter(district__province=province)
    if district is not None:
        communes = communes.filter(district=district)
    if commune is not None:
        communes = communes.filter(pk=commune.pk)
    rows = {
        c.pk: CommuneOnDay(commune=c)
        for c in communes.select_related("district__province").order_by("district_id", "code")
    }
    required = mandatory_courses().count()
    held = (
        Assignment.objects.visible_to(user)
        .active_on(day)
        .filter(commune__in=communes.values("pk"))
        .select_related("officer")
        .annotate(passed_mandatory=mandatory_passed_by(OuterRef("officer_id"), day))
        .order_by()
    )
    for assignment in held:
        rows[assignment.commune_id].posts.append(
            HeldPost(assignment=assignment, passed=assignment.passed_mandatory, required=required)
        )
    for row in rows.values():
        row.posts.sort(
            key=lambda h: (
                POST_ORDER.get(h.assignment.post, 9),
                h.assignment.started_on,
                h.officer.sort_key,
                h.officer.pk,
            )
        )
    return Register(
        day=day, province=province, district=district, commune=commune, communes=list(rows.values()), required=required
    )


# --- The service record ---------------------------------------------------------------------------------------


class Section:
    ASSIGNMENT = "assignment"
    VETTING = "vetting"
    TRAINING = "training"
    EQUIPMENT = "equipment"


SECTION_LABELS = {
    Section.ASSIGNMENT: gettext_lazy("Posts"),
    Section.VETTING: gettext_lazy("Vetting"),
    Section.TRAINING: gettext_lazy("Training"),
    Section.EQUIPMENT: gettext_lazy("Equipment"),
}


@dataclass
class Event:
    """One dated line of the record's chronology."""

    day: datetime.date
    section: str
    text: str
    order: int = 0  # within a day: vetting, training, a post left, equipment, a post taken

    @property
    def label(self) -> str:
        return str(SECTION_LABELS[self.section])


@dataclass
class VettingEntry:
    """A decision on a criterion as it was taken (the vetting row keeps only the latest one; its history, all)."""

    criterion: str
    passed: bool
    decided_on: datetime.date
    decided_by: object
    note: str


class HeldSince:
    ISSUED = "issued"
    HANDED_OVER = "taken_over"


class HeldUntil:
    RETURNED = "returned"
    LOST = "lost"
    HANDED_OVER = "handed_over"
    REMOVED = "removed"


HOLDING_WORDS = {
    HeldSince.ISSUED: gettext_lazy("issued from the warehouse"),
    HeldSince.HANDED_OVER: gettext_lazy("taken over with the post"),
    HeldUntil.RETURNED: gettext_lazy("returned"),
    HeldUntil.LOST: gettext_lazy("reported lost"),
    HeldUntil.HANDED_OVER: gettext_lazy("handed over to the successor"),
    HeldUntil.REMOVED: gettext_lazy("record removed"),
}


@dataclass
class Holding:
    """Equipment the officer held, from ``since`` until ``until`` (None: still held)."""

    issuance_id: int
    equipment_type: object
    serial_number: str
    quantity: int
    commune: Commune
    since: datetime.date
    since_how: str
    until: datetime.date | None = None
    until_how: str = ""

    @property
    def since_words(self) -> str:
        return str(HOLDING_WORDS[self.since_how])

    @property
    def until_words(self) -> str:
        return str(HOLDING_WORDS[self.until_how]) if self.until_how else ""

    @property
    def what(self) -> str:
        if self.serial_number:
            return _("%(type)s, serial number %(serial)s") % {
                "type": self.equipment_type.name,
                "serial": self.serial_number,
            }
        return _("%(type)s, %(quantity)s %(unit)s") % {
            "type": self.equipment_type.name,
            "quantity": self.quantity,
            "unit": self.equipment_type.unit,
        }


@dataclass
class ServiceRecord:
    officer: Officer
    day: datetime.date  # the day the record is drawn up (its training state is that day's)
    assignments: list[Assignment]
    vettings: list[VettingEntry]
    enrollments: list[Enrollment]
    holdings: list[Holding]
    passed: int
    required: int
    events: list[Event] = field(default_factory=list)

    @property
    def trained(self) -> bool:
        return self.passed >= self.required


def _dmy(day: datetime.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def _vetting_entries(officer: Officer) -> list[VettingEntry]:
    """Every decision on each criterion, oldest first, from the vetting's history (one query)."""
    records = (
        Vetting.history.filter(officer_id=officer.pk)
        .exclude(history_type="-")
        .select_related("decided_by")
        .order_by("history_date", "history_id")
    )
    entries, last = [], {}
    for record in records:
        key = (record.passed, record.decided_on, record.note)
        if last.get(record.id) == key:
            continue
        last[record.id] = key
        entries.append(
            VettingEntry(
                criterion=record.get_criterion_display(),
                passed=record.passed,
                decided_on=record.decided_on,
                decided_by=record.decided_by,
                note=record.note,
            )
        )
    return sorted(entries, key=lambda e: e.decided_on)  # stable: decisions of one day stay in the order taken


def _post_day(assignments: list[Assignment], commune_id: int, written: datetime.date, *, ending: bool):
    """The day the officer's post in the commune ended (``ending``) or began, for a hand-over recorded on
    ``written``: the hand-over ends the outgoing officer's assignment and starts the successor's that day."""
    if ending:
        days = [a.ended_on for a in assignments if a.commune_id == commune_id and a.ended_on and a.ended_on <= written]
    else:
        days = [a.started_on for a in assignments if a.commune_id == commune_id and a.started_on <= written]
    return max(days) if days else written


def _holdings(officer: Officer, assignments: list[Assignment]) -> list[Holding]:
    """What the officer held, when, and how it came and went, from the history of every issuance they ever held
    (one query): issued to them, or passed to them at a hand-over; returned, lost, or passed on."""
    mine = Issuance.history.filter(officer_id=officer.pk).values("id")
    records = (
        Issuance.history.filter(id__in=mine)
        .select_related("equipment_type", "item", "commune")
        .order_by("id", "history_date", "history_id")
    )
    holdings: list[Holding] = []
    open_by_issuance: dict[int, Holding] = {}
    previous: dict[int, object] = {}
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        written = _local_day(record.history_date)
        holding = open_by_issuance.get(record.id)
        if record.history_type == "-":
            if holding is not None:
                holding.until, holding.until_how = written, HeldUntil.REMOVED
                del open_by_issuance[record.id]
            continue
        holds_now = record.officer_id == officer.pk and record.status == IssuanceStatus.ACTIVE
        if holding is None and holds_now:
            # passed to them at a hand-over: from the day their post began; else issued to them
            received = before is not None and before.officer_id != officer.pk
            since = _post_day(assignments, record.commune_id, written, ending=False) if received else record.issued_on
            holding = Holding(
                issuance_id=record.id,
                equipment_type=record.equipment_type,
                serial_number=record.item.serial_number if record.item_id and record.item else "",
                quantity=record.quantity,
                commune=record.commune,
                since=since,
                since_how=HeldSince.HANDED_OVER if received else HeldSince.ISSUED,
            )
            holdings.append(holding)
            open_by_issuance[record.id] = holding
        elif holding is not None and not holds_now:
            if record.officer_id != officer.pk:
                holding.until = _post_day(assignments, record.commune_id, written, ending=True)
                holding.until_how = HeldUntil.HANDED_OVER
            else:
                holding.until = record.closed_on or written
                holding.until_how = HeldUntil.LOST if record.status == IssuanceStatus.LOST else HeldUntil.RETURNED
            del open_by_issuance[record.id]
    return sorted(holdings, key=lambda h: (h.since, h.issuance_id))


def service_record(officer: Officer, *, day: datetime.date | None = None) -> ServiceRecord:
    """The officer's service record drawn up on ``day`` (today): their posts, the decisions of their vetting, their
    classes and prior training, the equipment they held, and one chronology of it all (oldest first). Six queries."""
    day = day or timezone.localdate()
    assignments = list(officer.assignments.select_related("commune__district").order_by("started_on", "pk"))
    enrollments = list(
        Enrollment.objects.filter(officer=officer).select_related("session", "course").order_by("starts_on", "pk")
    )
    passed = (
        Officer.objects.filter(pk=officer.pk)
        .annotate(passed_mandatory=mandatory_passed_by(OuterRef("pk"), day))
        .values_list("passed_mandatory", flat=True)
        .first()
    ) or 0
    record = ServiceRecord(
        officer=officer,
        day=day,
        assignments=assignments,
        vettings=_vetting_entries(officer),
        enrollments=enrollments,
        holdings=_holdings(officer, assignments),
        passed=passed,
        required=mandatory_courses().count(),
    )
    record.events = chronology(record)
    return record


def _assignment_events(assignment: Assignment) -> list[Event]:
    words = {
        "post": assignment.get_post_display(),
        "commune": assignment.commune.name,
        "district": assignment.commune.district.name,
        "number": assignment.decision_number,
        "date": _dmy(assignment.decision_date),
    }
    events = [
        Event(
            assignment.started_on,
            Section.ASSIGNMENT,
            _("Took the post of %(post)s, %(commune)s, %(district)s (decision %(number)s of %(date)s)") % words,
            order=4,
        )
    ]
    if assignment.ended_on:
        reason = assignment.get_end_reason_display() or _("no reason given")
        text = _("Left the post of %(post)s, %(commune)s (%(reason)s)") % {**words, "reason": reason}
        if assignment.end_note:
            text = f"{text}: {assignment.end_note}"
        events.append(Event(assignment.ended_on, Section.ASSIGNMENT, text, order=2))
    return events


def _vetting_events(entries: list[VettingEntry]) -> list[Event]:
    by_day: dict[datetime.date, list[VettingEntry]] = {}
    for entry in entries:
        by_day.setdefault(entry.decided_on, []).append(entry)
    events = []
    for day, decisions in by_day.items():
        passed = [e.criterion for e in decisions if e.passed]
        failed = [e.criterion for e in decisions if not e.passed]
        parts = []
        if passed:
            parts.append(_("passed: %(criteria)s") % {"criteria": ", ".join(passed)})
        if failed:
            parts.append(_("failed: %(criteria)s") % {"criteria": ", ".join(failed)})
        events.append(Event(day, Section.VETTING, _("Vetting: %(decisions)s") % {"decisions": "; ".join(parts)}))
    return events


def _result_words(enrollment: Enrollment) -> str:
    if enrollment.passed:
        until = (
            _("valid until %(date)s") % {"date": _dmy(enrollment.valid_until)}
            if enrollment.valid_until
            else _("does not expire")
        )
        return _("passed, certificate %(number)s, %(until)s") % {
            "number": enrollment.certificate_number or "—",
            "until": until,
        }
    if enrollment.attended is False:
        return _("absent")
    if enrollment.passed is False:
        return _("not passed")
    return _("no result recorded")


def _training_events(enrollments: list[Enrollment], day: datetime.date) -> list[Event]:
    events = []
    for enrollment in enrollments:
        course = f"{enrollment.course.code} — {enrollment.course.title}"
        if enrollment.is_prior:
            events.append(
                Event(
                    enrollment.ends_on,
                    Section.TRAINING,
                    _("Prior training: %(course)s, %(provider)s: %(result)s")
                    % {"course": course, "provider": enrollment.provider, "result": _result_words(enrollment)},
                    order=1,
                )
            )
            continue
        words = {"course": course, "start": _dmy(enrollment.starts_on), "end": _dmy(enrollment.ends_on),
                 "place": enrollment.session.place}  # fmt: skip
        events.append(
            Event(
                enrollment.starts_on,
                Section.TRAINING,
                _("Class of %(course)s from %(start)s to %(end)s at %(place)s") % words,
                order=1,
            )
        )
        if enrollment.passed is not None or enrollment.attended is False:
            events.append(
                Event(
                    enrollment.ends_on,
                    Section.TRAINING,
                    _("Result of %(course)s: %(result)s") % {"course": course, "result": _result_words(enrollment)},
                    order=1,
                )
            )
    # A certificate that expired, with no other pass of the course valid the day after.
    passes = [e for e in enrollments if e.passed]
    for enrollment in passes:
        if enrollment.valid_until is None or enrollment.valid_until >= day:
            continue
        after = enrollment.valid_until + datetime.timedelta(days=1)
        renewed = any(
            other.course_id == enrollment.course_id
            and other.starts_on <= after
            and (other.valid_until is None or other.valid_until >= after)
            for other in passes
        )
        if not renewed:
            events.append(
                Event(
                    after,
                    Section.TRAINING,
                    _("Certificate of %(course)s expired (valid until %(date)s)")
                    % {
                        "course": f"{enrollment.course.code} — {enrollment.course.title}",
                        "date": _dmy(enrollment.valid_until),
                    },  # fmt: skip
                    order=1,
                )
            )
    return events


def _equipment_events(holdings: list[Holding]) -> list[Event]:
    events = []
    for holding in holdings:
        words = {"what": holding.what, "commune": holding.commune.name}
        if holding.since_how == HeldSince.HANDED_OVER:
            text = _("Took over %(what)s with the post, %(commune)s") % words
        else:
            text = _("Issued %(what)s, %(commune)s") % words
        events.append(Event(holding.since, Section.EQUIPMENT, text, order=5))
        if holding.until is None:
            continue
        if holding.until_how == HeldUntil.HANDED_OVER:
            text = _("Handed %(what)s over to the successor, %(commune)s") % words
        elif holding.until_how == HeldUntil.LOST:
            text = _("Reported %(what)s lost, %(commune)s") % words
        else:
            text = _("Returned %(what)s, %(commune)s") % words
        events.append(Event(holding.until, Section.EQUIPMENT, text, order=3))
    return events


def chronology(record: ServiceRecord) -> list[Event]:
    """Every dated fact of the record, oldest first; within a day: vetting, training, a post left and the equipment
    handed back, then a post taken and the equipment received."""
    events = [
        *_vetting_events(record.vettings),
        *_training_events(record.enrollments, record.day),
        *(event for assignment in record.assignments for event in _assignment_events(assignment)),
        *_equipment_events(record.holdings),
    ]
    return sorted(events, key=lambda e: (e.day, e.order))
