"""Commune attributes in Excel, with Vietnamese column headers; rows are matched by commune code.

Names, kinds and districts come from the GSO data and are read-only here: the district code column must match
the commune's district (a check that the file describes the units it thinks it does). Unknown codes are
errors: communes are loaded from the official data, never created by an import.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources

from rollout.core.bulk import value_in
from rollout.core.imports import CellRulesMixin, PlannedImport
from rollout.core.widgets import (
    CLEAR_MARKER,
    ChoiceLabelWidget,
    DayFirstDateWidget,
    NonNegativeIntegerWidget,
    YesNoWidget,
    is_blank,
    is_clear_marker,
)

from .models import BorderCountry, Commune, CommuneKind, Coverage
from .services import COMMUNE_ATTRIBUTES, communes_bulk_update, communes_bulk_update_rows

COLUMN_CODE = "Mã xã"
COLUMN_DISTRICT_CODE = "Mã huyện"

# What to write in each column, for the template's instruction sheet.
COLUMN_HELP = {
    COLUMN_CODE: gettext_lazy("The commune's GSO code, e.g. 23347. Communes are never created by an import."),
    COLUMN_DISTRICT_CODE: gettext_lazy("When given, it must be the commune's district (a check that the row is "
                                       "the commune you mean)."),
    "Trọng điểm ANTT": gettext_lazy("Có or Không: a key or complex commune for security and order."),
    "Biên giới": gettext_lazy("Có or Không: a border commune."),
    "Nước giáp biên": gettext_lazy("Lào, Campuchia or Trung Quốc; only for a border commune."),
    "Dân số": gettext_lazy("A whole number (1234, 1.234 or 1 234)."),
    "Định biên": gettext_lazy("How many regular officers the post needs: a whole number, at least 1."),
    "Có CA chính quy từ ngày": gettext_lazy("dd/mm/yyyy: the date regular police took over before the pilot. "
                                            "(xóa) makes the commune uncovered again."),
}  # fmt: skip


class CommuneResource(CellRulesMixin, PlannedImport, resources.ModelResource):
    code = fields.Field(attribute="code", column_name=COLUMN_CODE, widget=NonNegativeIntegerWidget(minimum=1))
    name = fields.Field(attribute="name", column_name="Tên đơn vị", readonly=True)
    kind = fields.Field(attribute="kind", column_name="Loại", readonly=True, widget=ChoiceLabelWidget(CommuneKind))
    district_code = fields.Field(
        attribute="district_id",
        column_name=COLUMN_DISTRICT_CODE,
        readonly=True,
        widget=NonNegativeIntegerWidget(minimum=1),
    )
    district_name = fields.Field(attribute="district__name", column_name="Huyện", readonly=True)
    is_key_area = fields.Field(attribute="is_key_area", column_name="Trọng điểm ANTT", widget=YesNoWidget())
    is_border = fields.Field(attribute="is_border", column_name="Biên giới", widget=YesNoWidget())
    border_country = fields.Field(
        attribute="border_country", column_name="Nước giáp biên", widget=ChoiceLabelWidget(BorderCountry)
    )
    population = fields.Field(attribute="population", column_name="Dân số", widget=NonNegativeIntegerWidget())
    staffing_norm = fields.Field(
        attribute="staffing_norm", column_name="Định biên", widget=NonNegativeIntegerWidget(minimum=1, maximum=32_767)
    )
    baseline_covered_on = fields.Field(
        attribute="baseline_covered_on", column_name="Có CA chính quy từ ngày", widget=DayFirstDateWidget()
    )
    coverage = fields.Field(
        attribute="coverage",
        column_name="Tình trạng bố trí",
        readonly=True,
        widget=ChoiceLabelWidget(Coverage),
    )

    class Meta:
        model = Commune
        fields = (
            "code",
            "name",
            "kind",
            "district_code",
            "district_name",
            "is_key_area",
            "is_border",
            "border_country",
            "population",
            "staffing_norm",
            "baseline_covered_on",
            "coverage",
        )
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        store_instance = True
        # Rows are checked one by one but written in batches (bulk_update): an import of every commune in the
        # country runs close to the speed of a plain bulk write.
        use_bulk = True
        skip_html_diff = True  # the preview lists the changed columns itself (rollout.core.imports)
        batch_size = 1000

    def __init__(self, *, queryset=None, **kwargs):
        super().__init__(**kwargs)
        self._queryset = queryset
        self._instances: dict[int, Commune] | None = None
        self._rows_by_code: dict[int, int] = {}
        self._sheet_row_numbers: list[int] | None = None

    def get_bulk_update_fields(self):
        return list(COMMUNE_ATTRIBUTES)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and (using_transactions or not dry_run):
            try:
                communes_bulk_update(
                    self.update_instances, fields=self.get_bulk_update_fields(), batch_size=batch_size or 1000
                )
            except Exception as exc:  # reported as the file's error, like import-export's own bulk_update
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.update_instances.clear()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's field checks, without a query per row: the district is read-only (never changed here), and
        the two check constraints are verified in ``import_instance`` (and by the database on write)."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude={*errors.keys(), "district"}, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if instance.staffing_norm is not None and instance.staffing_norm < 1 and "staffing_norm" not in errors:
            errors["staffing_norm"] = [_("The staffing norm is at least one officer.")]
        if errors:
            raise ValidationError(errors)

    def get_queryset(self):
        base = self._queryset if self._queryset is not None else Commune.objects.all()
        return base.select_related("district")

    def _clean_code(self, value):
        try:
            return self.fields["code"].widget.clean(value)
        except ValueError:
            return None

    def before_import(self, dataset, **kwargs):
        """Load every commune the file names in one query (not one per row), and start the duplicate check."""
        self._rows_by_code = {}
        self._sheet_row_numbers = getattr(dataset, "sheet_row_numbers", None)
        codes = set()
        if COLUMN_CODE in (dataset.headers or ()):
            codes = {code for code in map(self._clean_code, dataset[COLUMN_CODE]) if code is not None}
        self._instances = {commune.code: commune for commune in self.get_queryset().filter(code__in=codes)}

    def get_or_init_instance(self, instance_loader, row):
        code = row.get(COLUMN_CODE)
        try:
            code = self.fields["code"].widget.clean(code)
        except ValueError as exc:
            raise ValidationError({"code": str(exc)}) from exc
        if code is None:
            raise ValidationError({"code": _("The commune code is missing.")})
        if self._instances is not None:
            instance = self._instances.get(code)
        else:
            instance = self.get_queryset().filter(code=code).first()
        if instance is None:
            raise ValidationError(
                {"code": _("No commune with code %(code)s (or it is outside your area).") % {"code": code}}
            )
        return instance, False

    def before_import_row(self, row, **kwargs):
        """A commune listed twice is an error: which of the two rows should win?"""
        code = self._clean_code(row.get(COLUMN_CODE))
        if code is None:
            return
        number = kwargs.get("row_number")
        first = self._rows_by_code.setdefault(code, number)
        if first != number:
            numbers = self._sheet_row_numbers
            first_row = numbers[first - 1] if numbers and first <= len(numbers) else first + 1
            raise ValidationError(
                {
                    "code": _("Commune %(code)s is already listed in row %(row)s of this file.")
                    % {"code": code, "row": first_row}
                }
            )

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        district_cell = row.get(COLUMN_DISTRICT_CODE)
        if not is_blank(district_cell) and not is_clear_marker(district_cell):  # a read-only check column
            try:
                district_code = self.fields["district_code"].widget.clean(district_cell)
            except ValueError as exc:
                errors.setdefault("district_id", []).append(str(exc))
            else:
                if district_code != instance.district_id:
                    errors.setdefault("district_id", []).append(
                        _("Commune %(code)s belongs to district %(actual)s (%(name)s), not %(given)s.")
                        % {
                            "code": instance.code,
                            "actual": instance.district_id,
                            "name": instance.district.name,
                            "given": district_code,
                        }
                    )
        if not instance.is_border and instance.border_country and not {"is_border", "border_country"} & errors.keys():
            errors.setdefault("border_country", []).append(
                _(
                    "Only a border commune has a neighbouring country: set “Biên giới” to Có or clear the country "
                    "with %(marker)s."
                )
                % {"marker": CLEAR_MARKER}
            )
        if errors:
            raise ValidationError(errors)

    def describe_row(self, row, instance) -> str:
        """The row's record in the preview: the commune's code and name ("23347 · Xã Đắk Man")."""
        code = self._clean_code(row.get(COLUMN_CODE))
        commune = instance if instance is not None else (self._instances or {}).get(code)
        if commune is not None:
            return f"{commune.code} · {commune.name}"
        value = row.get(COLUMN_CODE)
        return "" if value is None else str(code if code is not None else value)

    def before_save_instance(self, instance, row, **kwargs):
        instance.is_demo = False

    # The confirmation (``PlannedImport``): the changed rows' attributes, written in bulk by the service. A row's
    # outcome depends on its commune's district and attributes, and on the user's area (the queryset).
    _STATE_FIELDS = ("code", "district_id", *COMMUNE_ATTRIBUTES)

    def plan_keys(self, dataset) -> list:
        if COLUMN_CODE not in (dataset.headers or ()):
            return []
        return sorted({code for code in map(self._clean_code, dataset[COLUMN_CODE]) if code is not None})

    def plan_state(self, keys, *, lock: bool) -> dict:
        communes = (self._queryset if self._queryset is not None else Commune.objects.all()).filter(
            value_in("code", keys)
        )
        if lock:
            communes = communes.select_for_update(of=("self",))
        return {"communes": [list(row) for row in communes.order_by("code").values_list(*self._STATE_FIELDS)]}

    def plan_values(self, row_result) -> list:
        instance = row_result.instance
        return [instance.code, *(getattr(instance, name) for name in COMMUNE_ATTRIBUTES)]

    def plan_write(self, *, new, changed, user) -> None:
        fields = [Commune._meta.get_field(name) for name in COMMUNE_ATTRIBUTES]
        rows = [
            (code, *(field.to_python(value) for field, value in zip(fields, values, strict=True)))
            for code, *values in changed
        ]
        communes_bulk_update_rows(rows, fields=COMMUNE_ATTRIBUTES, batch_size=5000)
