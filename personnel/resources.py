"""The officer roster in Excel, with Vietnamese column headers; rows are matched by police number.

A new police number registers a *candidate*; a known one updates the officer's particulars. The status is
read-only here: it moves through vetting and assignments. Every row is checked by the model's validation and
the user's area (a district clerk imports only officers of their district).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from accounts.roles import Scope
from communes.models import District, Province
from rollout.text import fold
from rollout.widgets import ChoiceLabelWidget, DayFirstDateWidget, NonNegativeIntegerWidget

from .choices import Education, Ethnicity, Gender, OfficerStatus, PoliticalTheory, Rank
from .identifiers import mask
from .models import Language, Officer

COLUMN_POLICE_NUMBER = "Số hiệu"


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
    """Language names separated by commas ("Xơ Đăng, Ba Na"), matched without accents."""

    def __init__(self):
        super().__init__(Language, field="name", separator=",")

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return Language.objects.none()
        by_name = {fold(language.name): language.pk for language in Language.objects.all()}
        by_name.update({fold(language.code): language.pk for language in Language.objects.all()})
        wanted, unknown = [], []
        for name in str(value).split(self.separator):
            if not name.strip():
                continue
            pk = by_name.get(fold(name))
            (wanted if pk else unknown).append(pk or name.strip())
        if unknown:
            raise ValueError(
                _("Unknown language(s): %(names)s. Known: %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(Language.objects.values_list("name", flat=True))}
            )
        return Language.objects.filter(pk__in=wanted)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ", ".join(language.name for language in value.all())


class MaskedField(fields.Field):
    """An identifier column that exports masked for roles that may not see it."""

    def __init__(self, *args, reveal: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.reveal = reveal

    def export(self, instance, **kwargs):
        value = super().export(instance, **kwargs)
        return value if self.reveal else mask(value)


class OfficerResource(resources.ModelResource):
    police_number = fields.Field(attribute="police_number", column_name=COLUMN_POLICE_NUMBER)
    full_name = fields.Field(attribute="full_name", column_name="Họ và tên")
    birth_date = MaskedField(attribute="birth_date", column_name="Ngày sinh", widget=DayFirstDateWidget())
    gender = fields.Field(attribute="gender", column_name="Giới tính", widget=ChoiceLabelWidget(Gender))
    ethnicity = fields.Field(attribute="ethnicity", column_name="Dân tộc", widget=ChoiceLabelWidget(Ethnicity))
    languages = fields.Field(attribute="languages", column_name="Ngôn ngữ", widget=LanguagesWidget())
    rank = fields.Field(attribute="rank", column_name="Cấp bậc", widget=ChoiceLabelWidget(Rank))
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
    phone = MaskedField(attribute="phone", column_name="Điện thoại")
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
        if isinstance(instance.police_number, str):
            instance.police_number = instance.police_number.strip()
        if self.user is not None and "province" not in errors and "district" not in errors:
            scope = Scope.of(self.user)
            if not scope.everything:
                if scope.province_code is not None and instance.province_id != scope.province_code:
                    errors.setdefault("province", []).append(_("You may import only officers of your province."))
                if scope.district_code is not None and instance.district_id != scope.district_code:
                    errors.setdefault("district", []).append(_("You may import only officers of your district."))
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        if not instance.pk:
            instance.status = OfficerStatus.CANDIDATE
