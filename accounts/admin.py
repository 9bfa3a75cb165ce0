from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ExportRecord, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "province", "district", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff", "province"]
    list_select_related = ["province", "district"]
    autocomplete_fields = []
    raw_id_fields = []
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Area of responsibility"), {"fields": ("province", "district")}),
    )


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """Read-only: the record of who downloaded personal data."""

    list_display = ["created_at", "user", "what", "rows", "identifiers_shown", "ip_address"]
    list_filter = ["identifiers_shown", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "what", "file_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
