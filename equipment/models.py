"""Equipment (trang bị) of commune posts: types, allocation standards, stock, issuance and returns."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import CommuneKind
from rollout.core.scoping import ScopedBy, ScopedQuerySet


class Category(models.TextChoices):
    VEHICLE = "vehicle", _("Vehicle")
    COMMUNICATION = "communication", _("Communication device")
    SUPPORT_TOOL = "support_tool", _("Support tool (công cụ hỗ trợ)")
    OFFICE = "office", _("Office and other")


class EquipmentType(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, db_index=True)
    unit = models.CharField(_("unit of measure"), max_length=20, help_text=_("e.g. chiếc, bộ, cái"))
    is_serialized = models.BooleanField(
        _("serial-numbered"), default=True, help_text=_("Each unit has a serial number and is tracked one by one.")
    )

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("equipment type")
        verbose_name_plural = _("equipment types")

    def __str__(self):
        return self.name


class AllocationStandard(models.Model):
    """How many of a type a commune post should hold: a default, overridden per commune kind, then per commune."""

    equipment_type = models.ForeignKey(
        EquipmentType, verbose_name=_("equipment type"), on_delete=models.CASCADE, related_name="standards"
    )
    commune_kind = models.CharField(
        _("commune kind"), max_length=20, blank=True, choices=CommuneKind.choices,
        help_text=_("Empty: the default for every commune (unless a commune is chosen)."),
    )  # fmt: skip
    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="equipment_standards",
    )  # fmt: skip
    quantity = models.PositiveSmallIntegerField(_("quantity"))

    class Meta:
        ordering = ["equipment_type", "commune_kind", "commune"]
        verbose_name = _("allocation standard")
        verbose_name_plural = _("allocation standards")
        constraints = [
            models.CheckConstraint(
                condition=Q(commune__isnull=True) | Q(commune_kind=""),
                name="%(app_label)s_%(class)s_kind_or_commune",
                violation_error_message=_("A standard applies to a commune kind or to one commune, not both."),
            ),
            models.UniqueConstraint(
                fields=["equipment_type"],
                condition=Q(commune__isnull=True, commune_kind=""),
                name="%(app_label)s_%(class)s_one_default",
                violation_error_message=_("This type already has a default standard."),
            ),
            models.UniqueConstraint(
                fields=["equipment_type", "commune_kind"],
                condition=Q(commune__isnull=True) & ~Q(commune_kind=""),
                name="%(app_label)s_%(class)s_one_per_kind",
                violation_error_message=_("This type already has a standard for this commune kind."),
            ),
            models.UniqueConstraint(
                fields=["equipment_type", "commune"],
                name="%(app_label)s_%(class)s_one_per_commune",
                violation_error_message=_("This type already has a standard for this commune."),
            ),
        ]

    def __str__(self):
        scope = self.commune or self.get_commune_kind_display() or _("default")
        return f"{self.equipment_type}: {self.quantity} ({scope})"


class Warehouse(models.Model):
    """Where stock is kept: the provincial store or a district unit's."""

    name = models.CharField(_("name"), max_length=120)
    province = models.ForeignKey("communes.Province", verbose_name=_("province"), on_delete=models.PROTECT)
    district = models.ForeignKey(
        "communes.District", verbose_name=_("district"), on_delete=models.PROTECT, null=True, blank=True
    )

    # The provincial store (no district) serves the whole province, its district clerks included.
    scoped_by = ScopedBy(province="province_id", district="district_id", whole_province_when_no_district=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["province", "district", "name"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="%(app_label)s_%(class)s_unique_name"),
        ]

    def __str__(self):
        return self.name


# Units and stock are seen and moved by who sees their warehouse.
IN_WAREHOUSE = ScopedBy(
    province="warehouse__province_id", district="warehouse__district_id", whole_province_when_no_district=True
)


class ItemStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    ISSUED = "issued", _("Issued")
    IN_REPAIR = "in_repair", _("In repair")
    LOST = "lost", _("Lost")
    RETIRED = "retired", _("Retired")


class EquipmentItem(models.Model):
    """One serial-numbered unit."""

    equipment_type = models.ForeignKey(
        EquipmentType, verbose_name=_("equipment type"), on_delete=models.PROTECT, related_name="items"
    )
    serial_number = models.CharField(_("serial number"), max_length=60)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="items"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.IN_STOCK, db_index=True
    )
    received_on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()
    scoped_by = IN_WAREHOUSE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["equipment_type", "serial_number"]
        verbose_name = _("equipment item")
        verbose_name_plural = _("equipment items")
        indexes = [models.Index(fields=["warehouse", "equipment_type", "status"], name="equipment_item_stock")]
        constraints = [
            models.UniqueConstraint(
                fields=["equipment_type", "serial_number"],
                name="%(app_label)s_%(class)s_unique_serial",
                violation_error_message=_("This serial number is already registered for this type."),
            ),
        ]

    def __str__(self):
        return f"{self.equipment_type} #{self.serial_number}"


