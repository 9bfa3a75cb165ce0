"""The API's endpoints. Every queryset is ``visible_to`` the user (rollout.core.scoping), every permission the one
the pages require (accounts.roles), every write a service call (its ValidationError/PermissionDenied are 400/403
with its messages: rollout.api.errors); reads carry an ETag and answer 304 to a matching If-None-Match; lists
that name officers are recorded as exports of personal data (accounts.audit)."""

import datetime
import hashlib
import uuid

from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import export_record
from communes.models import Commune, District, Province
from equipment import services as equipment_services
from equipment.models import EquipmentItem, EquipmentType, Issuance
from personnel import services as personnel_services
from personnel.identifiers import can_see_identifiers
from personnel.models import Assignment, Officer, Vetting
from personnel.services import VettingDecision
from rollout.alerts.rules import RULES, RULES_BY_KIND, alert_counts
from rollout.api.filters import ApiFilterSet, IdFilter
from rollout.core.scoping import check_visible, sees_everything
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from rollout.models import Phase, PilotPlan, ProgressSnapshot, Report, Task
from rollout.progress.figures import figures
from rollout.reports.content import PDF_CONTENT_TYPE, report_filename
from training import services as training_services
from training.models import Course, Enrollment, TrainingSession
from training.services import Result, ResultRow

from . import serializers as s
from .pagination import Pagination

CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "pdf": PDF_CONTENT_TYPE}


class ETagMixin:
    """An ETag (of the body) on every successful read; 304 when the client's If-None-Match matches it."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200 and hasattr(response, "render"):
            response.render()
            etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:40])
            response["ETag"] = etag
            return get_conditional_response(request._request, etag=etag, response=response)
        return response


class ScopedViewSet(ETagMixin, viewsets.GenericViewSet):
    """A model's rows ``visible_to`` the user (``scoped``), in a stable order (``ordering`` then the key)."""

    scoped = True
    ordering: tuple[str, ...] = ()
    read_permissions: tuple[str, ...] = ()
    write_permissions: dict[str, tuple[str, ...]] = {}
    personal_data: str | None = None  # a list naming officers: recorded as an export (what the pages say)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.scoped:
            queryset = queryset.visible_to(self.request.user)
        return queryset.order_by(*self.ordering, *(() if {"pk", "-pk"} & set(self.ordering) else ("pk",)))

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        data = self.get_serializer(page, many=True).data
        if self.personal_data and page:
            export_record(
                request, what=self.personal_data, file_name=request.path[:200], rows=len(page),
                identifiers_shown=can_see_identifiers(request.user),
            )  # fmt: skip
        return self.get_paginated_response(data)


class ReadViewSet(ScopedViewSet, mixins.RetrieveModelMixin):
    pass


def _read(*permissions):
    return tuple(permissions)


class ProvinceViewSet(ReadViewSet):
    queryset = Province.objects.all()
    serializer_class = s.ProvinceSerializer
    read_permissions = _read("communes.view_province")
    ordering = ("code",)


class DistrictViewSet(ReadViewSet):
    queryset = District.objects.all()
    serializer_class = s.DistrictSerializer
    read_permissions = _read("communes.view_district")
    ordering = ("code",)
    filterset_fields = ["province"]


class CommuneFilter(ApiFilterSet):
    province = IdFilter(field_name="district__province_id")

    class Meta:
        model = Commune
        fields = ["district", "province", "coverage", "is_key_area", "is_border"]


class CommuneViewSet(ReadViewSet):
    queryset = Commune.objects.select_related("district", "state")
    serializer_class = s.CommuneSerializer
    read_permissions = _read("communes.view_commune")
    ordering = ("code",)
    filterset_class = CommuneFilter


class OfficerFilter(ApiFilterSet):
    class Meta:
        model = Officer
        fields = ["status", "rank", "province", "district", "gender"]


