from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .locations import ward_choices


class CooperativeForm(WagtailAdminModelForm):
    ward_code = forms.TypedChoiceField(
        label=_("commune / ward"),
        coerce=int,
        choices=[("", "---------"), *ward_choices()],
        help_text=_("Communes and wards since July 2025, grouped by province."),
    )
