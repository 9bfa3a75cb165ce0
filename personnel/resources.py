"""The officer roster in Excel, with Vietnamese column headers; rows are matched by police number.

A new police number registers a *candidate*; a known one updates the officer's particulars. The status is
read-only here: it moves through vetting and assignments. Every row is checked by the model's validation and
the user's area (a district clerk imports only officers of their district); a police number listed twice in a
file, an unknown language and a column a new officer needs but the file lacks are errors of their row and
column. Rows are written through the services, as on the officer pages (``officer_create``, ``officer_update``).
An exported file imports back unchanged: the apostrophe the export puts before text such as "+84…" (so that a
spreadsheet does not run it as a formula) is removed again.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from communes.models import District, Province
from rollout.core import scoping
from rollout.core.bulk import value_in
from rollout.core.imports import CellRulesMixin, PlannedImport
from rollout.core.spreadsheets import escape_formula
from rollout.core.text import VariantLookup
from rollout.core.widgets import (
    ChoiceLabelWidget,
    DayFirstDateWidget,
    NonNegativeIntegerWidget,
    is_blank,
    is_clear_marker,
)

from . import services
from .choices import Education, Ethnicity, Gender, OfficerStatus, PoliticalTheory, Rank
from .identifiers import mask
from .models import Language, Officer

COLUMN_POLICE_NUMBER = "Số hiệu"
COLUMN_FULL_NAME = "Họ và tên"
# What to write in each column, for the template's instruction sheet.
COLUMN_HELP = {
    COLUMN_POLICE_NUMBER: gettext_lazy("The officer's police number: a known one updates the officer, a new one "
                                       "registers a candidate."),
    COLUMN_FULL_NAME: gettext_lazy("Family, middle and given name, e.g. Y Liêm."),
    "Ngày sinh": gettext_lazy("dd/mm/yyyy."),
    "Giới tính": gettext_lazy("Nam or Nữ."),
    "Dân tộc": gettext_lazy("The ethnic group, e.g. Kinh, Xơ Đăng, Ba Na, Gia Rai (with or without accents)."),
    "Ngôn ngữ": gettext_lazy("Languages separated by commas, with or without “Tiếng”: Tiếng Việt, Xơ Đăng, Ba Na."),
    "Cấp bậc": gettext_lazy("The rank: Hạ sĩ, Trung sĩ, Thượng sĩ, Thiếu úy, Trung úy, Thượng úy, Đại úy, Thiếu tá, "
                            "Trung tá, Thượng tá, Đại tá (úy or uý)."),
    "Đơn vị công tác": gettext_lazy("The unit the officer works in now."),
    "Mã tỉnh": gettext_lazy("The province's GSO code, e.g. 62 for Kon Tum."),
    "Mã huyện quản lý": gettext_lazy("The GSO code of the district that manages the officer."),
    "Mã huyện quê quán": gettext_lazy("The GSO code of the officer's home district."),
    "Trình độ học vấn": gettext_lazy("Education, e.g. Đại học, Cao đẳng, Trung cấp."),
    "Lý luận chính trị": gettext_lazy("Political theory: Sơ cấp, Trung cấp, Cao cấp or none."),
    "Điện thoại": gettext_lazy("The phone number; a leading 0 that Excel dropped is put back."),
}  # fmt: skip
# Other names in use for the ethnic groups (the official list's spellings and the groups' own names).
ETHNICITY_ALIASES = {
    "Việt": Ethnicity.KINH,
    "Xê Đăng": Ethnicity.XO_DANG,
    "Sê Đăng": Ethnicity.XO_DANG,
    "Bahnar": Ethnicity.BA_NA,
    "Jrai": Ethnicity.GIA_RAI,
    "Jarai": Ethnicity.GIA_RAI,
    "Gié Triêng": Ethnicity.GIE_TRIENG,
    "Rơ Mâm": Ethnicity.RO_MAM,
}


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as its GSO code; an unknown code is a row error, not a crash."""

    def __init__(self, model, label):
        super().__init__(model, field="pk")
        self.label = label

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        code = NonNegativeIntegerWidget(minimum=1).clean(value)
        instance = self.model.objects.filter(pk=code).first()
        if instance is None:
            raise ValueError(_("No %(what)s has code %(code)s.") % {"what": self.label, "code": value})
        return instance

    def render(self, value, obj=None, **kwargs):
        return value.pk if value is not None else None


