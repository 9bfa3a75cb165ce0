"""Reads over equipment, computed in the database: the standard that applies to a commune (its own, else its
kind's, else the default), what it holds, the shortage, and whether it is *equipped* (holds its standard of
every type)."""

import datetime

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from communes.models import Commune

from .models import (
    AllocationStandard,
    EquipmentItem,
    EquipmentType,
    Handover,
    Issuance,
    IssuanceStatus,
    ItemStatus,
    StockLevel,
)


def _standard(type_ref, commune_ref, kind_ref):
    """The effective standard of type ``type_ref`` for the commune ``commune_ref`` of kind ``kind_ref``."""

    def pick(**filters):
        return Subquery(
            AllocationStandard.objects.filter(equipment_type=type_ref, **filters).values("quantity")[:1],
            output_field=IntegerField(),
        )

    return Coalesce(
        pick(commune=commune_ref),
        pick(commune__isnull=True, commune_kind=kind_ref),
        pick(commune__isnull=True, commune_kind=""),
        Value(0),
    )


def _holding(on: datetime.date | None = None) -> Q:
    """Issuances held now, or on the day ``on`` (issued by then, not yet returned or lost)."""
    if on is None:
        return Q(status=IssuanceStatus.ACTIVE)
    return Q(issued_on__lte=on) & (Q(closed_on__isnull=True) | Q(closed_on__gt=on))


def _held(type_ref, commune_ref, on: datetime.date | None = None):
    held = (
        Issuance.objects.filter(_holding(on), equipment_type=type_ref, commune=commune_ref)
        .order_by()
        .values("commune")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def commune_equipment(commune: Commune):
    """Every equipment type with the commune's standard, holding and shortage (one query)."""
    return (
        EquipmentType.objects.annotate(
            standard=_standard(OuterRef("pk"), commune.pk, commune.kind),
            held=_held(OuterRef("pk"), commune.pk),
        )
        .annotate(shortage=Greatest(F("standard") - F("held"), Value(0)))
        .order_by("category", "name")
    )


def _unmet_types(on: datetime.date | None = None):
    """Types whose effective standard exceeds what the commune (the outer query's row) holds (on ``on``)."""
    return EquipmentType.objects.annotate(
        standard=_standard(OuterRef("pk"), OuterRef(OuterRef("pk")), OuterRef(OuterRef("kind"))),
        held=_held(OuterRef("pk"), OuterRef(OuterRef("pk")), on),
    ).filter(standard__gt=F("held"))


def is_equipped(on: datetime.date | None = None):
    """An expression for commune querysets: the commune holds its standard of every type (on ``on``)."""
    return ~Exists(_unmet_types(on).order_by())


def with_equipment(communes):
    """Annotate communes with ``unmet_types`` (how many types fall short) and ``is_equipped``."""
    unmet = _unmet_types().order_by()
    count = Subquery(
        unmet.annotate(n=Func(F("pk"), function="COUNT")).values("n"),  # COUNT(*) of the subquery, no GROUP BY
        output_field=IntegerField(),
    )
    return communes.annotate(unmet_types=Coalesce(count, Value(0)), is_equipped=~Exists(unmet))


def type_summary(communes):
    """Per equipment type over ``communes``: units in stock, units held by the communes, the sum of the
    standards, the total shortage and how many communes fall short (one query per type: a dozen at most)."""
    rows = []
    province_ids = communes.values("district__province_id")
    for equipment_type in EquipmentType.objects.order_by("category", "name"):
        figures = communes.annotate(
            commune_standard=_standard(equipment_type.pk, OuterRef("pk"), OuterRef("kind")),
            commune_held=_held(equipment_type.pk, OuterRef("pk")),
        ).aggregate(
            standard=Coalesce(Sum("commune_standard"), 0),
            held=Coalesce(Sum("commune_held"), 0),
            shortage=Coalesce(Sum(Greatest(F("commune_standard") - F("commune_held"), Value(0))), 0),
            communes_short=Count("pk", filter=Q(commune_standard__gt=F("commune_held"))),
        )
        if equipment_type.is_serialized:
            in_stock = EquipmentItem.objects.filter(
                equipment_type=equipment_type, status=ItemStatus.IN_STOCK, warehouse__province_id__in=province_ids
            ).count()
        else:
            in_stock = StockLevel.objects.filter(
                equipment_type=equipment_type, warehouse__province_id__in=province_ids
            ).aggregate(total=Coalesce(Sum("quantity"), 0))["total"]
        rows.append({"type": equipment_type, "in_stock": in_stock, **figures})
    return rows


def officer_equipment(officer):
    """What the officer holds now: to return or hand over when they leave their commune."""
    return (
        Issuance.objects.filter(officer=officer, status=IssuanceStatus.ACTIVE)
        .select_related("equipment_type", "item", "commune")
        .order_by("equipment_type__name")
    )


def issuable_stock(warehouses):
    """What may be issued from ``warehouses`` now: the serial-numbered units in stock, and the stock levels of
    counted types with units left, each with its type and warehouse (two queries, whatever the stock)."""
    items = (
        EquipmentItem.objects.filter(warehouse__in=warehouses, status=ItemStatus.IN_STOCK)
        .select_related("equipment_type", "warehouse")
        .order_by("equipment_type__name", "serial_number")
    )
    levels = (
        StockLevel.objects.filter(warehouse__in=warehouses, quantity__gt=0)
        .select_related("equipment_type", "warehouse")
        .order_by("equipment_type__name", "warehouse__name")
    )
    return items, levels


def handover_lines(handover):
    """The issuances a hand-over or return record lists, with what the receipt prints of them (one query)."""
    related = "issued" if handover.kind == "issue" else "returned"
    return (
        getattr(handover, related)
        .select_related("equipment_type", "item")
        .order_by("equipment_type__category", "equipment_type__name", "item__serial_number", "pk")
    )


def commune_handovers(commune):
    """The commune's hand-over and return records, newest first, each with how many lines its receipt lists."""
    return (
        Handover.objects.filter(commune=commune)
        .select_related("officer")
        .annotate(lines=Count("issued", distinct=True) + Count("returned", distinct=True))
        .order_by("-handed_on", "-pk")
    )
