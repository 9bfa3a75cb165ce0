from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from django_filters.views import FilterView

from communes.models import Commune
from personnel.models import Officer
from personnel.views import form_errors_from
from rollout.core.imports import ImportView, resource_rows, template_response, xlsx_response
from rollout.core.views import PagedListMixin, ScopedObjectMixin

from . import services
from .filters import EquipmentItemFilter
from .forms import IssueForm, LostForm, ReceiveForm, ReturnForm
from .models import EquipmentItem, Handover, HandoverKind, Issuance, StockLevel, Warehouse
from .resources import COLUMN_HELP as ITEM_COLUMN_HELP
from .resources import COLUMN_SERIAL, COLUMN_TYPE, COLUMN_WAREHOUSE, EquipmentItemResource
from .selectors import (
    commune_equipment,
    commune_handovers,
    handover_lines,
    issuable_stock,
    type_summary,
    with_equipment,
)

LAST_WAREHOUSE = "equipment:warehouse"  # the session key of the warehouse the user last received into or issued from


def usable_warehouses(user):
    return Warehouse.objects.visible_to(user).order_by("district_id", "name")


def default_warehouse(request, warehouses) -> Warehouse | None:
    """The warehouse a receive or issue form starts with: the one the user last used, else their only one."""
    last = request.session.get(LAST_WAREHOUSE)
    first_two = list(warehouses[:2])
    if last is not None:
        for warehouse in first_two:
            if warehouse.pk == last:
                return warehouse
        if len(first_two) > 1 and warehouses.filter(pk=last).exists():
            return warehouses.get(pk=last)
    return first_two[0] if len(first_two) == 1 else None


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
        warehouses = usable_warehouses(self.request.user)
        items, levels = issuable_stock(warehouses)
        return {
            **super().get_form_kwargs(), "warehouses": warehouses, "officers": self.officers(), "items": items,
            "levels": levels,
        }  # fmt: skip

    def get_initial(self):
        return {"warehouse": default_warehouse(self.request, usable_warehouses(self.request.user))}

    def get_context_data(self, **kwargs):
        issuances = (
            Issuance.objects.filter(commune=self.commune)
            .select_related("equipment_type", "item", "officer", "warehouse")
            .order_by("status", "-issued_on", "-pk")
        )
        return super().get_context_data(
            commune=self.commune, types=commune_equipment(self.commune), issuances=issuances,
            handovers=commune_handovers(self.commune), **kwargs,
        )  # fmt: skip

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
                quantity=data.get("quantity") or 1, officer=data["officer"], note=data["note"], token=data["token"],
            )  # fmt: skip
        except services.AlreadyRecorded as done:
            messages.info(self.request, _("This was already recorded: %(what)s.") % {"what": done.issuance})
            return HttpResponseRedirect(self.request.path)
        except ValidationError as error:
            errors_onto_form(form, error, {"item": "stock", "equipment_type": "stock", "closed_on": "issued_on"})
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        self.request.session[LAST_WAREHOUSE] = issuance.warehouse_id
        messages.success(
            self.request,
            _("Issued: %(what)s. The hand-over receipt %(number)s lists everything handed to this holder today.")
            % {"what": issuance, "number": issuance.handover.number},
        )
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


