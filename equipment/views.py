from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from communes.models import Commune
from personnel.models import Officer
from personnel.views import form_errors_from
from rollout.core.imports import ImportView, resource_rows, xlsx_response
from rollout.core.views import PagedListMixin, ScopedObjectMixin

from . import services
from .forms import IssueForm, LostForm, ReceiveForm, ReturnForm
from .models import EquipmentItem, Issuance, ItemStatus, Warehouse
from .resources import COLUMN_SERIAL, COLUMN_TYPE, COLUMN_WAREHOUSE, EquipmentItemResource
from .selectors import commune_equipment, type_summary, with_equipment


def errors_onto_form(form, error: ValidationError, renamed: dict[str, str]) -> None:
    """A service's ``ValidationError`` on the form, with the service's field names (``renamed`` keys) shown next
    to the form's fields that carry them (the values)."""
    if hasattr(error, "error_dict"):
        merged: dict[str, list] = {}
        for key, errors in error.error_dict.items():
            merged.setdefault(renamed.get(key, key), []).extend(errors)
        error = ValidationError(merged)
    form_errors_from(form, error)


class EquipmentOverviewView(PermissionRequiredMixin, TemplateView):
    """Per type across the user's area: stock, held by communes, standard, shortage."""

    permission_required = "equipment.view_issuance"
    template_name = "equipment/overview.html"

    def get_context_data(self, **kwargs):
        communes = Commune.objects.visible_to(self.request.user)
        return super().get_context_data(rows=type_summary(communes), **kwargs)


class ShortageListView(PermissionRequiredMixin, PagedListMixin, ListView):
    """Covered communes that do not hold their standard of every type."""

    permission_required = "equipment.view_issuance"
    template_name = "equipment/shortage_list.html"
    sort_options = {
        "commune": ("sort_key", "code"),
        "district": ("district__sort_key", "sort_key"),
        "unmet": ("unmet_types", "district_id", "code"),
    }

    def get_queryset(self):
        communes = (
            Commune.objects.visible_to(self.request.user)
            .exclude(coverage="uncovered")
            .select_related("district")
            .order_by("district_id", "code")
        )
        return with_equipment(communes).filter(unmet_types__gt=0)