class OfficerViewSet(ReadViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    queryset = Officer.objects.prefetch_related("languages")
    serializer_class = s.OfficerSerializer
    read_permissions = _read("personnel.view_officer")
    write_permissions = {
        "create": ("personnel.add_officer",),
        "update": ("personnel.change_officer",),
        "partial_update": ("personnel.change_officer",),
        "vetting": ("personnel.add_vetting", "personnel.change_vetting"),
    }
    ordering = ("sort_key",)
    filterset_class = OfficerFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    @property
    def personal_data(self):
        return _("Officer list") + " (API)"

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return s.OfficerWriteSerializer
        return s.OfficerSerializer

    def _answer(self, officer, code):
        officer = Officer.objects.prefetch_related("languages").get(pk=officer.pk)
        return Response(s.OfficerSerializer(officer, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=s.OfficerWriteSerializer, responses={201: s.OfficerSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        languages = fields.pop("languages", [])
        officer = personnel_services.officer_create(user=request.user, languages=languages, **fields)
        return self._answer(officer, status.HTTP_201_CREATED)

    @extend_schema(request=s.OfficerWriteSerializer, responses={200: s.OfficerSerializer})
    def update(self, request, *args, **kwargs):
        officer = self.get_object()
        serializer = self.get_serializer(officer, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        languages = fields.pop("languages", None)
        officer = Officer.objects.get(pk=officer.pk)
        officer = personnel_services.officer_update(officer=officer, user=request.user, languages=languages, **fields)
        return self._answer(officer, status.HTTP_200_OK)

    @extend_schema(request=s.OfficerWriteSerializer, responses={200: s.OfficerSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=s.VettingSerializer, responses={200: s.OfficerSerializer})
    @action(detail=True, methods=["post"])
    def vetting(self, request, pk=None):
        """Record vetting decisions (the vetting page's criteria; age follows from the birth date)."""
        officer = self.get_object()
        serializer = s.VettingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided_on = serializer.validated_data["decided_on"]
        errors = {}
        if decided_on > timezone.localdate():  # the vetting form's rules (personnel.forms.VettingForm)
            errors["decided_on"] = [_("A decision cannot be dated in the future.")]
        decisions = []
        for decision in serializer.validated_data["decisions"]:
            note = decision["note"].strip()
            if not decision["passed"] and not note:
                errors.setdefault("decisions", []).append(_("Say why the criterion failed."))
            decisions.append(VettingDecision(criterion=decision["criterion"], passed=decision["passed"], note=note))
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        officer = personnel_services.vetting_record(
            officer=officer, decisions=decisions, decided_by=request.user, decided_on=decided_on
        )
        return self._answer(officer, status.HTTP_200_OK)


class VettingViewSet(ReadViewSet):
    """The vetting decisions of the officers in the user's area (as each officer's page lists them)."""

    queryset = Vetting.objects.select_related("decided_by")
    serializer_class = s.VettingReadSerializer
    read_permissions = _read("personnel.view_vetting")
    ordering = ("officer_id", "criterion")
    filterset_fields = ["officer", "criterion", "passed"]

    @property
    def personal_data(self):
        return _("Vetting") + " (API)"


class AssignmentFilter(ApiFilterSet):
    active = filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull", label="active")

    class Meta:
        model = Assignment
        fields = ["officer", "commune", "province", "post", "active"]


class AssignmentViewSet(ReadViewSet):
    queryset = Assignment.objects.all()
    serializer_class = s.AssignmentSerializer
    read_permissions = _read("personnel.view_assignment")
    write_permissions = {"create": ("personnel.add_assignment",), "end": ("personnel.change_assignment",)}
    ordering = ("-started_on", "-pk")
    filterset_class = AssignmentFilter

    @extend_schema(request=s.AssignmentCreateSerializer, responses={201: s.AssignmentSerializer})
    def create(self, request):
        """Give an officer a post (personnel.services.assignment_create: eligibility, overrides, one chief)."""
        serializer = s.AssignmentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        assignment = personnel_services.assignment_create(created_by=request.user, **serializer.validated_data)
        return Response(s.AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AssignmentEndSerializer, responses={200: s.AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        serializer = s.AssignmentEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = personnel_services.assignment_end(
            assignment=assignment, user=request.user, **serializer.validated_data
        )
        return Response(s.AssignmentSerializer(assignment).data)


class CourseViewSet(ReadViewSet):
    queryset = Course.objects.all()
    serializer_class = s.CourseSerializer
    read_permissions = _read("training.view_course")
    scoped = False  # the national catalogue: every role reads it on the pages
    ordering = ("code",)
    filterset_fields = ["is_mandatory", "is_active", "subject_area"]


class TrainingSessionViewSet(ReadViewSet):
    queryset = TrainingSession.objects.all()
    serializer_class = s.TrainingSessionSerializer
    read_permissions = _read("training.view_trainingsession")
    write_permissions = {"enrol": ("training.add_enrollment",), "results": ("training.record_results",)}
    ordering = ("-starts_on",)
    filterset_fields = ["course", "province", "results_closed"]

    @extend_schema(request=s.EnrolSerializer, responses={200: s.EnrolOutcomeSerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        """Enrol officers (training.services.enrolment_add: each refused officer with the reason)."""
        session = self.get_object()
        serializer = s.EnrolSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        outcome = training_services.enrolment_add(
            session=session, officers=serializer.validated_data["officers"], enrolled_by=request.user
        )
        refused = [{"officer": getattr(who, "pk", None), "reason": str(reason)} for who, reason in outcome.refused]
        return Response({"enrolled": [officer.pk for officer in outcome.enrolled], "refused": refused})

    @extend_schema(request=s.ResultsSerializer, responses={200: s.ResultsOutcomeSerializer})
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None):
        """Record trainees' results (training.services.results_record, as the results page): only the rows and
        the parts of a row that are sent change; a row whose result changed since ``was`` is refused; any error
        refuses the whole save, the messages keyed by enrolment."""
        session = self.get_object()
        serializer = s.ResultsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entries = serializer.validated_data["results"]
        current = {
            e.pk: Result.of(e)
            for e in session.enrollments.filter(pk__in=[entry["enrolment"] for entry in entries])
        }  # fmt: skip
        rows = []
        for entry in entries:
            read = current.get(entry["enrolment"], Result(None, None, None))
            was = entry.get("was")
            shown = Result(was["attended"], was["score"], was["passed"]) if was is not None else read
            rows.append(ResultRow(
                enrollment_id=entry["enrolment"],
                attended=entry.get("attended", read.attended),
                score=entry.get("score", read.score),
                passed=entry.get("passed", read.passed),
                shown=shown,
            ))  # fmt: skip
        outcome = training_services.results_record(session=session, rows=rows, recorded_by=request.user)
        return Response({"saved": [e.pk for e in outcome.saved], "unchanged": outcome.unchanged})


class EnrollmentViewSet(ReadViewSet):
    queryset = Enrollment.objects.all()
    serializer_class = s.EnrollmentSerializer
    read_permissions = _read("training.view_enrollment")
    ordering = ("-enrolled_at",)
    filterset_fields = ["session", "officer", "course", "passed"]

    @property
    def personal_data(self):
        return _("Class roster") + " (API)"


class EquipmentTypeViewSet(ReadViewSet):
    queryset = EquipmentType.objects.all()
    serializer_class = s.EquipmentTypeSerializer
    read_permissions = _read("equipment.view_equipmenttype")
    scoped = False
    ordering = ("code",)
    filterset_fields = ["category", "is_serialized"]


class EquipmentItemViewSet(ReadViewSet):
    queryset = EquipmentItem.objects.all()
    serializer_class = s.EquipmentItemSerializer
    read_permissions = _read("equipment.view_equipmentitem")
    ordering = ("equipment_type_id", "serial_number")
    filterset_fields = ["equipment_type", "warehouse", "status"]


class IssuanceViewSet(ReadViewSet):
    queryset = Issuance.objects.all()
    serializer_class = s.IssuanceSerializer
    read_permissions = _read("equipment.view_issuance")
    write_permissions = {"create": ("equipment.add_issuance",), "return_": ("equipment.change_issuance",)}
    ordering = ("-issued_on",)
    filterset_fields = ["equipment_type", "commune", "officer", "status", "warehouse"]

    @extend_schema(
        request=s.IssuanceCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                description="A UUID of the client's: the same request sent again with it issues nothing more and "
                "answers 200 with the issuance recorded the first time.",
            )
        ],  # fmt: skip
        responses={201: s.IssuanceSerializer, 200: s.IssuanceSerializer},
    )
    def create(self, request):
        """Issue equipment to a covered commune (equipment.services.issuance_create)."""
        key = request.headers.get("Idempotency-Key")
        try:
            token = uuid.UUID(key) if key else None
        except ValueError:
            raise serializers.ValidationError(
                {"Idempotency-Key": [_("The Idempotency-Key header must be a UUID.")]}
            ) from None
        serializer = s.IssuanceCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            issuance = equipment_services.issuance_create(user=request.user, token=token, **serializer.validated_data)
        except equipment_services.AlreadyRecorded as done:
            earlier = Issuance.objects.visible_to(request.user).filter(pk=done.issuance.pk).first()
            if earlier is None:
                raise serializers.ValidationError(
                    {"Idempotency-Key": [_("This Idempotency-Key was used for another request.")]}
                ) from None
            return Response(s.IssuanceSerializer(earlier).data, status=status.HTTP_200_OK)
        return Response(s.IssuanceSerializer(issuance).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.IssuanceReturnSerializer, responses={200: s.IssuanceSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        issuance = self.get_object()
        serializer = s.IssuanceReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issuance = equipment_services.issuance_return(issuance=issuance, user=request.user, **serializer.validated_data)
        return Response(s.IssuanceSerializer(issuance).data)


class PilotPlanViewSet(ReadViewSet):
    queryset = PilotPlan.objects.all()
    serializer_class = s.PilotPlanSerializer
    read_permissions = _read("rollout.view_pilotplan")
    ordering = ("province_id",)


class PhaseViewSet(ReadViewSet):
    queryset = Phase.objects.prefetch_related(Prefetch("communes", queryset=Commune.objects.only("code")))
    serializer_class = s.PhaseSerializer
    read_permissions = _read("rollout.view_phase")
    ordering = ("plan_id", "number")
    filterset_fields = ["plan"]


class TaskViewSet(ReadViewSet):
    queryset = Task.objects.all()
    serializer_class = s.TaskSerializer
    read_permissions = _read("rollout.view_task")
    ordering = ("deadline",)
    filterset_fields = ["plan", "status"]


class SnapshotFilter(ApiFilterSet):
    since = filters.DateFilter(field_name="on", lookup_expr="gte", label="since")
    until = filters.DateFilter(field_name="on", lookup_expr="lte", label="until")
    national = filters.BooleanFilter(field_name="province", lookup_expr="isnull", label="national")

    class Meta:
        model = ProgressSnapshot
        fields = ["province", "since", "until", "national"]


class SnapshotViewSet(ReadViewSet):
    """The daily snapshots behind the dashboard's trends: those of the user's provinces, and the whole country's
    for who sees it (as the dashboard's choice of area)."""

    queryset = ProgressSnapshot.objects.all()
    serializer_class = s.SnapshotSerializer
    read_permissions = _read("rollout.view_progresssnapshot")
    scoped = False
    ordering = ("on", "province_id")
    filterset_class = SnapshotFilter

    def get_queryset(self):
        user = self.request.user
        area = Q(province__in=Province.objects.visible_to(user).values("code"))
        if sees_everything(user):
            area |= Q(province__isnull=True)
        return super().get_queryset().filter(area)


class ReportViewSet(ReadViewSet):
    queryset = Report.objects.all()
    serializer_class = s.ReportSerializer
    read_permissions = _read("rollout.view_report")
    ordering = ("-created_at",)
    filterset_fields = ["province", "status"]

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(CONTENT_TYPES))],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"download/(?P<kind>xlsx|pdf)", url_name="download")
    def download(self, request, pk=None, kind=None):
        """The report's file (as the report page's download)."""
        report = self.get_object()
        field_file = getattr(report, kind)
        if not field_file or not field_file.storage.exists(field_file.name):
            raise Http404(_("This report has no such file yet."))
        return FileResponse(
            field_file.open("rb"), as_attachment=True, filename=report_filename(report, kind),
            content_type=CONTENT_TYPES[kind],
        )  # fmt: skip


class FiguresView(ETagMixin, APIView):
    """The progress figures (rollout.progress.figures) of the user's area, a province or a district of it, on a
    day (today by default)."""

    read_permissions = _read("communes.view_commune")

    @extend_schema(
        parameters=[
            OpenApiParameter("province", int, description="a province code (in your area)"),
            OpenApiParameter("district", int, description="a district code (in your area)"),
            OpenApiParameter("on", OpenApiTypes.DATE, description="the day (default today)"),
        ],
        responses={200: s.FiguresSerializer},
    )
    def get(self, request):
        query = inline_serializer(
            "FiguresQuery",
            {
                "province": serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1),
                "district": serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1),
                "on": serializers.DateField(required=False),
            },
            data=request.query_params,
        )
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        on = query.validated_data.get("on") or today
        if on > today or on < datetime.date(2000, 1, 1):
            raise serializers.ValidationError({"on": [_("Choose a day between 2000 and today.")]})
        communes, area = Commune.objects.visible_to(request.user), "area"
        if "district" in query.validated_data:
            district = get_object_or_404(District, code=query.validated_data["district"])
            check_visible(request.user, district)
            communes, area = communes.filter(district=district), f"district:{district.code}"
        elif "province" in query.validated_data:
            province = get_object_or_404(Province, code=query.validated_data["province"])
            check_visible(request.user, province)
            communes, area = communes.filter(district__province=province), f"province:{province.code}"
        result = figures(communes, on, live=on == today)
        data = {"area": area, "on": on, **result.as_dict(), "uncovered": result.uncovered}
        for name in ("covered", "staffed", "trained", "equipped", "operational", "readiness"):
            data[f"{name}_percent"] = getattr(result, f"{name}_percent")
        data["readiness"] = result.readiness
        return Response(s.FiguresSerializer(data).data)


class AlertViewSet(ETagMixin, viewsets.ViewSet):
    """The alerts of the user's area (rollout.alerts.rules): counts by kind, and each kind's alerts."""

    read_permissions = _read("communes.view_commune")
    lookup_field = "kind"
    lookup_value_regex = "[a-z_]+"

    @extend_schema(responses={200: s.AlertCountSerializer(many=True)})
    def list(self, request):
        counts = alert_counts(request.user, timezone.localdate())
        return Response([{"kind": r.kind, "label": str(r.label), "count": counts[r.kind]} for r in RULES])

    @extend_schema(
        operation_id="alerts_of_kind",
        responses={
            200: inline_serializer(
                "PaginatedAlertList",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": s.AlertSerializer(many=True),
                },
            )
        },
    )
    def retrieve(self, request, kind=None):
        rule = RULES_BY_KIND.get(kind)
        if rule is None:
            raise Http404(_("No such kind of alert."))
        today = timezone.localdate()
        paginator = Pagination()
        page = paginator.paginate_queryset(rule.rows(request.user, today), request, view=self)
        alerts = [rule.alert(row, today) for row in page]
        if alerts:
            export_record(request, what=_("Alerts") + " (API)", file_name=request.path[:200], rows=len(alerts),
                          identifiers_shown=False)  # fmt: skip
        data = s.AlertSerializer([a.__dict__ for a in alerts], many=True).data
        return paginator.get_paginated_response(data)