def receipt_response(request, handover: Handover) -> HttpResponse:
    """The receipt of a hand-over or return record as PDF, in the official layout, in Vietnamese whatever the
    interface language."""
    from weasyprint import HTML

    html = render_to_string(
        "equipment/receipt.html",
        {
            "handover": handover,
            "lines": list(handover_lines(handover)),
            "printed": timezone.localtime(),
            "place": handover.commune.district.province.place_name,
            "is_issue": handover.kind == HandoverKind.ISSUE,
        },  # fmt: skip
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = "bien-ban-ban-giao" if handover.kind == HandoverKind.ISSUE else "bien-ban-thu-hoi"
    response["Content-Disposition"] = f'inline; filename="{name}-{handover.pk}.pdf"'
    return response


RECEIPT_RELATED = ("commune__district__province", "officer", "warehouse", "recorded_by")


class HandoverReceiptView(ScopedObjectMixin, View):
    """A hand-over receipt (biên bản bàn giao) or a return receipt (biên bản thu hồi) as PDF."""

    permission_required = "equipment.view_issuance"

    def load_objects(self, request, **kwargs):
        self.handover = get_object_or_404(
            Handover.objects.visible_to(request.user).select_related(*RECEIPT_RELATED), pk=kwargs["pk"]
        )

    def get(self, request, pk):
        return receipt_response(request, self.handover)


class IssuanceReceiptView(ScopedObjectMixin, View):
    """The hand-over receipt an issuance is listed on (the address earlier receipts were printed from)."""

    permission_required = "equipment.view_issuance"

    def load_objects(self, request, **kwargs):
        issuance = get_object_or_404(Issuance.objects.visible_to(request.user), pk=kwargs["pk"])
        self.handover = get_object_or_404(Handover.objects.select_related(*RECEIPT_RELATED), pk=issuance.handover_id)

    def get(self, request, pk):
        return receipt_response(request, self.handover)


class StockView(PermissionRequiredMixin, PagedListMixin, FilterView):
    """Serial-numbered units and quantity stock in the user's warehouses, filtered by type, warehouse and status
    and searched by serial number; and the receive form, which starts with the warehouse last used (or the
    user's only one)."""

    permission_required = "equipment.view_equipmentitem"
    filterset_class = EquipmentItemFilter
    template_name = "equipment/stock.html"
    sort_options = {
        "type": ("equipment_type__name", "serial_number"),
        "serial": ("serial_number",),
        "warehouse": ("warehouse__name", "equipment_type__name", "serial_number"),
        "status": ("status", "equipment_type__name", "serial_number"),
        "received_on": ("received_on", "serial_number"),
    }

    def get_queryset(self):
        return (
            EquipmentItem.objects.visible_to(self.request.user)
            .select_related("equipment_type", "warehouse")
            .order_by("equipment_type__name", "serial_number")
        )

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "warehouses": self.warehouses()}

    def warehouses(self):
        return usable_warehouses(self.request.user)

    def receive_form(self, data=None):
        return ReceiveForm(
            data,
            warehouses=self.warehouses(),
            initial={"warehouse": default_warehouse(self.request, self.warehouses())},
        )

    def get_context_data(self, **kwargs):
        levels = StockLevel.objects.visible_to(self.request.user).select_related("equipment_type", "warehouse")
        query = self.request.GET.copy()
        query.pop("page", None)
        if "form" not in kwargs:
            kwargs["form"] = self.receive_form()
        return super().get_context_data(
            levels=self.filterset.levels(levels.order_by("equipment_type__name", "warehouse__name")),
            query=query.urlencode(), **kwargs,
        )  # fmt: skip

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("equipment.add_equipmentitem"):
            raise PermissionDenied
        form = self.receive_form(request.POST)
        if form.is_valid() and self.receive(form):
            return HttpResponseRedirect(self.request.get_full_path())
        # Shown again with its errors, above the list as the page's filters (in the address) give it.
        self.filterset = self.get_filterset(self.get_filterset_class())
        self.object_list = self.filterset.qs if self.filterset.is_valid() else self.filterset.queryset.none()
        return self.render_to_response(self.get_context_data(form=form))

    def receive(self, form) -> bool:
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
            return False
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return False
        self.request.session[LAST_WAREHOUSE] = data["warehouse"].pk
        messages.success(
            self.request,
            _("%(n)s unit(s) received into %(warehouse)s.") % {"n": count, "warehouse": data["warehouse"]},
        )
        return True


class StockExportView(PermissionRequiredMixin, View):
    """The serial-numbered units of the user's warehouses (filtered as on the stock page), in the columns the
    import reads (plus the type's name and the status, read-only): an exported file imports back unchanged."""

    permission_required = "equipment.view_equipmentitem"

    def get(self, request):
        items = (
            EquipmentItem.objects.visible_to(request.user)
            .select_related("equipment_type", "warehouse")
            .order_by("equipment_type__code", "serial_number")
        )
        # The list as the stock page filters it (the export button carries the page's filters).
        filterset = EquipmentItemFilter(request.GET, queryset=items, warehouses=usable_warehouses(request.user))
        items = filterset.qs if filterset.is_valid() else items.none()
        headers, rows = resource_rows(EquipmentItemResource(), items)
        return xlsx_response(f"trang-bi-{timezone.localdate():%Y%m%d}.xlsx", headers, rows, sheet_title="Trang bị")


class ItemsImportView(ImportView):
    permission_required = "equipment.add_equipmentitem"
    required_headers = (COLUMN_TYPE, COLUMN_SERIAL, COLUMN_WAREHOUSE)
    title = gettext_lazy("Import serial-numbered equipment")
    success_url = reverse_lazy("equipment:stock")
    template_url = reverse_lazy("equipment:items_template")
    session_prefix = "import-items"
    sync_max_rows = 50  # a unit is checked through the services, as an officer is: the worker checks more

    def get_resource(self):
        return EquipmentItemResource(warehouses=Warehouse.objects.visible_to(self.request.user), user=self.request.user)


class ItemsTemplateView(PermissionRequiredMixin, View):
    permission_required = "equipment.add_equipmentitem"

    def get(self, request):
        # The columns an import reads; the type's name and the status are read-only (export only).
        resource = EquipmentItemResource()
        headers = [f.column_name for f in resource.get_import_fields() if not f.readonly]
        return template_response(
            "mau-nhap-trang-bi.xlsx", resource, headers, sheet_title="Trang bị", column_help=ITEM_COLUMN_HELP
        )
