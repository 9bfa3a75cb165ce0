"""View mixins every app's pages share: scoped querysets and objects (404 outside the user's area, see
``rollout.core.scoping``) and forgiving pagination."""

from django.contrib.auth.mixins import PermissionRequiredMixin


class VisibleToMixin(PermissionRequiredMixin):
    """A view whose queryset is limited to what the signed-in user may see (``QuerySet.visible_to``) and
    which requires ``permission_required``. Objects outside the user's area answer 404, not 403, so their
    existence is not disclosed."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class PagedListMixin:
    """Pagination that never fails on a bad ``page`` parameter: it shows the nearest valid page."""

    paginate_by = 50

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, orphans=self.get_paginate_orphans())
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


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
