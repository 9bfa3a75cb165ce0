"""View mixins every app's pages share: scoped querysets and objects (404 outside the user's area, see
``rollout.core.scoping``), forgiving pagination and sorting by a clicked column."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import F

SORT_PARAMETER = "sort"


def sort_value(value: str | None, sort_options: dict) -> str:
    """``value`` (a ``sort`` parameter: a key of ``sort_options``, ``-`` before it for descending) when it is one
    of the list's keys, else "" (the list's own order): a bad value is ignored, never an error."""
    value = (value or "").strip()
    return value if value.removeprefix("-") in sort_options else ""


def sorted_by(queryset, value: str | None, sort_options: dict):
    """``queryset`` ordered by the columns ``sort_options`` gives for ``value`` (see ``sort_value``; a column
    written ``-column`` goes against the chosen direction), empty
    values last either way (the same on PostgreSQL and SQLite), the primary key breaking ties so that pages do
    not overlap; unchanged for an empty or unknown value."""
    value = sort_value(value, sort_options)
    if not value:
        return queryset
    descending = value.startswith("-")
    ordering = []
    for column in [*sort_options[value.removeprefix("-")], "pk"]:
        # "-column" in the options: that column goes the other way ("newest first" under an ascending sort)
        down = descending != column.startswith("-")
        expression = F(column.removeprefix("-"))
        ordering.append(expression.desc(nulls_last=True) if down else expression.asc(nulls_last=True))
    return queryset.order_by(*ordering)


class VisibleToMixin(PermissionRequiredMixin):
    """A view whose queryset is limited to what the signed-in user may see (``QuerySet.visible_to``) and
    which requires ``permission_required``. Objects outside the user's area answer 404, not 403, so their
    existence is not disclosed."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class PagedListMixin:
    """Pagination that never fails on a bad ``page`` parameter (it shows the nearest valid page), and sorting by
    a clicked column header (``templates/includes/_sort_header.html``).

    ``sort_options`` is the list's whitelist: ``{key: (column, ...)}``; ``?sort=key`` sorts ascending,
    ``?sort=-key`` descending, anything else keeps the queryset's own order. The context gets ``sort`` (the
    valid value or ""), ``query`` (the request's parameters without ``page``: for pagination and export links)
    and ``query_without_sort`` (also without ``sort``: for the headers); a view that sets them itself keeps its
    own. A list without ``sort_options`` behaves as before."""

    paginate_by = 50
    sort_options: dict[str, tuple[str, ...]] = {}

    def get_sort_options(self) -> dict[str, tuple[str, ...]]:
        """The whitelist for this request (a view may leave out columns the user may not see)."""
        return self.sort_options

    def get_sort(self) -> str:
        return sort_value(self.request.GET.get(SORT_PARAMETER), self.get_sort_options())

    def sort_queryset(self, queryset):
        return sorted_by(queryset, self.get_sort(), self.get_sort_options())

    def paginate_queryset(self, queryset, page_size):
        queryset = self.sort_queryset(queryset)
        paginator = self.get_paginator(queryset, page_size, orphans=self.get_paginate_orphans())
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop(self.page_kwarg, None)
        context.setdefault("query", query.urlencode())
        query.pop(SORT_PARAMETER, None)
        context.setdefault("query_without_sort", query.urlencode())
        context.setdefault("sort", self.get_sort())
        return context


class ScopedObjectMixin(PermissionRequiredMixin):
    """Check the permission first, then ``load_objects`` (which answers 404 for objects outside the user's
    area), so that a user without the permission gets 403 whatever the object."""

    def load_objects(self, request, **kwargs) -> None:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.load_objects(request, **kwargs)
        return super().dispatch(request, *args, **kwargs)