class LanguagesWidget(widgets.ManyToManyWidget):
    """Language names separated by commas ("Xơ Đăng, Ba Na"), matched without accents, case or punctuation and
    with or without "Tiếng" ("Tiếng Xơ Đăng", "Xơ-đăng", "xơ đăng" and "Xơ Đăng" are one language; "Lào" is
    "Tiếng Lào")."""

    def __init__(self):
        super().__init__(Language, field="name", separator=",")
        self._languages: list[Language] | None = None
        self._lookup: VariantLookup | None = None

    def forget(self) -> None:
        """Read the languages again on the next ``clean`` (called at the start of each import)."""
        self._languages = None
        self._lookup = None

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return []
        if self._languages is None or self._lookup is None:
            self._languages = list(Language.objects.all())
            names = [(language.name, language) for language in self._languages]
            names += [(language.code, language) for language in self._languages]
            self._lookup = VariantLookup(names, prefixes=("tieng",))
        lookup = self._lookup
        wanted, unknown = {}, []
        for name in str(value).split(self.separator):
            if not name.strip():
                continue
            language = lookup.get(name)
            if language is None:
                unknown.append(name.strip())
            else:
                wanted[language.pk] = language
        if unknown:
            raise ValueError(
                _("Unknown language(s): %(names)s. Known: %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(language.name for language in self._languages)}
            )
        return list(wanted.values())

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ", ".join(language.name for language in value.all())


class LanguageSet(tuple):
    """The languages of an officer at one moment (a manager reads the database now, which is too late to
    tell what a row changed); ``all()`` as a manager has, for the import's comparisons and rendering."""

    def all(self):
        return self


class LanguagesField(fields.Field):
    """The languages column. During an import the officer carries a snapshot of its languages before and
    after the row, so that the preview can say what changed."""

    SNAPSHOT = "_imported_languages"

    def get_value(self, instance):
        snapshot = getattr(instance, self.SNAPSHOT, None)
        return snapshot if snapshot is not None else super().get_value(instance)


class RankWidget(ChoiceLabelWidget):
    """A rank label; a blank cell is no rank (not the empty text, which an integer column cannot hold)."""

    def clean(self, value, row=None, **kwargs):
        code = super().clean(value, row=row, **kwargs)
        return None if code == "" else code


class PhoneWidget(widgets.Widget):
    """A phone number as text. Excel turns 0912345678 typed in a cell into the number 912345678: such a
    number gets its leading zero back."""

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | float) and float(value).is_integer():
            digits = str(int(value))
            return "0" + digits if len(digits) in (9, 10) and not digits.startswith("0") else digits
        return str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return value or ""


