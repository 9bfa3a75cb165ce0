"""The register's and the service record's files: the register as a workbook (the posts, and the communes without a
chief), and both as official A4 documents (WeasyPrint) in the layout of the project's receipts and reports — the
agency and the national motto at the top, the place and date, the title, the tables, the signatures. The PDFs are
Vietnamese documents whatever the interface language; identifiers are masked for roles that mask them, through the
same ``identifier`` tag as the pages (the request is in the template's context)."""

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from personnel.identifiers import can_see_identifiers, identifier_display
from rollout.core.spreadsheets import Sheet, workbook_bytes
from rollout.register.selectors import Register, ServiceRecord

PDF_CONTENT_TYPE = "application/pdf"


def register_title(register: Register) -> str:
    return _("Register of posts — %(area)s — %(day)s") % {
        "area": " › ".join(area_names(register)),
        "day": f"{register.day:%d/%m/%Y}",
    }


def area_names(register: Register) -> list[str]:
    return [unit.name for unit in (register.province, register.district, register.commune) if unit is not None]


def register_filename(register: Register, extension: str) -> str:
    """``so-theo-doi-bo-tri_62-610_2026-11-01.xlsx``: ASCII, the area's GSO codes and the day."""
    codes = "-".join(str(unit.pk) for unit in (register.province, register.district, register.commune) if unit)
    return f"so-theo-doi-bo-tri_{codes}_{register.day:%Y-%m-%d}.{extension}"


def trained_words(held) -> str:
    if held.trained:
        return _("Trained")
    return _("Not trained")


def register_xlsx(register: Register, *, user) -> tuple[bytes, int]:
    """The workbook as ``user`` may see it (identifiers masked for roles that mask them), and how many people it
    names."""
    reveal, shown = can_see_identifiers(user), identifier_display(user)
    notes = [
        _("As of %(day)s, from the assignments' start and end dates and the training results valid that day.")
        % {"day": f"{register.day:%d/%m/%Y}"},
        _("Trained: a valid pass of every mandatory course that day (%(count)s mandatory courses).")
        % {"count": register.required},
        _("Produced at %(when)s.") % {"when": f"{timezone.localtime():%H:%M %d/%m/%Y}"},
    ]
    if not reveal:
        notes.append(_("Police numbers and birth dates are masked for your role."))
    headers = [
        _("No."), _("District"), _("GSO code"), _("Commune"), _("Post"), _("Full name"), _("Police number"),
        _("Birth date"), _("Rank"), _("Since"), _("Decision number"), _("Decision date"), _("Trained on the day"),
        _("Mandatory courses passed"),
    ]  # fmt: skip
    rows, number = [], 0
    for row in register.communes:
        commune = row.commune
        if not row.posts:
            rows.append(["", commune.district.name, commune.code, commune.name, _("No post held"),
                         *[""] * 9])  # fmt: skip
            continue
        for held in row.posts:
            number += 1
            a, officer = held.assignment, held.officer
            rows.append([
                number, commune.district.name, commune.code, commune.name, a.get_post_display(), officer.full_name,
                shown(officer.police_number), shown(officer.birth_date), officer.get_rank_display(), a.started_on,
                a.decision_number, a.decision_date, trained_words(held), f"{held.passed}/{held.required}",
            ])  # fmt: skip
    chiefless = [
        [
            position, row.commune.district.name, row.commune.code, row.commune.name, row.commune.get_kind_display(),
            len(row.posts), row.commune.baseline_covered_on,
        ]
        for position, row in enumerate(register.without_chief, start=1)
    ]  # fmt: skip
    sheets = [
        Sheet(title=_("Register"), heading=register_title(register), notes=notes, headers=headers, rows=rows),
        Sheet(
            title=_("Without a chief"),
            heading=_("Communes without a chief on %(day)s") % {"day": f"{register.day:%d/%m/%Y}"},
            headers=[
                _("No."),
                _("District"),
                _("GSO code"),
                _("Commune"),
                _("Kind"),
                _("Posts held that day"),
                _("Regular police since (before the pilot)"),
            ],  # fmt: skip
            rows=chiefless,
        ),
    ]
    return workbook_bytes(sheets), len(register.posts)


def _pdf(request, template: str, context: dict) -> bytes:
    from weasyprint import HTML

    with translation.override("vi"):
        html = render_to_string(template, {**context, "printed": timezone.localtime()}, request=request)
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()


def register_pdf(request, register: Register) -> bytes:
    return _pdf(
        request,
        "rollout/register/register_pdf.html",
        {"register": register, "place": register.province.place_name, "areas": area_names(register)},
    )


def service_record_pdf(request, record: ServiceRecord) -> bytes:
    officer = record.officer
    return _pdf(
        request,
        "rollout/register/service_record_pdf.html",
        {"record": record, "officer": officer, "place": officer.province.place_name},
    )
