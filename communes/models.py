"""Administrative units keyed by the official GSO codes: province (tỉnh) › district (huyện) › commune (xã)."""

from django.conf import settings
from django.db import models
from django.db.models import F, IntegerField, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rollout.core.fields import CollationKeyField
from rollout.core.scoping import ScopedBy, ScopedQuerySet
from rollout.core.text import collation_key, fold


class ProvinceKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    MUNICIPALITY = "municipality", _("Centrally-governed city")


class DistrictKind(models.TextChoices):
    RURAL_DISTRICT = "rural_district", _("Rural district")
    URBAN_DISTRICT = "urban_district", _("Urban district")
    PROVINCIAL_CITY = "provincial_city", _("Provincial city")
    TOWN = "town", _("District-level town")


class CommuneKind(models.TextChoices):
    WARD = "ward", _("Ward")
    TOWNSHIP = "township", _("Township")
    COMMUNE = "commune", _("Commune")


class Coverage(models.TextChoices):
    """Whether regular police hold the commune post, and since when."""

    UNCOVERED = "uncovered", _("Uncovered")
    BASELINE = "baseline", _("Covered before the pilot")
    PILOT = "pilot", _("Covered by the pilot")


class BorderCountry(models.TextChoices):
    LAOS = "LA", _("Laos")
    CAMBODIA = "KH", _("Cambodia")
    CHINA = "CN", _("China")


def staffing_norm(prefix: str = "") -> Coalesce:
    """The one definition of a commune's staffing norm, as an expression: the commune's own norm, else its
    province's plan default, else ``settings.DEFAULT_STAFFING_NORM``. ``prefix`` is the path from the queryset's
    model to the commune (``"commune__"`` for assignments). The plan is reached by its reverse relation to the
    province, so this module needs no import of the plan's app."""
    return Coalesce(
        F(f"{prefix}staffing_norm"),
        F(f"{prefix}district__province__pilot_plan__default_staffing_norm"),
        Value(settings.DEFAULT_STAFFING_NORM),
        output_field=IntegerField(),
    )


class CommuneQuerySet(ScopedQuerySet):
    def with_staffing_norm(self):
        """Annotate ``norm`` (see ``staffing_norm``) and ``norm_is_default`` (the commune has no norm of its own)."""
        return self.annotate(norm=staffing_norm(), norm_is_default=Q(staffing_norm__isnull=True))

    def search(self, text):
        """Accent-insensitive search on the commune's and its district's names, and on the GSO code."""
        folded = fold(text)
        if not folded:
            return self
        condition = Q(search_key__contains=folded) | Q(district__search_key__contains=folded)
        if folded.isdigit():
            condition |= Q(code=int(folded))
        return self.filter(condition)


class Province(models.Model):
    code = models.PositiveIntegerField(_("GSO code"), primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ProvinceKind.choices)
    search_key = models.CharField(max_length=100, editable=False, db_index=True)
    sort_key = CollationKeyField()

    scoped_by = ScopedBy(province="code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        indexes = [models.Index(fields=["sort_key"], name="communes_province_sort_key")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.name)
        self.sort_key = collation_key(self.name)
        super().save(*args, **kwargs)

    @property
    def place_name(self) -> str:
        """The name as an official document's date line writes where it was drawn up: without the unit prefix
        ("Tỉnh Kon Tum" → "Kon Tum", "Thành phố Hà Nội" → "Hà Nội")."""
        for prefix in ("Tỉnh ", "Thành phố "):
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return self.name


class District(models.Model):
    code = models.PositiveIntegerField(_("GSO code"), primary_key=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="districts"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=DistrictKind.choices)
    search_key = models.CharField(max_length=100, editable=False, db_index=True)
    sort_key = CollationKeyField()

    scoped_by = ScopedBy(province="province_id", district="code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        indexes = [models.Index(fields=["sort_key"], name="communes_district_sort_key")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.name)
        self.sort_key = collation_key(self.name)
        super().save(*args, **kwargs)


class Commune(models.Model):
    code = models.PositiveIntegerField(_("GSO code"), primary_key=True)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="communes"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CommuneKind.choices, db_index=True)
    is_key_area = models.BooleanField(
        _("key area"),
        default=False,
        db_index=True,
        help_text=_("A key commune, complex in security and order (trọng điểm, phức tạp về ANTT)."),
    )
    is_border = models.BooleanField(_("border commune"), default=False, db_index=True)
    border_country = models.CharField(
        _("neighbouring country"), max_length=2, choices=BorderCountry.choices, blank=True
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    staffing_norm = models.PositiveSmallIntegerField(
        _("staffing norm"),
        null=True,
        blank=True,
        help_text=_("Regular officers the post needs; empty means the plan's default."),
    )
    baseline_covered_on = models.DateField(
        _("regular police since (before the pilot)"),
        null=True,
        blank=True,
        help_text=_("Date regular police took over the post before the pilot; empty if they did not."),
    )
    coverage = models.CharField(
        _("coverage"),
        max_length=20,
        choices=Coverage.choices,
        default=Coverage.UNCOVERED,
        db_index=True,
        editable=False,
    )
    is_demo = models.BooleanField(
        _("demo data"),
        default=False,
        help_text=_("The key-area, border and baseline attributes were set by demo data, not by an import."),
    )
    search_key = models.CharField(max_length=100, editable=False, db_index=True)
    sort_key = CollationKeyField()
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scoped_by = ScopedBy(province="district__province_id", district="district_id")
    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["district_id", "code"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        permissions = [("import_commune", _("Can import commune attributes from Excel"))]
        indexes = [
            models.Index(fields=["district", "coverage"], name="communes_district_coverage"),
            models.Index(fields=["sort_key"], name="communes_commune_sort_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_border=True) | Q(border_country=""),
                name="%(app_label)s_%(class)s_country_only_on_border",
                violation_error_message=_("Only a border commune has a neighbouring country."),
            ),
            models.CheckConstraint(
                condition=Q(staffing_norm__isnull=True) | Q(staffing_norm__gte=1),
                name="%(app_label)s_%(class)s_staffing_norm_positive",
                violation_error_message=_("The staffing norm is at least one officer."),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.name)
        self.sort_key = collation_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("communes:commune_detail", args=[self.code])

    @property
    def is_covered(self) -> bool:
        return self.coverage != Coverage.UNCOVERED

    @property
    def police_unit(self) -> str:
        """The commune police unit's name as official documents write it: "Công an xã Ngọc Lây", "Công an thị
        trấn Đắk Glei", "Công an phường Quang Trung" (the unit prefix in lower case after "Công an", the place's
        own name as it is)."""
        for prefix in ("Thị trấn ", "Phường ", "Xã "):
            if self.name[: len(prefix)].lower() == prefix.lower():
                return f"Công an {prefix.lower()}{self.name[len(prefix) :]}"
        return f"Công an {self.name}"
