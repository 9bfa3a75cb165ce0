"""``/api/v1/`` (the endpoints), ``/api/schema/`` (OpenAPI 3) and ``/api/docs/`` (Swagger UI, from static/)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from rollout.core.scoping import NO_AREA, Scope

from . import views

app_name = "api"


def _for_people_with_an_area(view):
    """The documentation page: signed in (else the login page), with an area (else 403, as every page)."""

    @login_required
    @wraps(view)
    def page(request, *args, **kwargs):
        if Scope.of(request.user).is_empty:
            raise PermissionDenied(str(NO_AREA))
        return view(request, *args, **kwargs)

    return page


router = SimpleRouter()
router.register("provinces", views.ProvinceViewSet, basename="province")
router.register("districts", views.DistrictViewSet, basename="district")
router.register("communes", views.CommuneViewSet, basename="commune")
router.register("officers", views.OfficerViewSet, basename="officer")
router.register("vettings", views.VettingViewSet, basename="vetting")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("courses", views.CourseViewSet, basename="course")
router.register("classes", views.TrainingSessionViewSet, basename="class")
router.register("enrolments", views.EnrollmentViewSet, basename="enrolment")
router.register("equipment-types", views.EquipmentTypeViewSet, basename="equipment_type")
router.register("items", views.EquipmentItemViewSet, basename="item")
router.register("issuances", views.IssuanceViewSet, basename="issuance")
router.register("plans", views.PilotPlanViewSet, basename="plan")
router.register("phases", views.PhaseViewSet, basename="phase")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("snapshots", views.SnapshotViewSet, basename="snapshot")
router.register("reports", views.ReportViewSet, basename="report")
router.register("alerts", views.AlertViewSet, basename="alert")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/progress/", views.FiguresView.as_view(), name="progress"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # a page for people: sign in first (the login page), then the schema with the session
    path("docs/", _for_people_with_an_area(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
]
