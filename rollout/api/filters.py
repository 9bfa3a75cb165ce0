"""The API's filters: a relation is filtered by its id as a number, so an id of nothing (or of something outside the
user's area) gives an empty list, not a 400 that would tell which ids exist."""

from django.db import models
from django_filters import rest_framework as filters


class ApiFilterSet(filters.FilterSet):
    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        if isinstance(field, models.ForeignKey | models.OneToOneField) and lookup_type == "exact":
            return filters.NumberFilter, {}
        return super().filter_for_lookup(field, lookup_type)


class ApiFilterBackend(filters.DjangoFilterBackend):
    filterset_base = ApiFilterSet
