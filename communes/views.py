from django.contrib.auth.mixins import PermissionRequiredMixin
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView
from django_filters.views import FilterView

from rollout.core.imports import ImportView, resource_rows, template_response, xlsx_response
from rollout.core.views import PagedListMixin, VisibleToMixin, sorted_by

from .filters import SORTS, CommuneFilter
from .models import Commune
from .readers import commune_page
from .resources import COLUMN_CODE, CommuneResource
from .resources import COLUMN_HELP as COMMUNE_COLUMN_HELP
from .selectors import commune_totals


class CommuneListView(VisibleToMixin, PagedListMixin, FilterView):
    permission_required = "communes.view_commune"
    queryset = Commune.objects.select_related("district__province")
    filterset_class = CommuneFilter
    template_name = "communes/commune_list.html"
    sort_options = SORTS

    def get_queryset(self):
        # annotated per request: the norm's expression reads the setting when it is built
        return super().get_queryset().with_staffing_norm()

    def get_context_data(self, **kwargs):
        # One aggregate gives the totals line and the paginator's count.
        self.totals = commune_totals(self.object_list)
        context = super().get_context_data(**kwargs)
        context["totals"] = self.totals
        return context

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        paginator.count = self.totals["communes"]
        return paginator


class CommuneDetailView(VisibleToMixin, DetailView):
    permission_required = "communes.view_commune"
    queryset = Commune.objects.select_related("district__province").prefetch_related("local_languages")
    template_name = "communes/commune_detail.html"

    def get_queryset(self):
        return super().get_queryset().with_staffing_norm()

    def get_context_data(self, **kwargs):
        # The parts other apps show (the posts: personnel), under their own keys (``communes.readers``).
        return super().get_context_data(**commune_page.read(self.object), **kwargs)


class CommuneExportView(PermissionRequiredMixin, View):
    """The filtered commune list as XLSX, with the same columns an import reads."""

    permission_required = "communes.view_commune"

    def get(self, request):
        communes = Commune.objects.visible_to(request.user).select_related("district")
        filterset = CommuneFilter(request.GET, queryset=communes, request=request)
        communes = sorted_by(filterset.qs, request.GET.get("sort"), SORTS) if filterset.is_valid() else communes.none()
        headers, rows = resource_rows(CommuneResource(), communes)
        stamp = timezone.localdate().strftime("%Y%m%d")
        return xlsx_response(f"danh-sach-xa-{stamp}.xlsx", headers, rows, sheet_title="Xã")


class CommuneTemplateView(PermissionRequiredMixin, View):
    """An empty workbook with the import columns."""

    permission_required = "communes.import_commune"

    def get(self, request):
        resource = CommuneResource()
        headers = [f.column_name for f in resource.get_export_fields()]
        return template_response(
            "mau-nhap-xa.xlsx", resource, headers, sheet_title="Xã", column_help=COMMUNE_COLUMN_HELP
        )


class CommuneImportView(ImportView):
    permission_required = "communes.import_commune"
    required_headers = (COLUMN_CODE,)
    title = _("Import commune attributes")
    success_url = reverse_lazy("communes:commune_list")
    session_prefix = "import-communes"
    template_url = reverse_lazy("communes:commune_template")

    def get_resource(self):
        return CommuneResource(queryset=Commune.objects.visible_to(self.request.user))
