"""``{% select_options %}`` renders a choice field's options as the template loop over ``field.subwidgets`` did."""

import pytest
from django import forms
from django.template import Context, Template

from communes.models import District

LOOP = ('{% for option in field.subwidgets %}<option value="{{ option.data.value }}"{% if option.data.selected %}'
        ' selected{% endif %}>{{ option.data.label }}</option>{% endfor %}')  # fmt: skip


class _Form(forms.Form):
    district = forms.ModelChoiceField(queryset=District.objects.order_by("code"), required=False,
                                      empty_label="Tất cả huyện")  # fmt: skip
    kind = forms.ChoiceField(choices=[("", "Mọi loại"), ("a&b", 'Xã "biên giới" <b>'), ("x", "Phường")])


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{}, {"district": "610", "kind": "a&b"}, {"district": "nope", "kind": "x"}])
def test_the_options_are_those_of_the_template_loop(kon_tum, data):
    form = _Form(data or None)
    for name in ("district", "kind"):
        field = form[name]
        loop = Template(LOOP).render(Context({"field": field}))
        tag = Template("{% load choices %}{% select_options field %}").render(Context({"field": field}))
        assert tag == loop
    assert "&lt;b&gt;" in Template("{% load choices %}{% select_options f %}").render(Context({"f": form["kind"]}))