class StockLevel(models.Model):
    """Units of an unserialised type held in a warehouse."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="stock"
    )
    equipment_type = models.ForeignKey(
        EquipmentType, verbose_name=_("equipment type"), on_delete=models.PROTECT, related_name="stock"
    )
    quantity = models.IntegerField(_("quantity"), default=0)

    history = HistoricalRecords()
    scoped_by = IN_WAREHOUSE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "equipment_type"], name="%(app_label)s_%(class)s_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="%(app_label)s_%(class)s_not_negative",
                violation_error_message=_("Stock cannot go below zero."),
            ),
        ]

    def __str__(self):
        return f"{self.equipment_type} @ {self.warehouse}: {self.quantity}"


class IssuanceStatus(models.TextChoices):
    ACTIVE = "active", _("Held")
    RETURNED = "returned", _("Returned")
    LOST = "lost", _("Lost")


class ReturnCondition(models.TextChoices):
    GOOD = "good", _("Good")
    DAMAGED = "damaged", _("Damaged (to repair)")
    UNUSABLE = "unusable", _("Unusable (to retire)")


class HandoverKind(models.TextChoices):
    ISSUE = "issue", _("Hand-over")
    RETURN = "return", _("Return")


class Handover(models.Model):
    """One act of handing equipment over (biên bản bàn giao) or taking it back (biên bản thu hồi): everything one
    holder (the commune post, or one of its officers) received from, or gave back to, one warehouse on one day.
    It is what one receipt lists; issuances and returns join their act when they are recorded."""

    kind = models.CharField(_("kind"), max_length=10, choices=HandoverKind.choices)
    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="handovers"
    )
    officer = models.ForeignKey(
        "personnel.Officer", verbose_name=_("officer"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="handovers",
    )  # fmt: skip
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+")
    handed_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scoped_by = ScopedBy(province="commune__district__province_id", district="commune__district_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-handed_on", "-pk"]
        verbose_name = _("hand-over record")
        verbose_name_plural = _("hand-over records")
        indexes = [models.Index(fields=["commune", "handed_on"], name="equipment_handover_commune")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk:05d} · {self.commune}"

    def get_absolute_url(self):
        return reverse("equipment:handover_receipt", args=[self.pk])

    @property
    def number(self) -> str:
        """The receipt's number: "00012/BBBG" for a hand-over, "00013/BBTH" for a return."""
        return f"{self.pk:05d}/{'BBBG' if self.kind == HandoverKind.ISSUE else 'BBTH'}"


class IssuanceQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(status=IssuanceStatus.ACTIVE)


class Issuance(models.Model):
    """Equipment handed to a commune post, optionally to a named officer of it: one serial-numbered item, or a
    quantity of an unserialised type."""

    equipment_type = models.ForeignKey(
        EquipmentType, verbose_name=_("equipment type"), on_delete=models.PROTECT, related_name="issuances"
    )
    item = models.ForeignKey(
        EquipmentItem, verbose_name=_("item"), on_delete=models.PROTECT, null=True, blank=True, related_name="issuances"
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("from warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="issuances"
    )
    officer = models.ForeignKey(
        "personnel.Officer", verbose_name=_("officer"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="issuances",
    )  # fmt: skip
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=IssuanceStatus.choices, default=IssuanceStatus.ACTIVE, db_index=True
    )
    closed_on = models.DateField(_("returned or lost on"), null=True, blank=True)
    return_condition = models.CharField(
        _("condition on return"), max_length=10, choices=ReturnCondition.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    handover = models.ForeignKey(
        Handover, verbose_name=_("hand-over record"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="issued", editable=False,
    )  # fmt: skip
    return_handover = models.ForeignKey(
        Handover, verbose_name=_("return record"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="returned", editable=False,
    )  # fmt: skip
    # The issue form's one-time token: the same form sent twice issues once.
    form_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords(excluded_fields=["form_token"])
    scoped_by = ScopedBy(province="commune__district__province_id", district="commune__district_id")
    objects = IssuanceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("issuance")
        verbose_name_plural = _("issuances")
        indexes = [
            models.Index(fields=["commune", "status", "equipment_type"], name="equipment_issuance_holding"),
            models.Index(fields=["officer", "status"], name="equipment_issuance_officer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status="active"),
                name="%(app_label)s_%(class)s_one_holder_per_item",
                violation_error_message=_("This item is already issued."),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="%(app_label)s_%(class)s_quantity_positive",
                violation_error_message=_("Issue at least one unit."),
            ),
            models.CheckConstraint(
                condition=Q(item__isnull=True) | Q(quantity=1),
                name="%(app_label)s_%(class)s_item_is_one_unit",
                violation_error_message=_("A serial-numbered item is one unit."),
            ),
            models.CheckConstraint(
                condition=Q(status="active", closed_on__isnull=True)
                | (~Q(status="active") & Q(closed_on__isnull=False)),
                name="%(app_label)s_%(class)s_closed_date",
                violation_error_message=_("A returned or lost issuance has a date; a held one has none."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("issued_on")),
                name="%(app_label)s_%(class)s_closed_after_issued",
                violation_error_message=_("Equipment cannot come back before it was issued."),
            ),
        ]

    def __str__(self):
        what = self.item or f"{self.quantity} {self.equipment_type.unit} {self.equipment_type}"
        return f"{what} → {self.commune}"

    def get_absolute_url(self):
        return reverse("equipment:commune_equipment", args=[self.commune_id])
