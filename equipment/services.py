"""Writes to equipment: receiving stock, issuing to a commune post (and its officer), returns and losses.

Rows that two clerks could fight over are locked (the item, the stock level), and the database has the last word:
an item is held by at most one issuance at a time, and stock never goes below zero.
"""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from communes.models import Commune, Coverage
from personnel.models import Officer
from personnel.services import constraint_error
from rollout.core import scoping
from rollout.core.text import normalise_text_fields

from .models import (
    EquipmentItem,
    EquipmentType,
    Handover,
    HandoverKind,
    Issuance,
    IssuanceStatus,
    ItemStatus,
    ReturnCondition,
    StockLevel,
    Warehouse,
)


def validate_serialized(equipment_type: EquipmentType) -> None:
    """Units are registered one by one, by serial number, only for a serial-numbered type; the others are
    counted by quantity. Checked by the receive page, the items import and the admin."""
    if not equipment_type.is_serialized:
        raise ValidationError({"equipment_type": _("This type is counted by quantity, not by serial number.")})


def validate_received_on(value: datetime.date) -> None:
    """Stock is not received in the future: one definition for the receive form, the items import and the
    services (a form field validator: the message names no field)."""
    if value > timezone.localdate():
        raise ValidationError(_("Stock cannot be received in the future."), code="future")


def _check_received_on(value: datetime.date) -> None:
    try:
        validate_received_on(value)
    except ValidationError as error:
        raise ValidationError({"received_on": error.messages}) from None


@transaction.atomic
def items_receive(
    *, warehouse: Warehouse, equipment_type: EquipmentType, serial_numbers: list[str], received_on: datetime.date,
    user, note: str = "",
) -> list[EquipmentItem]:  # fmt: skip
    """Register serial-numbered units arriving in ``warehouse`` (with ``note`` on each, if given)."""
    scoping.check_writable(user, warehouse)
    validate_serialized(equipment_type)
    _check_received_on(received_on)
    numbers = [n.strip() for n in serial_numbers if n and n.strip()]
    if not numbers:
        raise ValidationError({"serial_numbers": _("Give at least one serial number.")})
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise ValidationError({"serial_numbers": _("Listed twice: %(numbers)s.") % {"numbers": ", ".join(duplicates)}})
    taken = sorted(
        EquipmentItem.objects.filter(equipment_type=equipment_type, serial_number__in=numbers).values_list(
            "serial_number", flat=True
        )
    )
    if taken:
        raise ValidationError({"serial_numbers": _("Already registered: %(numbers)s.") % {"numbers": ", ".join(taken)}})
    items = [
        EquipmentItem(equipment_type=equipment_type, serial_number=n, warehouse=warehouse, received_on=received_on,
                      note=note.strip())
        for n in numbers
    ]  # fmt: skip
    for item in items:
        normalise_text_fields(item)  # bulk_create sends no pre_save (rollout.core.text.store_text_in_nfc)
        item.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            return bulk_create_with_history(items, EquipmentItem, default_user=user)
    except IntegrityError as exc:
        raise constraint_error(EquipmentItem, exc) from exc


@transaction.atomic
def item_update(
    *, item: EquipmentItem, warehouse: Warehouse, received_on: datetime.date, note: str, user
) -> EquipmentItem:
    """Correct where a serial-numbered unit is kept, when it was received and its note, in the user's area (the
    warehouse it is in and the one it goes to). Its type and serial number identify it; its status moves through
    issuance and returns."""
    item = EquipmentItem.objects.select_for_update().select_related("warehouse").get(pk=item.pk)
    scoping.check_writable(user, item.warehouse)
    scoping.check_writable(user, warehouse)
    _check_received_on(received_on)
    item.warehouse, item.received_on, item.note = warehouse, received_on, note.strip()
    item.full_clean()
    item._history_user = user
    item.save()
    return item