class MaskedField(fields.Field):
    """An identifier column that exports masked for roles that may not see it."""

    def __init__(self, *args, reveal: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.reveal = reveal

    def export(self, instance, **kwargs):
        value = super().export(instance, **kwargs)
        return value if self.reveal else mask(value)


class OfficerResource(CellRulesMixin, PlannedImport, resources.ModelResource):
    police_number = fields.Field(attribute="police_number", column_name=COLUMN_POLICE_NUMBER)
    full_name = fields.Field(attribute="full_name", column_name=COLUMN_FULL_NAME)
    birth_date = MaskedField(attribute="birth_date", column_name="Ngày sinh", widget=DayFirstDateWidget())
    gender = fields.Field(attribute="gender", column_name="Giới tính", widget=ChoiceLabelWidget(Gender))
    ethnicity = fields.Field(
        attribute="ethnicity",
        column_name="Dân tộc",
        widget=ChoiceLabelWidget(Ethnicity, aliases=ETHNICITY_ALIASES, prefixes=("dan toc",)),
    )
    languages = LanguagesField(attribute="languages", column_name="Ngôn ngữ", widget=LanguagesWidget())
    rank = fields.Field(attribute="rank", column_name="Cấp bậc", widget=RankWidget(Rank))
    current_unit = fields.Field(attribute="current_unit", column_name="Đơn vị công tác")
    province = fields.Field(
        attribute="province", column_name="Mã tỉnh", widget=CodeForeignKeyWidget(Province, "province")
    )
    district = fields.Field(
        attribute="district", column_name="Mã huyện quản lý", widget=CodeForeignKeyWidget(District, "district")
    )
    home_district = fields.Field(
        attribute="home_district", column_name="Mã huyện quê quán", widget=CodeForeignKeyWidget(District, "district")
    )
    education = fields.Field(attribute="education", column_name="Trình độ học vấn", widget=ChoiceLabelWidget(Education))
    political_theory = fields.Field(
        attribute="political_theory", column_name="Lý luận chính trị", widget=ChoiceLabelWidget(PoliticalTheory)
    )
    phone = MaskedField(attribute="phone", column_name="Điện thoại", widget=PhoneWidget())
    status = fields.Field(
        attribute="status", column_name="Trạng thái", readonly=True, widget=ChoiceLabelWidget(OfficerStatus)
    )

    class Meta:
        model = Officer
        fields = (
            "police_number", "full_name", "birth_date", "gender", "ethnicity", "languages", "rank", "current_unit",
            "province", "district", "home_district", "education", "political_theory", "phone", "status",
        )  # fmt: skip
        import_id_fields = ("police_number",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        store_instance = True

    def __init__(self, *, user=None, reveal_identifiers: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._rows_by_number: dict[str, int] = {}
        self._sheet_row_numbers = None
        for name in ("birth_date", "phone", "police_number"):
            if isinstance(self.fields[name], MaskedField):
                self.fields[name].reveal = reveal_identifiers
        if not reveal_identifiers:
            self.fields["police_number"] = MaskedField(
                attribute="police_number", column_name=COLUMN_POLICE_NUMBER, reveal=False
            )

    def get_queryset(self):
        return Officer.objects.select_related("province", "district", "home_district").prefetch_related("languages")

    def get_instance(self, instance_loader, row):
        number = str(row.get(COLUMN_POLICE_NUMBER) or "").strip()
        if not number:
            raise ValidationError({"police_number": _("The police number is missing.")})
        return Officer.objects.filter(police_number=number).first()

    def before_import(self, dataset, **kwargs):
        """Start the check for police numbers listed twice, and read the languages afresh, once per file."""
        self._rows_by_number = {}
        self._sheet_row_numbers = getattr(dataset, "sheet_row_numbers", None)
        self.fields["languages"].widget.forget()

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            row[column] = unescape_formula(value)
        number = str(row.get(COLUMN_POLICE_NUMBER) or "").strip()
        if not number:
            return
        index = kwargs.get("row_number")
        first = self._rows_by_number.setdefault(number, index)
        if first != index:
            numbers = self._sheet_row_numbers
            first_row = numbers[first - 1] if numbers and first <= len(numbers) else first + 1
            raise ValidationError(
                {
                    "police_number": _("Police number %(number)s is already listed in row %(row)s of this file.")
                    % {"number": number, "row": first_row}
                }
            )

    def after_init_instance(self, instance, new, row, **kwargs):
        """Remember the officer's languages before the row (the import compares and previews them)."""
        languages = instance.languages.all() if instance.pk else ()
        setattr(instance, LanguagesField.SNAPSHOT, language_set(languages))

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        if (
            instance.pk
            and self.user is not None
            and not Officer.objects.visible_to(self.user).filter(pk=instance.pk).exists()
        ):
            raise ValidationError({"police_number": _("This officer is outside your area.")})
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        languages = self.fields["languages"]
        cell = row.get(languages.column_name)
        # A blank cell keeps a known officer's languages (the snapshot taken in ``after_init_instance``); ``(xóa)``
        # clears them. Checked here, not only when saved, so that a bad cell is reported with its column.
        if languages.column_name in row and not (is_blank(cell) and self.is_known(instance)):
            try:
                cleaned = [] if is_clear_marker(cell) else languages.clean(row)
                setattr(instance, LanguagesField.SNAPSHOT, language_set(cleaned))
            except ValueError as exc:
                errors.setdefault("languages", []).append(str(exc))
        if not instance.pk:
            for field in self._missing_required_fields(row):
                errors.setdefault(field.attribute, []).append(
                    _("Missing column(s): %(columns)s. Download the template to see the expected columns.")
                    % {"columns": f"“{field.column_name}”"}
                )
        if isinstance(instance.police_number, str):
            instance.police_number = instance.police_number.strip()
        if self.user is not None and "province" not in errors and "district" not in errors:
            refused = {"province": _("You may import only officers of your province."),
                       "district": _("You may import only officers of your district.")}  # fmt: skip
            try:
                scoping.check_writable(self.user, instance)
            except scoping.OutsideScope as outside:
                if outside.level in refused:
                    errors.setdefault(outside.level, []).append(refused[outside.level])
        if errors:
            raise ValidationError(errors)

    def describe_row(self, row, instance) -> str:
        """The row's record in the preview: the police number and the name ("CA-0012 · Y Liêm"), the officer's
        when the row was read, else the file's (a row in error has no officer; no query per row)."""
        number = str(row.get(COLUMN_POLICE_NUMBER) or "").strip()
        name = instance.full_name if instance is not None and instance.full_name else None
        name = name or str(row.get(COLUMN_FULL_NAME) or "").strip()
        return " · ".join(part for part in (number, name) if part)

    def _missing_required_fields(self, row) -> list[fields.Field]:
        """The columns a new officer needs that the file does not have at all."""
        missing = []
        for field in self.get_import_fields():
            if field.readonly or field.column_name in row:
                continue
            model_field = Officer._meta.get_field(field.attribute)
            if not (model_field.many_to_many or model_field.blank or model_field.has_default()):
                missing.append(field)
        return missing

    def do_instance_save(self, instance, is_create):
        """A new police number registers a candidate, a known one changes the officer's particulars, through the
        services, with the languages of the row (those the officer had when the file has no such column)."""
        fields = {name: getattr(instance, name) for name in services.OFFICER_FIELDS}
        languages = getattr(instance, LanguagesField.SNAPSHOT)
        if is_create:
            saved = services.officer_create(user=self.user, languages=languages, **fields)
        else:
            officer = Officer.objects.get(pk=instance.pk)
            saved = services.officer_update(officer=officer, user=self.user, languages=languages, **fields)
        instance.pk, instance.status = saved.pk, saved.status  # the preview reports the saved officer

    def save_m2m(self, instance, row, **kwargs):
        """The languages are saved with the officer (``do_instance_save``)."""

    # The confirmation (``PlannedImport``): the new and changed rows' particulars and languages, written in bulk by
    # ``services.officers_import_write``. A row's outcome depends on its officer (particulars, status, languages,
    # whether the user sees it), on the languages, districts and provinces the cells name, and on the user's area.

    def plan_keys(self, dataset) -> list:
        if COLUMN_POLICE_NUMBER not in (dataset.headers or ()):
            return []
        numbers = (str(unescape_formula(value) or "").strip() for value in dataset[COLUMN_POLICE_NUMBER])
        return sorted({number for number in numbers if number})

    def plan_state(self, keys, *, lock: bool) -> dict:
        officers = Officer.objects.filter(value_in("police_number", keys)).order_by("police_number")
        if lock:
            officers = officers.select_for_update()
        officers = list(officers)
        self._locked = {officer.police_number: officer for officer in officers} if lock else {}
        languages: dict[int, list[int]] = {}
        through = Officer.languages.through.objects.filter(value_in("officer_id", [officer.pk for officer in officers]))
        for officer_id, language_id in through.order_by("officer_id", "language_id").values_list(
            "officer_id", "language_id"
        ):
            languages.setdefault(officer_id, []).append(language_id)
        visible = Officer.objects.filter(value_in("id", [officer.pk for officer in officers]))
        if self.user is not None:
            visible = visible.visible_to(self.user)
        scope = scoping.Scope.of(self.user)
        return {
            "officers": [
                [
                    officer.pk,
                    *(getattr(officer, name) for name in _PLAN_ATTRIBUTES),
                    officer.status,
                    languages.get(officer.pk, []),
                ]
                for officer in officers
            ],
            "visible": sorted(visible.values_list("pk", flat=True)),
            "scope": [scope.everything, scope.province_code, scope.district_code],
            "languages": [
                list(row)
                for row in Language.objects.order_by("pk").values_list("pk", "code", "name", "is_ethnic_minority")
            ],
            "districts": [list(row) for row in District.objects.order_by("pk").values_list("pk", "province_id")],
            "provinces": sorted(Province.objects.values_list("pk", flat=True)),
        }

    def plan_values(self, row_result) -> list:
        instance = row_result.instance
        languages = getattr(instance, LanguagesField.SNAPSHOT, ()) or ()
        return [*(getattr(instance, name) for name in _PLAN_ATTRIBUTES), [language.pk for language in languages]]

    def plan_write(self, *, new, changed, user) -> None:
        fields = [Officer._meta.get_field(name) for name in services.OFFICER_FIELDS]

        def particulars(values) -> dict:
            return {field.attname: field.to_python(value) for field, value in zip(fields, values, strict=True)}

        created = [(particulars(values), languages) for *values, languages in new]
        locked = getattr(self, "_locked", None) or {}
        numbers = [values[0] for *values, _languages in changed]
        if any(number not in locked for number in numbers):
            locked = {
                o.police_number: o
                for o in Officer.objects.select_for_update().filter(value_in("police_number", numbers))
            }
        updated = []
        for *values, languages in changed:
            officer = locked[values[0]]
            scoping.check_writable(user, officer)  # its area before the change, as ``officer_update`` checks
            for name, value in particulars(values).items():
                setattr(officer, name, value)
            updated.append((officer, languages))
        services.officers_import_write(new=created, changed=updated, user=user)


# What a plan keeps of an officer: its particulars, by column (foreign keys as their codes), police number first.
_PLAN_ATTRIBUTES = tuple(Officer._meta.get_field(name).attname for name in services.OFFICER_FIELDS)


def language_set(languages) -> LanguageSet:
    """``languages`` in the order the app shows them (ethnic-minority languages first, then by name)."""
    return LanguageSet(sorted(languages, key=lambda language: (not language.is_ethnic_minority, language.name)))


def unescape_formula(value):
    """Undo ``escape_formula`` (the apostrophe an export puts before text such as "+84…" or "=…"), so that
    an exported file imports back unchanged."""
    if isinstance(value, str) and value.startswith("'") and escape_formula(value[1:]) != value[1:]:
        return value[1:]
    return value
