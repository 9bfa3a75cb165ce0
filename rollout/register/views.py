"""The register of posts as of any day (``/register/``), its Excel and PDF, and an officer's service record (page and
PDF). Reads only: the areas and officers come through ``visible_to`` (a district clerk's register is their
district's; an officer of elsewhere answers 404), identifiers are masked for roles that mask them, and every file
naming officers is recorded (``accounts.audit.export_record``)."""

import dataclasses

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View

from accounts.audit import export_record
from personnel.identifiers import can_see_identifiers
from personnel.models import Officer
from rollout.core import scoping
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from rollout.core.views import ScopedObjectMixin
from rollout.register import documents
from rollout.register.forms import RegisterForm
from rollout.register.selectors import Register, register_on, service_record


def _register_from(request) -> tuple[RegisterForm, Register | None]:
    """The filters of the request and, when they are valid, the register they ask for."""
    form = RegisterForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    commune = data["commune"]
    register = register_on(
        user=request.user, province=data["province"], district=data["district"] or (commune and commune.district),
        commune=commune, day=data["day"],
    )  # fmt: skip
    for row in register.communes:
        row.query = register_query(register, commune=row.commune)
        for held in row.posts:
            held.officer_visible = scoping.sees(request.user, held.officer)
    return form, register


def register_query(register: Register, *, district=None, commune=None, level: str | None = None) -> str:
    """The filters of ``register`` as a query string (for the export links), or of the same day at another level:
    ``level`` "province" or "district" (the breadcrumbs), or a ``district`` or ``commune`` of it (its rows)."""
    if level is None and district is None and commune is None:
        district, commune = register.district, register.commune
    elif level == "district":
        district = register.district
    query = QueryDict(mutable=True)
    query["province"] = str(register.province.pk)
    if commune is not None:
        district = district or commune.district
    if district is not None:
        query["district"] = str(district.pk)
    if commune is not None:
        query["commune"] = str(commune.pk)
    query["day"] = f"{register.day:%d/%m/%Y}"
    return query.urlencode()


def breadcrumbs(register: Register) -> list[tuple[str, str | None]]:
    """The area's levels, each with the query of its register on the same day (the last one: the page itself)."""
    levels = [(register.province.name, register_query(register, level="province"))]
    if register.district:
        levels.append((register.district.name, register_query(register, level="district")))
    if register.commune:
        levels.append((register.commune.name, register_query(register)))
    return [(name, None if position == len(levels) - 1 else query) for position, (name, query) in enumerate(levels)]


# A page shows this many communes (a large province has over 500, with 2,000 posts and more): the summary and the
# communes without a chief are the whole area's, the table pages on; the Excel file has everything.
COMMUNES_PER_PAGE = 150
# WeasyPrint lays out about 50 to 100 lines (communes and posts) a second here: the PDF of an area with more lines
# would keep the request past the server's time limit. Such an area is printed district by district.
PDF_MAX_LINES = 1000


def pdf_allowed(register: Register) -> bool:
    return len(register.communes) + len(register.posts) <= PDF_MAX_LINES


class RegisterMixin(PermissionRequiredMixin):
    permission_required = "personnel.view_assignment"
    template_name = "rollout/register/register.html"

    def page(self, request, form, register, *, refusal: str = ""):
        scope = scoping.Scope.of(request.user)
        context = {"form": form, "register": register, "refusal": refusal}
        if register is not None:
            page = Paginator(register.communes, COMMUNES_PER_PAGE).get_page(request.GET.get("page"))
            shown = dataclasses.replace(register, communes=list(page.object_list))
            districts = shown.districts
            for group in districts:
                group.query = register_query(register, district=group.district)
            without_chief = register.without_chief
            context |= {
                "districts": districts,
                "without_chief": without_chief,
                "with_chief": len(register.communes) - len(without_chief),
                "posts_held": len(register.posts),
                "page_obj": page,
                "is_paginated": page.has_other_pages(),
                "pdf_allowed": pdf_allowed(register),
                "pdf_max_lines": PDF_MAX_LINES,
            }
        context |= {
            "query": register_query(register) if register else "",
            "breadcrumbs": breadcrumbs(register) if register else [],
            "no_area": scope.is_empty or not form.provinces,
            "today": timezone.localdate(),
        }
        return render(request, self.template_name, context)


class RegisterView(RegisterMixin, View):
    """Who held every post of each commune of the area on the day chosen: chief, deputies and officers, since when,
    by which decision, trained then or not; and the communes without a chief that day."""

    def get(self, request):
        form, register = _register_from(request)
        return self.page(request, form, register)


class RegisterExcelView(RegisterMixin, View):
    """The register as a workbook: the posts (every commune, a line even when nobody held a post) and the communes
    without a chief; identifiers masked for roles that mask them; recorded."""

    def get(self, request):
        form, register = _register_from(request)
        if register is None:
            return self.page(request, form, register)
        content, rows = documents.register_xlsx(register, user=request.user)
        name = documents.register_filename(register, "xlsx")
        export_record(request, what=documents.register_title(register), file_name=name, rows=rows,
                      identifiers_shown=can_see_identifiers(request.user))  # fmt: skip
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class RegisterPdfView(RegisterMixin, View):
    """The register as an official A4 document (landscape), in Vietnamese; masked as the page; recorded."""

    def get(self, request):
        form, register = _register_from(request)
        if register is None:
            return self.page(request, form, register)
        if not pdf_allowed(register):
            refusal = _(
                "This area's register has more than %(lines)s lines: its PDF would take too long to produce. Print it "
                "district by district, or download it in Excel."
            ) % {"lines": PDF_MAX_LINES}
            return self.page(request, form, register, refusal=refusal)
        name = documents.register_filename(register, "pdf")
        pdf = documents.register_pdf(request, register)
        export_record(request, what=documents.register_title(register), file_name=name, rows=len(register.posts),
                      identifiers_shown=can_see_identifiers(request.user))  # fmt: skip
        response = HttpResponse(pdf, content_type=documents.PDF_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class OfficerMixin(ScopedObjectMixin):
    permission_required = "personnel.view_officer"

    def load_objects(self, request, **kwargs):
        self.officer = get_object_or_404(
            Officer.objects.visible_to(request.user).select_related("province", "district", "home_district"),
            pk=kwargs["pk"],
        )


class ServiceRecordView(OfficerMixin, View):
    """The officer's service record: one chronology of their posts, vetting, training and equipment, then each
    section in full."""

    template_name = "rollout/register/service_record.html"

    def get(self, request, pk):
        return render(request, self.template_name, {"officer": self.officer, "record": service_record(self.officer)})


class ServiceRecordPdfView(OfficerMixin, View):
    """The service record as an official A4 document in Vietnamese, masked as the page; recorded."""

    def get(self, request, pk):
        with translation.override("vi"):
            record = service_record(self.officer)
        name = f"qua-trinh-cong-tac_{self.officer.pk}_{record.day:%Y%m%d}.pdf"
        pdf = documents.service_record_pdf(request, record)
        export_record(
            request, what=_("Service record: %(name)s") % {"name": self.officer.full_name}, file_name=name, rows=1,
            identifiers_shown=can_see_identifiers(request.user),
        )  # fmt: skip
        response = HttpResponse(pdf, content_type=documents.PDF_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