@transaction.atomic
def stock_receive(*, warehouse: Warehouse, equipment_type: EquipmentType, quantity: int, user) -> StockLevel:
    """Add ``quantity`` units of an unserialised type to ``warehouse``."""
    scoping.check_writable(user, warehouse)
    if equipment_type.is_serialized:
        raise ValidationError({"equipment_type": _("Register serial-numbered units one by one.")})
    if quantity is None or quantity < 1:
        raise ValidationError({"quantity": _("Receive at least one unit.")})
    level, _created = StockLevel.objects.select_for_update().get_or_create(
        warehouse=warehouse, equipment_type=equipment_type
    )
    level.quantity += quantity
    level._history_user = user
    level.save()
    return level


def _check_recipient(commune: Commune, officer: Officer | None) -> None:
    if commune.coverage == Coverage.UNCOVERED:
        raise ValidationError(
            {"commune": _("%(commune)s has no regular police yet: equipment goes to covered communes only.")
             % {"commune": commune}}
        )  # fmt: skip
    if officer is not None and not officer.assignments.active().filter(commune=commune).exists():
        raise ValidationError(
            {"officer": _("%(officer)s is not assigned to %(commune)s.") % {"officer": officer.full_name,
                                                                              "commune": commune}}
        )  # fmt: skip


class AlreadyRecorded(Exception):
    """The issue form carrying this token was recorded already (the same form sent twice): nothing is written
    again. ``issuance`` is the one recorded the first time."""

    def __init__(self, issuance: Issuance):
        super().__init__(str(issuance))
        self.issuance = issuance


def _locked_commune(pk: int) -> Commune:
    # Issuing and returning for one commune go one at a time: they join or open the commune's hand-over records
    # and check the form's token without a race.
    return Commune.objects.select_for_update(of=("self",)).select_related("district").get(pk=pk)


def _act(*, kind: str, commune: Commune, officer: Officer | None, warehouse_id: int, on: datetime.date, user):
    """The hand-over (or return) record of this holder, warehouse and day: the one already open, else a new one.
    The caller holds the commune's lock."""
    act = Handover.objects.filter(
        kind=kind, commune=commune, officer=officer, warehouse_id=warehouse_id, handed_on=on
    ).first()
    if act is None:
        act = Handover.objects.create(
            kind=kind, commune=commune, officer=officer, warehouse_id=warehouse_id, handed_on=on, recorded_by=user
        )
    return act


@transaction.atomic
def issuance_create(
    *,
    commune: Commune,
    equipment_type: EquipmentType,
    warehouse: Warehouse,
    issued_on: datetime.date,
    user,
    item: EquipmentItem | None = None,
    quantity: int = 1,
    officer: Officer | None = None,
    note: str = "",
    token: uuid.UUID | None = None,
) -> Issuance:
    """Hand equipment to a covered commune, optionally to one of its assigned officers. A serial-numbered type
    needs the item, which must be in stock in ``warehouse``; an unserialised type takes ``quantity`` units from
    the warehouse's stock. Two clerks issuing the same item at once: the item row is locked, so the second one
    finds it issued and gets a clear message. The issuance joins the hand-over record of its holder (the commune,
    or the officer), warehouse and day, so that one receipt lists everything handed over together. A form's
    ``token`` is recorded once: the same form sent again raises ``AlreadyRecorded`` and writes nothing."""
    commune = _locked_commune(commune.pk)
    scoping.check_writable(user, commune)
    scoping.check_writable(user, warehouse)
    if token is not None:
        earlier = Issuance.objects.filter(form_token=token).first()
        if earlier is not None:
            raise AlreadyRecorded(earlier)
    _check_recipient(commune, officer)
    issuance = Issuance(
        equipment_type=equipment_type, warehouse=warehouse, commune=commune, officer=officer, issued_on=issued_on,
        issued_by=user, note=note.strip(), form_token=token,
    )  # fmt: skip
    if equipment_type.is_serialized:
        if item is None:
            raise ValidationError({"item": _("Choose the serial number of the unit to issue.")})
        item = EquipmentItem.objects.select_for_update().get(pk=item.pk)
        if item.equipment_type_id != equipment_type.pk:
            raise ValidationError({"item": _("This unit is of another type.")})
        if item.status != ItemStatus.IN_STOCK:
            raise ValidationError({"item": _("Unit %(serial)s is not in stock (%(status)s).") % {
                "serial": item.serial_number, "status": item.get_status_display()}})  # fmt: skip
        if item.warehouse_id != warehouse.pk:
            raise ValidationError({"item": _("Unit %(serial)s is kept in %(warehouse)s.") % {
                "serial": item.serial_number, "warehouse": item.warehouse}})  # fmt: skip
        issuance.item = item
        issuance.quantity = 1
        item.status = ItemStatus.ISSUED
        item._history_user = user
        item.save(update_fields=["status"])
    else:
        if quantity is None or quantity < 1:
            raise ValidationError({"quantity": _("Issue at least one unit.")})
        level = (
            StockLevel.objects.select_for_update().filter(warehouse=warehouse, equipment_type=equipment_type).first()
        )
        available = level.quantity if level else 0
        if quantity > available:
            raise ValidationError(
                {"quantity": _("Only %(available)s %(unit)s in stock in %(warehouse)s.") % {
                    "available": available, "unit": equipment_type.unit, "warehouse": warehouse}}
            )  # fmt: skip
        level.quantity -= quantity
        level._history_user = user
        level.save(update_fields=["quantity"])
        issuance.quantity = quantity
    issuance.full_clean(validate_constraints=False)
    issuance.handover = _act(
        kind=HandoverKind.ISSUE, commune=commune, officer=officer, warehouse_id=warehouse.pk, on=issued_on, user=user
    )
    issuance._history_user = user
    try:
        with transaction.atomic():
            issuance.save()
    except IntegrityError as exc:
        raise constraint_error(Issuance, exc) from exc
    return issuance


