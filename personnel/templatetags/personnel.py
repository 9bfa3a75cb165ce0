from django import template
from django.utils.formats import date_format

from personnel.identifiers import can_see_identifiers, mask

register = template.Library()


@register.simple_tag(takes_context=True)
def identifier(context, value):
    """A personal identifier, masked unless the signed-in user may see it."""
    request = context.get("request")
    if request is not None and can_see_identifiers(request.user):
        if hasattr(value, "year"):
            return date_format(value, "SHORT_DATE_FORMAT")
        return value or ""
    return mask(value)


STATUS_COLOURS = {
    "candidate": "secondary",
    "vetted": "info",
    "in_training": "warning",
    "ready": "primary",
    "deployed": "success",
    "withdrawn": "dark",
}


@register.inclusion_tag("includes/officer_status.html")
def officer_status(officer):
    return {"status": officer.status, "label": officer.get_status_display(), "colour": STATUS_COLOURS[officer.status]}
