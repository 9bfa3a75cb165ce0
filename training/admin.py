from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Course, Enrollment, TrainingSession


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title_vi", "subject_area", "hours", "is_mandatory", "validity_months", "is_active"]
    list_filter = ["subject_area", "is_mandatory", "is_active"]
    search_fields = ["code", "title_vi", "title_en"]

    def has_delete_permission(self, request, obj=None):
        return False  # retire a course with "active" instead: results refer to it


@admin.register(TrainingSession)
class TrainingSessionAdmin(SimpleHistoryAdmin):
    list_display = ["course", "starts_on", "ends_on", "place", "capacity", "results_closed"]
    list_filter = ["course", "results_closed", "province"]
    list_select_related = ["course"]
    date_hierarchy = "starts_on"
    readonly_fields = ["results_closed", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # The enrolments copy the class's course and dates (readiness reads them): once the class exists, they
        # are not changed behind the services' back.
        if obj is not None:
            return [*self.readonly_fields, "course", "province", "starts_on", "ends_on"]
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # through the class page, which applies the rules


@admin.register(Enrollment)
class EnrollmentAdmin(SimpleHistoryAdmin):
    list_display = ["officer", "session", "attended", "score", "passed", "certificate_number", "valid_until"]
    list_filter = ["passed", "course"]
    list_select_related = ["officer", "session__course"]
    search_fields = ["=officer__police_number", "officer__full_name", "certificate_number"]
    readonly_fields = [f.name for f in Enrollment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
