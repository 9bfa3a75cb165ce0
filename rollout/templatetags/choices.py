"""``{% select_options field %}``: a choice field's ``<option>`` elements, built in Python. A list's filter of
districts holds every district the user sees (691 for the whole country); rendering them through the template
language, an option at a time, took about 50 ms of the page."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def select_options(field):
    """The options of the bound choice ``field``, the current value selected: what ``field.subwidgets`` gives,
    without building a widget per option. Values and labels are escaped here."""
    value = field.value()
    selected = {str(v) for v in value} if isinstance(value, list | tuple) else {"" if value is None else str(value)}
    options = []
    for choice, label in field.field.choices:
        key = str(choice)
        mark = " selected" if key in selected else ""
        options.append(f'<option value="{escape(key)}"{mark}>{escape(str(label))}</option>')
    return mark_safe("".join(options))  # noqa: S308 - every value and label is escaped above
