from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


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
