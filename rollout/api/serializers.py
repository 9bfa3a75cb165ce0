"""What the API shows of each model (read) and takes for each write. Personal identifiers are masked for the
roles the pages mask them for (personnel.identifiers)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from communes.models import Commune, District, Province
from equipment.models import EquipmentItem, EquipmentType, Issuance, ReturnCondition, Warehouse
from personnel.choices import AssignmentEndReason, Post, VettingCriterion
from personnel.identifiers import can_see_identifiers, mask
from personnel.models import Assignment, Language, Officer, Vetting
from rollout.models import CommuneState, Phase, PilotPlan, ProgressSnapshot, Report, Task
from training.models import Course, Enrollment, TrainingSession


def _user(serializer):
    """The requesting user (None while the schema is generated: no rows then)."""
    request = serializer.context.get("request")
    return request.user if request is not None else None


class ScopedRelationsMixin:
    """Every relation of a write to a model with an area (``scoped_by``) takes only the rows ``visible_to`` the
    requesting user, as the forms' choices do: an id outside the area is refused as an object that does not exist.
    ``unscoped_relations`` names those the form offers from the whole country (an officer's home district)."""

    unscoped_relations: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        for name, field in self.fields.items():
            relation = getattr(field, "child_relation", field)  # a list of ids: its items
            queryset = getattr(relation, "queryset", None)
            if queryset is not None and hasattr(queryset.model, "scoped_by") and name not in self.unscoped_relations:
                relation.queryset = queryset.visible_to(user)


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name", "kind"]


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["code", "name", "kind", "province"]


class CommuneStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommuneState
        fields = ["on", "is_covered", "norm", "officers_deployed", "officers_untrained", "is_equipped", "is_staffed",
                  "is_operational", "refreshed_at"]  # fmt: skip


class CommuneSerializer(serializers.ModelSerializer):
    province = serializers.IntegerField(source="district.province_id", read_only=True)
    # one nested serializer for every row (a serializer per row would build its fields again each time); a commune
    # without a stored state (a new one, before its first refresh) gives null
    state = CommuneStateSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Commune
        fields = ["code", "name", "kind", "district", "province", "coverage", "baseline_covered_on", "population",
                  "staffing_norm", "is_key_area", "is_border", "border_country", "state"]  # fmt: skip


class IdentifierField(serializers.Field):
    """A personal identifier as the user may see it: the value, or its mask (a string either way)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        if value in (None, ""):
            return None
        if can_see_identifiers(_user(self.parent)):
            return value.isoformat() if hasattr(value, "isoformat") else str(value)
        return mask(value)


extend_schema_field({"type": "string", "nullable": True})(IdentifierField)


class OfficerSerializer(serializers.ModelSerializer):
    police_number = IdentifierField()
    birth_date = IdentifierField(help_text=_("ISO date, or masked for roles that do not see identifiers."))
    phone = IdentifierField()
    languages = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Officer
        fields = ["id", "police_number", "full_name", "birth_date", "gender", "ethnicity", "languages", "rank",
                  "current_unit", "province", "district", "home_district", "education", "political_theory", "phone",
                  "status", "created_at", "updated_at"]  # fmt: skip


class OfficerWriteSerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    """The particulars of the officer form (personnel.forms.OfficerForm): province and district among the user's."""

    unscoped_relations = ("home_district",)  # where the officer comes from: any district, as on the form

    languages = serializers.PrimaryKeyRelatedField(many=True, queryset=Language.objects.all(), required=False)

    class Meta:
        model = Officer
        fields = [
            "police_number",
            "full_name",
            "birth_date",
            "gender",
            "ethnicity",
            "languages",
            "rank",
            "current_unit",
            "province",
            "district",
            "home_district",
            "education",
            "political_theory",
            "phone",
        ]
        validators = []  # the service's full_clean() says it, with the pages' messages

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]

    def validate_police_number(self, value):
        return value.strip()

    def validate_full_name(self, value):
        return " ".join(value.split())


class VettingDecisionSerializer(serializers.Serializer):
    criterion = serializers.ChoiceField(choices=[c for c in VettingCriterion.choices if c[0] != VettingCriterion.AGE])
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class VettingSerializer(serializers.Serializer):
    decided_on = serializers.DateField()
    decisions = VettingDecisionSerializer(many=True, allow_empty=False)


class VettingReadSerializer(serializers.ModelSerializer):
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = Vetting
        fields = ["id", "officer", "criterion", "passed", "note", "decided_on", "decided_by"]

    def get_decided_by(self, vetting) -> str:
        """Who decided, as the officer's page names them."""
        user = vetting.decided_by
        return user.get_full_name() or user.username


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "officer", "commune", "province", "post", "decision_number", "decision_date", "started_on",
                  "ended_on", "end_reason", "end_note", "override_reason", "created_at"]  # fmt: skip


class AssignmentCreateSerializer(ScopedRelationsMixin, serializers.Serializer):
    officer = serializers.PrimaryKeyRelatedField(queryset=Officer.objects.all())
    commune = serializers.PrimaryKeyRelatedField(queryset=Commune.objects.all())
    post = serializers.ChoiceField(choices=Post.choices)
    decision_number = serializers.CharField(max_length=50)
    decision_date = serializers.DateField()
    started_on = serializers.DateField()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AssignmentEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.ChoiceField(choices=AssignmentEndReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "code", "title_vi", "title_en", "subject_area", "hours", "is_mandatory", "validity_months",
                  "is_active"]  # fmt: skip


class TrainingSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingSession
        fields = ["id", "course", "province", "starts_on", "ends_on", "place", "instructor", "capacity",
                  "results_closed", "created_at"]  # fmt: skip


class EnrollmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enrollment
        fields = ["id", "session", "officer", "course", "starts_on", "ends_on", "attended", "score", "passed",
                  "certificate_number", "valid_until", "provider", "enrolled_at"]  # fmt: skip


class EnrolSerializer(ScopedRelationsMixin, serializers.Serializer):
    officers = serializers.PrimaryKeyRelatedField(many=True, queryset=Officer.objects.all(), allow_empty=False)


class RefusalSerializer(serializers.Serializer):
    officer = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()


class EnrolOutcomeSerializer(serializers.Serializer):
    enrolled = serializers.ListField(child=serializers.IntegerField(), help_text=_("The officers enrolled."))
    refused = RefusalSerializer(many=True)


class ResultSerializer(serializers.Serializer):
    """A result as the client last read it (the enrolment's attended, score and passed)."""

    attended = serializers.BooleanField(allow_null=True)
    score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True, coerce_to_string=False)
    passed = serializers.BooleanField(allow_null=True)


class ResultEntrySerializer(serializers.Serializer):
    """One trainee's result: only the parts sent are changed (a part left out keeps what is recorded)."""

    enrolment = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    attended = serializers.BooleanField(allow_null=True, required=False)
    score = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, required=False, coerce_to_string=False,
        help_text=_("From 0 to 10."),
    )  # fmt: skip
    passed = serializers.BooleanField(allow_null=True, required=False)
    was = ResultSerializer(
        required=False,
        help_text=_("The result the client read: if it has changed since, the save is refused rather than "
                    "overwrite someone else's entry."),
    )  # fmt: skip


class ResultsSerializer(serializers.Serializer):
    results = ResultEntrySerializer(many=True, allow_empty=False, max_length=1000)

    def validate_results(self, rows):
        seen = set()
        for row in rows:
            if row["enrolment"] in seen:
                raise serializers.ValidationError(_("Enrolment %(id)s is sent twice.") % {"id": row["enrolment"]})
            seen.add(row["enrolment"])
        return rows


class ResultsOutcomeSerializer(serializers.Serializer):
    saved = serializers.ListField(child=serializers.IntegerField(), help_text=_("The enrolments whose result changed."))
    unchanged = serializers.IntegerField(help_text=_("Rows sent with the result already recorded."))


class EquipmentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = EquipmentType
        fields = ["id", "code", "name", "category", "unit", "is_serialized"]


class EquipmentItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = EquipmentItem
        fields = ["id", "equipment_type", "serial_number", "warehouse", "status", "received_on", "note"]


class IssuanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Issuance
        fields = ["id", "equipment_type", "item", "quantity", "warehouse", "commune", "officer", "issued_on",
                  "status", "closed_on", "return_condition", "note"]  # fmt: skip


class IssuanceCreateSerializer(ScopedRelationsMixin, serializers.Serializer):
    commune = serializers.PrimaryKeyRelatedField(queryset=Commune.objects.all())
    equipment_type = serializers.PrimaryKeyRelatedField(queryset=EquipmentType.objects.all())
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    issued_on = serializers.DateField()
    item = serializers.PrimaryKeyRelatedField(queryset=EquipmentItem.objects.all(), required=False, allow_null=True)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000, default=1)
    officer = serializers.PrimaryKeyRelatedField(queryset=Officer.objects.all(), required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class IssuanceReturnSerializer(serializers.Serializer):
    returned_on = serializers.DateField()
    condition = serializers.ChoiceField(choices=ReturnCondition.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PilotPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = PilotPlan
        fields = ["id", "province", "name", "started_on", "target_on", "default_staffing_norm", "min_age", "max_age",
                  "min_rank", "requires_vetting", "training_required_chief", "training_required_deputy",
                  "training_required_officer", "training_grace_days"]  # fmt: skip


class PhaseSerializer(serializers.ModelSerializer):
    communes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Phase
        fields = ["id", "plan", "number", "name", "target_on", "note", "communes"]


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "plan", "title", "unit", "deadline", "status", "completed_on", "notes", "created_at"]


class ReportSerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "province", "period_start", "period_end", "status", "progress", "created_at", "finished_at",
                  "files"]  # fmt: skip

    @extend_schema_field({"type": "array", "items": {"type": "string", "enum": ["xlsx", "pdf"]}})
    def get_files(self, report):
        return [kind for kind in ("xlsx", "pdf") if getattr(report, kind)]


class SnapshotSerializer(serializers.ModelSerializer):
    uncovered = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProgressSnapshot
        fields = ["id", "on", "province", "communes", "covered", "uncovered", "staffing_norm", "deployed",
                  "trained_deployed", "equipped", "operational", "recorded_at"]  # fmt: skip


class FiguresSerializer(serializers.Serializer):
    area = serializers.CharField()
    on = serializers.DateField()
    communes = serializers.IntegerField()
    covered = serializers.IntegerField()
    uncovered = serializers.IntegerField()
    staffing_norm = serializers.IntegerField()
    deployed = serializers.IntegerField()
    trained_deployed = serializers.IntegerField()
    equipped = serializers.IntegerField()
    operational = serializers.IntegerField()
    covered_percent = serializers.FloatField(allow_null=True)
    staffed_percent = serializers.FloatField(allow_null=True)
    trained_percent = serializers.FloatField(allow_null=True)
    equipped_percent = serializers.FloatField(allow_null=True)
    operational_percent = serializers.FloatField(allow_null=True)
    readiness_percent = serializers.FloatField(allow_null=True)
    readiness = serializers.CharField()


class AlertCountSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class AlertSerializer(serializers.Serializer):
    kind = serializers.CharField()
    subject = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField()
    district = serializers.CharField()
    due = serializers.DateField(allow_null=True)