class CommuneEquipmentView(ScopedObjectMixin, FormView):
    """A commune's equipment: held against the standard, what is out and with whom, and the issue form."""

    permission_required = "equipment.view_issuance"
    form_class = IssueForm
    template_name = "equipment/commune_equipment.html"

    def load_objects(self, request, **kwargs):
        self.commune = get_object_or_404(
            Commune.objects.visible_to(request.user).select_related("district__province"), pk=kwargs["code"]
        )

    def officers(self):
        """The officers assigned to the commune now: the only ones who may receive its equipment."""
        assigned = Officer.objects.filter(assignments__commune=self.commune, assignments__ended_on__isnull=True)
        return assigned.order_by("sort_key", "pk")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "warehouses": Warehouse.objects.visible_to(self.request.user).order_by("district_id", "name"),
            "officers": self.officers(),
        }

    def get_context_data(self, **kwargs):
        issuances = (
            Issuance.objects.filter(commune=self.commune)
            .select_related("equipment_type", "item", "officer", "warehouse")
            .order_by("status", "-issued_on", "-pk")
        )
        return super().get_context_data(
            commune=self.commune, types=commune_equipment(self.commune), issuances=issuances, **kwargs
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("equipment.add_issuance"):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            issuance = services.issuance_create(
                commune=self.commune, equipment_type=data["equipment_type"], warehouse=data["warehouse"],
                issued_on=data["issued_on"], user=self.request.user, item=data["item"],
                quantity=data.get("quantity") or 1, officer=data["officer"], note=data["note"],
            )  # fmt: skip
        except ValidationError as error:
            errors_onto_form(form, error, {"item": "serial_number"})
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Issued: %(what)s.") % {"what": issuance})
        return HttpResponseRedirect(self.request.path)


class IssuanceActionView(ScopedObjectMixin, FormView):
    permission_required = "equipment.change_issuance"
    template_name = "equipment/issuance_action.html"
    renamed: dict[str, str] = {}  # the service's field names → the form's

    def load_objects(self, request, **kwargs):
        self.issuance = get_object_or_404(
            Issuance.objects.visible_to(request.user).select_related("equipment_type", "item", "commune", "officer"),
            pk=kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(issuance=self.issuance, title=self.title, **kwargs)

    def form_valid(self, form):
        try:
            self.act(form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error, self.renamed)
            return self.form_invalid(form)
        messages.success(self.request, self.done)
        return HttpResponseRedirect(self.issuance.get_absolute_url())


class IssuanceReturnView(IssuanceActionView):
    form_class = ReturnForm
    renamed = {"closed_on": "returned_on", "return_condition": "condition"}

    @property
    def title(self):
        return _("Return equipment")

    @property
    def done(self):
        return _("Returned.")

    def act(self, data):
        services.issuance_return(
            issuance=self.issuance, returned_on=data["returned_on"], condition=data["condition"],
            note=data["note"], user=self.request.user,
        )  # fmt: skip


class IssuanceLostView(IssuanceActionView):
    form_class = LostForm
    renamed = {"closed_on": "lost_on"}

    @property
    def title(self):
        return _("Report a loss")

    @property
    def done(self):
        return _("Loss recorded.")

    def act(self, data):
        services.issuance_report_lost(
            issuance=self.issuance, lost_on=data["lost_on"], note=data["note"], user=self.request.user
        )


class IssuanceReceiptView(ScopedObjectMixin, View):
    """The hand-over receipt (biên bản bàn giao) as PDF."""

    permission_required = "equipment.view_issuance"

    def load_objects(self, request, **kwargs):
        self.issuance = get_object_or_404(
            Issuance.objects.visible_to(request.user).select_related(
                "equipment_type", "item", "commune__district__province", "officer", "warehouse", "issued_by"
            ),
            pk=kwargs["pk"],
        )

    def get(self, request, pk):
        from weasyprint import HTML

        html = render_to_string(
            "equipment/receipt.html", {"issuance": self.issuance, "printed": timezone.localtime()}, request=request
        )
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="bien-ban-ban-giao-{self.issuance.pk}.pdf"'
        return response


class StockView(PermissionRequiredMixin, FormView):
    """Serial-numbered units and quantity stock in the user's warehouses, and the receive form."""

    permission_required = "equipment.view_equipmentitem"
    form_class = ReceiveForm
    template_name = "equipment/stock.html"
    paginate_by = 50

    def get_form_kwargs(self):
        warehouses = Warehouse.objects.visible_to(self.request.user).order_by("district_id", "name")
        return {**super().get_form_kwargs(), "warehouses": warehouses}

    def get_context_data(self, **kwargs):
        from .models import StockLevel

        items = EquipmentItem.objects.visible_to(self.request.user).select_related("equipment_type", "warehouse")
        status = self.request.GET.get("status", "")
        if status in ItemStatus.values:  # an unknown status (or a NUL byte, which PostgreSQL refuses) filters nothing
            items = items.filter(status=status)
        # A FormView has no pagination of its own; a bad ``page`` shows the nearest valid page (as PagedListMixin).
        paginator = Paginator(items, self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        object_list, is_paginated = page.object_list, page.has_other_pages()
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            levels=StockLevel.objects.visible_to(self.request.user).select_related("equipment_type", "warehouse"),
            paginator=paginator, page_obj=page, object_list=object_list, is_paginated=is_paginated,
            query=query.urlencode(), **kwargs,
        )  # fmt: skip

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("equipment.add_equipmentitem"):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data["equipment_type"].is_serialized:
                items = services.items_receive(
                    warehouse=data["warehouse"], equipment_type=data["equipment_type"], serial_numbers=data["serials"],
                    received_on=data["received_on"], user=self.request.user,
                )  # fmt: skip
                count = len(items)
            else:
                services.stock_receive(
                    warehouse=data["warehouse"], equipment_type=data["equipment_type"], quantity=data["quantity"],
                    user=self.request.user,
                )  # fmt: skip
                count = data["quantity"]
        except ValidationError as error:
            errors_onto_form(form, error, {"serial_number": "serial_numbers"})
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("%(n)s unit(s) received.") % {"n": count})
        return HttpResponseRedirect(self.request.path)


class StockExportView(PermissionRequiredMixin, View):
    """The serial-numbered units of the user's warehouses, in the columns the import reads (plus the type's name
    and the status, read-only): an exported file imports back unchanged."""

    permission_required = "equipment.view_equipmentitem"

    def get(self, request):
        items = (
            EquipmentItem.objects.visible_to(request.user)
            .select_related("equipment_type", "warehouse")
            .order_by("equipment_type__code", "serial_number")
        )
        headers, rows = resource_rows(EquipmentItemResource(), items)
        return xlsx_response(f"trang-bi-{timezone.localdate():%Y%m%d}.xlsx", headers, rows, sheet_title="Trang bị")


class ItemsImportView(ImportView):
    permission_required = "equipment.add_equipmentitem"
    required_headers = (COLUMN_TYPE, COLUMN_SERIAL, COLUMN_WAREHOUSE)
    title = gettext_lazy("Import serial-numbered equipment")
    success_url = reverse_lazy("equipment:stock")
    template_url = reverse_lazy("equipment:items_template")
    session_prefix = "import-items"

    def get_resource(self):
        return EquipmentItemResource(warehouses=Warehouse.objects.visible_to(self.request.user), user=self.request.user)


class ItemsTemplateView(PermissionRequiredMixin, View):
    permission_required = "equipment.add_equipmentitem"

    def get(self, request):
        # The columns an import reads; the type's name and the status are read-only (export only).
        headers = [f.column_name for f in EquipmentItemResource().get_import_fields() if not f.readonly]
        return xlsx_response("mau-nhap-trang-bi.xlsx", headers, [], sheet_title="Trang bị")
