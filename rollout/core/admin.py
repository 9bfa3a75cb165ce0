"""The admin as a door like any other (STYLE, "Where logic lives"): a model's admin form saves through the app's
services, or the model is read-only there; its change history can be read, never reverted.

These are bases for the apps' ``admin.py`` modules; they hold no rule of their own.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyAdminMixin:
    """Browse only: no add, change or delete, so every field is shown read-only. For the models whose writes
    belong to the app's pages (the rules live in their services) or that have no service for that write."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryAdmin(SimpleHistoryAdmin):
    """The change history of a model, to read: who, when, before, after.

    Reverting to an old version is off (``SIMPLE_HISTORY_REVERT_DISABLED``): it saved that version as it was,
    past every rule of the services (an ended assignment of a withdrawn officer became active again, or the page
    answered 500 on a constraint). simple_history then hides the button but still saves a posted form: here a
    post to a version's page is refused (403), and the page only shows the version."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class _Refused(Exception):
    """A service refused the admin form's save (``error``); the view shows the form again with the error."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


def add_service_error(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on ``form``: next to the field it names when the form shows that
    field, else at the top of the form (a field shown read-only, or no field at all)."""
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, messages in errors.items():
        form.add_error(name if name in form.fields else None, messages)


class ServiceAdmin(admin.ModelAdmin):
    """A ``ModelAdmin`` whose form saves through the app's services, with their rules, scope checks and history
    user: ``service_create`` and ``service_update`` call them with the form's cleaned data and return the saved
    object (the form checks its fields' input only; the model's own checks are the services' ``full_clean``). A
    ``ValidationError`` they raise shows on the form (``add_service_error``) and the whole save is rolled back; a
    ``PermissionDenied`` answers 403. Many-to-many fields of the form are the services' to write; inlines are
    saved as usual after the object."""

    def service_create(self, request, form):
        raise NotImplementedError

    def service_update(self, request, obj, form):
        raise NotImplementedError

    @staticmethod
    def given(form, names) -> dict:
        """The form's cleaned values of ``names``, for those the form shows (read-only fields are not in it)."""
        return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}

    def save_model(self, request, obj, form, change):
        try:
            saved = self.service_update(request, obj, form) if change else self.service_create(request, form)
        except ValidationError as error:
            raise _Refused(error) from error
        # The admin goes on with ``obj`` (its message, log entry and redirect): make it the saved row.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:  # its transaction is rolled back: show the form again, with the refusal
            request.admin_service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "admin_service_refusal", None)

        class ServiceForm(base):
            def _post_clean(self):
                """The model's checks (its fields, ``clean``, uniqueness, constraints) are left to the services,
                which run them after their own rules, with their own messages; a refusal shows on the form."""
                if refusal is not None:
                    add_service_error(self, refusal)

        ServiceForm.__name__ = base.__name__
        return ServiceForm
