"""Admin forms of traceability: each validates input, the services apply the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from catalog.models import ProductVariant
from marketplace.roles import member_cooperative_ids

from .labels import LAYOUT_CHOICES


class BatchForm(WagtailAdminModelForm):
    """A member picks among its own cooperative's variants; lot and product are frozen once
    stamps exist (every printed stamp names them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("variant")
        if field is not None:
            variants = ProductVariant.objects.select_related("page").filter(gtin__isnull=False)
            ids = member_cooperative_ids(self.for_user) if self.for_user else None
            if ids is not None:
                variants = variants.filter(page__cooperative_id__in=ids)
            field.queryset = variants.order_by("page__title", "sort_order")
            field.label_from_instance = lambda v: f"{v.page.title} — {v.unit_label} ({v.gtin})"

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and instance.stamps.exists():
            for name in ("variant", "lot"):
                if name in self.changed_data:
                    self.add_error(
                        name,
                        _("Stamps were issued with this value: it cannot change any more."),
                    )
        return cleaned


class StampOrderForm(forms.Form):
    count = forms.IntegerField(label=_("Number of stamps"), min_value=1)
    layout = forms.ChoiceField(label=_("Label sheet"), choices=LAYOUT_CHOICES, initial="a4-65")


class RecallForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the recall"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class VoidForm(forms.Form):
    number_from = forms.IntegerField(label=_("From stamp no."), min_value=1)
    number_to = forms.IntegerField(label=_("To stamp no."), min_value=1, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class FlagReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Finding"),
        choices=[
            ("explained", _("Explained: not a fake (e.g. a sample on a fair stand)")),
            ("confirmed", _("Confirmed: suspected fake (keep warning shoppers)")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What you found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )
