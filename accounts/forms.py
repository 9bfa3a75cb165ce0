from django import forms
from django.utils.translation import gettext_lazy as _

from rollout.core.forms import BootstrapFormMixin

from .tokens import MAX_DAYS


class ApiTokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “Provincial dashboard”.")
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=MAX_DAYS, initial=90)