def _lock_active(issuance: Issuance, user) -> Issuance:
    _locked_commune(issuance.commune_id)
    issuance = Issuance.objects.select_for_update().select_related("commune__district").get(pk=issuance.pk)
    scoping.check_writable(user, issuance)
    if issuance.status != IssuanceStatus.ACTIVE:
        raise ValidationError(_("This equipment has already been returned or reported lost."))
    return issuance


@transaction.atomic
def issuance_return(
    *, issuance: Issuance, returned_on: datetime.date, condition: str, user, note: str = ""
) -> Issuance:
    """Take equipment back into its warehouse. A good unit goes back into stock; a damaged one to repair; an
    unusable one is retired (unserialised units in bad condition are not put back into stock). The return joins
    the return record (biên bản thu hồi) of its holder, warehouse and day."""
    issuance = _lock_active(issuance, user)
    if condition not in ReturnCondition.values:
        raise ValidationError({"return_condition": _("Say in what condition the equipment came back.")})
    if returned_on < issuance.issued_on:
        raise ValidationError({"closed_on": _("Equipment cannot come back before it was issued.")})
    issuance.status = IssuanceStatus.RETURNED
    issuance.closed_on = returned_on
    issuance.return_condition = condition
    issuance.note = (issuance.note + "\n" + note).strip() if note else issuance.note
    issuance.return_handover = _act(
        kind=HandoverKind.RETURN, commune=issuance.commune, officer=issuance.officer, on=returned_on, user=user,
        warehouse_id=issuance.warehouse_id,
    )  # fmt: skip
    issuance._history_user = user
    issuance.save()
    if issuance.item_id:
        item = EquipmentItem.objects.select_for_update().get(pk=issuance.item_id)
        item.status = {
            ReturnCondition.GOOD: ItemStatus.IN_STOCK,
            ReturnCondition.DAMAGED: ItemStatus.IN_REPAIR,
            ReturnCondition.UNUSABLE: ItemStatus.RETIRED,
        }[condition]
        item.warehouse_id = issuance.warehouse_id
        item._history_user = user
        item.save(update_fields=["status", "warehouse"])
    elif condition == ReturnCondition.GOOD:
        level, _created = StockLevel.objects.select_for_update().get_or_create(
            warehouse_id=issuance.warehouse_id, equipment_type_id=issuance.equipment_type_id
        )
        level.quantity += issuance.quantity
        level._history_user = user
        level.save()
    return issuance


