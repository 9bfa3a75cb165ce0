import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import District

from .ages import birth_range
from .choices import OfficerStatus, Rank
from .identifiers import can_see_identifiers
from .models import Language, Officer

AGE_BANDS = {
    "18-25": (18, 25),
    "26-30": (26, 30),
    "31-35": (31, 35),
    "36-40": (36, 40),
    "41-45": (41, 45),
    "46-70": (46, 70),
}


# The columns the officer list sorts by (``rollout.core.views.PagedListMixin``): names by given name first, in
# Vietnamese order. Police numbers and birth dates only for roles that see them unmasked: sorting by a masked
# column would reveal its order.
SORTS = {
    "name": ("sort_key", "police_number"),
    "rank": ("rank", "sort_key"),
    "ethnicity": ("ethnicity", "sort_key"),
    "district": ("district__sort_key", "sort_key"),
    "status": ("status", "sort_key"),
}
IDENTIFIER_SORTS = {"police_number": ("police_number",), "birth_date": ("birth_date", "sort_key")}


def officer_sorts(user) -> dict[str, tuple[str, ...]]:
    """The officer list's sort keys for ``user``."""
    return {**SORTS, **IDENTIFIER_SORTS} if can_see_identifiers(user) else SORTS


class OfficerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=100)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OfficerStatus.choices, empty_label=_("Any status"))
    rank = django_filters.ChoiceFilter(label=_("Rank"), choices=Rank.choices, empty_label=_("Any rank"))
    district = django_filters.ModelChoiceFilter(
        label=_("District"), queryset=District.objects.none(), empty_label=_("All districts")
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language"), field_name="languages", queryset=Language.objects.all(), empty_label=_("Any language")
    )
    age = django_filters.ChoiceFilter(
        label=_("Age"), method="filter_age", choices=[(k, k) for k in AGE_BANDS], empty_label=_("Any age")
    )

    class Meta:
        model = Officer
        fields = ["q", "status", "rank", "district", "language", "age"]

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if districts is not None:
            self.filters["district"].queryset = districts
            self.form.fields["district"].queryset = districts

    def filter_search(self, queryset, name, value):
        reveal = self.request is not None and can_see_identifiers(self.request.user)
        return queryset.search(value, by_police_number=reveal)

    def filter_age(self, queryset, name, value):
        earliest, latest = birth_range(*AGE_BANDS[value], timezone.localdate())
        return queryset.filter(birth_date__range=(earliest, latest))
