"""The user's notices (read and unread) and their digest preferences."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from personnel.views import form_errors_from
from rollout.alerts.rules import RULES
from rollout.core import scoping
from rollout.core.forms import BootstrapFormMixin
from rollout.models import DigestFrequency
from rollout.notifications import services


class PreferenceForm(BootstrapFormMixin, forms.Form):
    frequency = forms.ChoiceField(label=gettext_lazy("Digest by e-mail"), choices=DigestFrequency.choices,
                                  widget=forms.RadioSelect)  # fmt: skip
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Alert kinds in the digest"),
        choices=[(rule.kind, rule.label) for rule in RULES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None chosen: every kind."),
    )
    email_enabled = forms.BooleanField(label=gettext_lazy("Send it by e-mail"), required=False)


class HasAreaMixin(LoginRequiredMixin):
    """Pages of a user with an area (any role): a user without one gets 403 like on every app page."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and scoping.Scope.of(request.user).is_empty:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(str(scoping.NO_AREA))
        return super().dispatch(request, *args, **kwargs)


class NotificationListView(HasAreaMixin, View):
    template_name = "rollout/notifications/index.html"

    def get(self, request):
        page = Paginator(services.notices_of(request.user), 30).get_page(request.GET.get("page"))
        preference = services.preference_of(request.user)
        return render(request, self.template_name, {
            "page_obj": page, "is_paginated": page.has_other_pages(), "notices": page.object_list,
            "preference": preference, "unread": services.unread_count(request.user),
        })  # fmt: skip

    def post(self, request):
        """Mark read: ``notice`` (one id), or every notice with ``all``; a POST with neither changes nothing."""
        if request.POST.get("all") == "1":
            ids = None
        else:
            try:
                ids = [int(request.POST["notice"])]
            except (KeyError, ValueError):
                messages.info(request, _("Nothing was marked."))
                return HttpResponseRedirect(reverse("notifications:index"))
        changed = services.notifications_mark_read(user=request.user, ids=ids)
        if changed:
            messages.success(request, _("Marked as read: %(n)s.") % {"n": changed})
        return HttpResponseRedirect(reverse("notifications:index"))


class PreferenceView(HasAreaMixin, View):
    template_name = "rollout/notifications/preferences.html"

    def get(self, request):
        preference = services.preference_of(request.user)
        form = PreferenceForm(initial={"frequency": preference.frequency, "kinds": preference.kinds,
                                       "email_enabled": preference.email_enabled})  # fmt: skip
        return render(request, self.template_name, {"form": form, "has_email": bool(request.user.email)})

    def post(self, request):
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.preference_update(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return HttpResponseRedirect(reverse("notifications:index"))
        return render(request, self.template_name, {"form": form, "has_email": bool(request.user.email)})
