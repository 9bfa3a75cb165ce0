"""The subscriptions pages (``/subscriptions/``): the user's report subscriptions with their last delivery, and
the committee's defaults sent to their address; subscribing, changing and stopping one (after a confirmation).

Every signed-in user who may read reports (``rollout.view_report``: every role) manages their own subscriptions
and no one else's: another user's subscription answers 404. Writes go through
``rollout.subscriptions.services``; their refusals are shown next to the fields."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from personnel.views import form_errors_from
from rollout.models import ReportSubscription
from rollout.subscriptions import services
from rollout.subscriptions.forms import SubscriptionForm
from rollout.subscriptions.selectors import area_key, committee_subscriptions_of, user_subscriptions

PERMISSION = "rollout.view_report"


def _save_errors(form, error) -> None:
    """A service's refusal onto the form: an area outside the user's next to the area, others where they belong."""
    if isinstance(error, PermissionDenied):
        form.add_error("area", str(error) or _("You may not subscribe to this report."))
    else:
        form_errors_from(form, error)


@method_decorator(never_cache, name="dispatch")
class SubscriptionListView(PermissionRequiredMixin, TemplateView):
    permission_required = PERMISSION
    template_name = "rollout/subscriptions/subscription_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            subscriptions=list(user_subscriptions(user)),
            committee_subscriptions=list(committee_subscriptions_of(user)),
            has_email=bool((user.email or "").strip()),
            **kwargs,
        )


class SubscriptionFormMixin(PermissionRequiredMixin):
    permission_required = PERMISSION
    form_class = SubscriptionForm
    template_name = "rollout/subscriptions/subscription_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        province, district = form.cleaned_data["area"]
        try:
            subscription = self.save(
                province=province, district=district, frequency=form.cleaned_data["frequency"],
                formats=form.cleaned_data["formats"],
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as error:
            _save_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.saved_message(subscription))
        return HttpResponseRedirect(reverse("subscriptions:list"))


class SubscriptionCreateView(SubscriptionFormMixin, FormView):
    def save(self, **fields):
        return services.subscription_create(user=self.request.user, **fields)

    def saved_message(self, subscription):
        return _("Subscribed: %(subscription)s. The report will come to %(email)s.") % {
            "subscription": subscription, "email": self.request.user.email,
        }  # fmt: skip


class OwnSubscriptionMixin:
    """The signed-in user's own subscription named in the URL; 404 for any other (another user's, a committee
    default, one stopped already)."""

    def subscription(self, pk) -> ReportSubscription | None:
        return (
            ReportSubscription.objects.filter(user=self.request.user, pk=pk)
            .select_related("province", "district")
            .first()
        )


class SubscriptionUpdateView(OwnSubscriptionMixin, SubscriptionFormMixin, FormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.object = self.subscription(kwargs["pk"])
            if self.object is None:
                raise Http404(_("No such subscription."))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        subscription = self.object
        return {
            "area": area_key(subscription.province_id, subscription.district_id),
            "frequency": subscription.frequency,
            "formats": subscription.formats,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(subscription=self.object, **kwargs)

    def save(self, **fields):
        return services.subscription_update(subscription=self.object, user=self.request.user, **fields)

    def saved_message(self, subscription):
        return _("Saved: %(subscription)s.") % {"subscription": subscription}


class SubscriptionDeleteView(OwnSubscriptionMixin, PermissionRequiredMixin, View):
    """Stop a subscription after a confirmation (``confirm=yes``: the dialog of ``confirm.js`` or the confirmation
    page). Sent again once stopped, it says so and changes nothing."""

    permission_required = PERMISSION

    def confirmation(self, request, subscription):
        return render(request, "generic/confirm.html", {
            "title": _("Stop the subscription"),
            "question": _("Stop receiving “%(subscription)s”?") % {"subscription": subscription},
            "consequences": [_("No more e-mails of this report; the reports archive keeps the reports.")],
            "action": reverse("subscriptions:delete", args=[subscription.pk]),
            "back": reverse("subscriptions:list"),
            "confirm_label": _("Stop the subscription"),
            "breadcrumbs": [(_("Report subscriptions"), reverse("subscriptions:list"))],
        })  # fmt: skip

    def get(self, request, pk):
        subscription = self.subscription(pk)
        if subscription is None:
            raise Http404(_("No such subscription."))
        return self.confirmation(request, subscription)

    def post(self, request, pk):
        subscription = self.subscription(pk)
        if subscription is None:
            messages.info(request, _("This subscription is stopped already."))
            return HttpResponseRedirect(reverse("subscriptions:list"))
        if request.POST.get("confirm") != "yes":
            return self.confirmation(request, subscription)
        services.subscription_delete(subscription=subscription, user=request.user)
        messages.success(request, _("Stopped: %(subscription)s.") % {"subscription": subscription})
        return HttpResponseRedirect(reverse("subscriptions:list"))
