import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Commune, CommuneKind, Coverage, District

YES_NO = (("yes", _("Yes")), ("no", _("No")))
# The columns the commune list sorts by (``rollout.core.views.PagedListMixin``): names in Vietnamese order
# without their unit prefix.
SORTS = {
    "code": ("district_id", "code"),
    "name": ("sort_key", "code"),
    "district": ("district__sort_key", "sort_key", "code"),
    "population": ("population", "code"),
    "coverage": ("coverage", "district_id", "code"),
}


def _yes_no(queryset, name, value):
    return queryset.filter(**{name: value == "yes"})


class CommuneFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=100)
    district = django_filters.ModelChoiceFilter(
        label=_("District"), queryset=District.objects.none(), empty_label=_("All districts")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CommuneKind.choices, empty_label=_("All kinds"))
    coverage = django_filters.ChoiceFilter(
        label=_("Coverage"),
        method="filter_coverage",
        choices=[("covered", _("Covered")), *Coverage.choices],
        empty_label=_("Any coverage"),
    )
    is_key_area = django_filters.ChoiceFilter(label=_("Key area"), choices=YES_NO, method=_yes_no, empty_label=_("Any"))
    is_border = django_filters.ChoiceFilter(label=_("Border"), choices=YES_NO, method=_yes_no, empty_label=_("Any"))

    class Meta:
        model = Commune
        fields = ["q", "district", "kind", "coverage", "is_key_area", "is_border"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The district choices are the districts the user may see; without a request, none.
        user = getattr(self.request, "user", None)
        if user is not None:
            visible = Commune.objects.visible_to(user).values("district_id")
            districts = District.objects.filter(pk__in=visible).order_by("code")
            self.filters["district"].queryset = districts
            self.form.fields["district"].queryset = districts

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_coverage(self, queryset, name, value):
        if value == "covered":
            return queryset.exclude(coverage=Coverage.UNCOVERED)
        return queryset.filter(coverage=value)
