"""The API's filters: a relation is filtered by its id as an integer, so an id of nothing (or of something outside
the user's area) gives an empty list, not a 400 that would tell which ids exist."""

from django import forms
from django.db import models
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """An id or a code: a whole number (one out of the database's range matches nothing)."""

    field_class = forms.IntegerField


class ApiFilterSet(filters.FilterSet):
    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        if isinstance(field, models.ForeignKey | models.OneToOneField) and lookup_type == "exact":
            return IdFilter, {}
        return super().filter_for_lookup(field, lookup_type)


class ApiFilterBackend(filters.DjangoFilterBackend):
    filterset_base = ApiFilterSet