@transaction.atomic
def issuance_report_lost(*, issuance: Issuance, lost_on: datetime.date, note: str, user) -> Issuance:
    """Record that issued equipment was lost; a serial-numbered unit is marked lost."""
    issuance = _lock_active(issuance, user)
    if not note.strip():
        raise ValidationError({"note": _("Describe how the equipment was lost.")})
    if lost_on < issuance.issued_on:
        raise ValidationError({"closed_on": _("Equipment cannot be lost before it was issued.")})
    issuance.status = IssuanceStatus.LOST
    issuance.closed_on = lost_on
    issuance.note = (issuance.note + "\n" + note.strip()).strip()
    issuance._history_user = user
    issuance.save()
    if issuance.item_id:
        item = EquipmentItem.objects.select_for_update().get(pk=issuance.item_id)
        item.status = ItemStatus.LOST
        item._history_user = user
        item.save(update_fields=["status"])
    return issuance


@transaction.atomic
def handovers_record_missing() -> int:
    """Give the issuances written in bulk (demo data), which no form recorded, their hand-over records as the
    services would have: one per holder, warehouse and day, and one per return likewise. Returns how many records
    were made."""
    made = 0
    for kind, day, link, status in (
        (HandoverKind.ISSUE, "issued_on", "handover", None),
        (HandoverKind.RETURN, "closed_on", "return_handover", IssuanceStatus.RETURNED),
    ):
        missing = Issuance.objects.filter(**{f"{link}__isnull": True})
        if status is not None:
            missing = missing.filter(status=status)
        keys = missing.order_by().values("commune_id", "officer_id", "warehouse_id", day).annotate(by=Min("issued_by"))
        acts = Handover.objects.bulk_create(
            [
                Handover(kind=kind, commune_id=k["commune_id"], officer_id=k["officer_id"],
                         warehouse_id=k["warehouse_id"], handed_on=k[day], recorded_by_id=k["by"])
                for k in keys
            ],
            batch_size=1000,
        )  # fmt: skip
        same = Handover.objects.filter(
            pk__in=[a.pk for a in acts], commune_id=OuterRef("commune_id"), warehouse_id=OuterRef("warehouse_id"),
            handed_on=OuterRef(day),
        ).order_by("pk")  # fmt: skip
        missing.filter(officer__isnull=False).update(
            **{link: Subquery(same.filter(officer_id=OuterRef("officer_id")).values("pk")[:1])}
        )
        missing.filter(officer__isnull=True).update(
            **{link: Subquery(same.filter(officer__isnull=True).values("pk")[:1])}
        )
        made += len(acts)
    return made


@transaction.atomic
def issuances_hand_over(
    *, outgoing: Officer, successor: Officer, commune: Commune, handed_on: datetime.date, user
) -> list[Issuance]:
    """Pass everything ``outgoing`` holds in ``commune`` to ``successor``, who must be assigned there: each held
    issuance changes holder (the items stay issued, the stock is untouched), and its history records the change
    with the hand-over as its reason. Part of handing a post over (``personnel.services.assignment_hand_over``,
    through the step ``equipment.apps`` registers), in its transaction; refused (nothing changes) when a unit was
    issued after the hand-over day."""
    # The commune's row first, as issuing and returning do: one lock order for everything it holds.
    commune = Commune.objects.select_for_update(of=("self",)).select_related("district").get(pk=commune.pk)
    scoping.check_writable(user, commune)
    if successor.pk == outgoing.pk:
        raise ValidationError({"successor": _("The successor must be another officer.")})
    _check_recipient(commune, successor)
    held = list(
        Issuance.objects.select_for_update(of=("self",))
        .filter(officer=outgoing, commune=commune, status=IssuanceStatus.ACTIVE)
        .select_related("equipment_type", "item")
        .order_by("pk")
    )
    reason = _("Handed over by %(outgoing)s to %(successor)s on %(date)s") % {
        "outgoing": outgoing.police_number, "successor": successor.police_number, "date": f"{handed_on:%d/%m/%Y}"
    }  # fmt: skip
    for issuance in held:
        if handed_on < issuance.issued_on:
            raise ValidationError(
                {"ended_on": _("%(equipment)s was issued on %(date)s, after the hand-over day.") % {
                    "equipment": issuance.item or issuance.equipment_type, "date": f"{issuance.issued_on:%d/%m/%Y}"}}
            )  # fmt: skip
        issuance.officer = successor
        issuance._history_user = user
        issuance._change_reason = reason[:100]
        issuance.save(update_fields=["officer"])
    return held
