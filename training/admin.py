from django.contrib import admin

from rollout.core.admin import HistoryAdmin, ReadOnlyAdminMixin

from .models import Course, Enrollment, TrainingSession


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title_vi", "subject_area", "hours", "is_mandatory", "validity_months", "is_active"]
    list_filter = ["subject_area", "is_mandatory", "is_active"]
    search_fields = ["code", "title_vi", "title_en"]

    def has_delete_permission(self, request, obj=None):
        return False  # retire a course with "active" instead: results refer to it


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Classes are opened, closed and reopened on the class pages (``services.session_create``,
    ``session_close``, ``session_reopen``); their enrolments copy the class's course and dates."""

    list_display = ["course", "starts_on", "ends_on", "place", "capacity", "results_closed"]
    list_filter = ["course", "results_closed", "province"]
    list_select_related = ["course"]
    date_hierarchy = "starts_on"


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Enrolments, results and prior training are written on the class and officer pages (``services``)."""

    list_display = ["officer", "session", "attended", "score", "passed", "certificate_number", "valid_until"]
    list_filter = ["passed", "course"]
    list_select_related = ["officer", "session__course"]
    search_fields = ["=officer__police_number", "officer__full_name", "certificate_number"]
