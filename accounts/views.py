"""The user's own API tokens (the user menu): list, create (the key shown once), revoke."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from . import tokens
from .forms import ApiTokenForm
from .models import ApiToken


class HasAreaMixin:
    """A user without an area (no role, or a clerk without a unit) has nothing a token could reach: 403."""

    def dispatch(self, request, *args, **kwargs):
        from rollout.core.scoping import NO_AREA, Scope

        if request.user.is_authenticated and Scope.of(request.user).is_empty:
            raise PermissionDenied(str(NO_AREA))
        return super().dispatch(request, *args, **kwargs)


class ApiTokenListView(HasAreaMixin, FormView):
    """A signed-in user's tokens; a token has its owner's role and area, no more."""

    form_class = ApiTokenForm
    template_name = "accounts/token_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tokens=ApiToken.objects.filter(user=self.request.user), now=timezone.now(), **kwargs
        )

    def form_valid(self, form):
        try:
            token, key = tokens.token_create(user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        # shown once, on this response only (never stored, never in a redirect or a message kept in the session)
        return self.render_to_response(self.get_context_data(form=ApiTokenForm(), created=token, key=key))


class ApiTokenRevokeView(HasAreaMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        try:
            tokens.token_revoke(token=token, user=request.user)
        except PermissionDenied as error:  # pragma: no cover - the lookup above keeps to the user's own
            messages.error(request, str(error))
        else:
            messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return HttpResponseRedirect(reverse("accounts:tokens"))
