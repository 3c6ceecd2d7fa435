"""The batch screen's "Made from" section: the lots a batch was made from (one step up),
recorded and removed by the cooperative that made it.

The rules (same cooperative, not made later, no cycle, a sensible quantity, a recalled
output closed) are ``services.batch_add_input``'s; a refusal comes back as a form error on
the batch screen with status 400, and nothing is recorded.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marketplace.forms import ControlCharacterChecks
from marketplace.middleware import forms_check_control_characters

from . import vocab
from .admin_views import _batch_for, _can_manage, _render, batch_url
from .models import Batch, BatchInput
from .services import TraceabilityError, batch_add_input, batch_remove_input

SECTION = "#batch-inputs"


class LotChoiceField(forms.ModelChoiceField):
    """Offers the lots that could be inputs; reads any lot of the cooperative, so that the
    service says why one cannot be (itself, made later) instead of "not a choice"."""

    def __init__(self, *args, lookup, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup = lookup

    def to_python(self, value):
        if value in self.empty_values:
            return None
        invalid = ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        try:
            pk = int(str(value))
        except ValueError:
            raise invalid from None
        if not 0 < pk < 2**63:  # beyond a bigint the database would fail, not say "no"
            raise invalid
        try:
            return self.lookup.get(pk=pk)
        except Batch.DoesNotExist:
            raise invalid from None

    def label_from_instance(self, obj) -> str:
        return (
            f"{obj.lot} · {obj.variant.page.title} — {obj.variant.unit_label}"
            f" ({obj.production_date:%d/%m/%Y})"
        )


class BatchInputForm(ControlCharacterChecks, forms.Form):
    input_batch = LotChoiceField(
        label=gettext_lazy("Made from lot"),
        queryset=Batch.objects.none(),
        lookup=Batch.objects.none(),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose one of this cooperative's lots: an input comes from the same cooperative."
            )
        },
    )
    # Text: the service reads the number and says what is wrong with it ("abc", "-1", 1e999).
    quantity = forms.CharField(
        label=gettext_lazy("Quantity used"),
        max_length=32,
        help_text=gettext_lazy("How much of that lot went into this one, e.g. 12.5"),
    )
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=vocab.UNIT_CHOICES, initial="H87")

    def clean_quantity(self) -> str:
        """Vietnamese writes 12,5 and 1.200,5: with a comma, dots group thousands and the
        comma is the decimal mark. Without one, the number is read as it is (12.5)."""
        text = self.cleaned_data["quantity"].strip()
        if "," in text:
            text = text.replace(".", "").replace(",", ".", 1)
        return text

    def __init__(self, *args, output: Batch, **kwargs):
        super().__init__(*args, **kwargs)
        same_cooperative = Batch.objects.filter(cooperative_id=output.cooperative_id)
        field = self.fields["input_batch"]
        field.lookup = same_cooperative
        # What can be chosen: made no later than this lot, not itself, not already an input.
        field.queryset = (
            same_cooperative.filter(production_date__lte=output.production_date)
            .exclude(pk=output.pk)
            .exclude(outputs__output=output)
            .select_related("variant__page")
            .order_by("-production_date", "lot")
        )


def _quantity_label(value: Decimal) -> str:
    """12.500 → "12,5" (in Vietnamese), 40.000 → "40"."""
    return number_format(Decimal(format(value.normalize(), "f")))


def inputs_context(batch: Batch) -> dict:
    """What ``admin/_batch_inputs.html`` reads, for the batch screen's context."""
    units = dict(vocab.UNIT_CHOICES)
    rows = (
        BatchInput.objects.filter(output=batch)
        .select_related("input__variant__page", "input__cooperative")
        .order_by("pk")
    )
    return {
        "batch_inputs": [
            {
                "row": row,
                "input": row.input,
                "quantity": _quantity_label(row.quantity),
                "unit": units.get(row.unit, row.unit),
            }
            for row in rows
        ],
        "input_form": BatchInputForm(output=batch),
    }


@forms_check_control_characters  # the form says which field held a NUL, keeping the rest
@require_POST
def batch_input_add(request, pk: int):
    batch = _batch_for(request, pk)
    if not _can_manage(request, batch):
        raise PermissionDenied
    form = BatchInputForm(request.POST, output=batch)
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = batch_add_input(
                output=batch,
                input_batch=data["input_batch"],
                quantity=data["quantity"],
                unit=data["unit"],
                user=request.user,
            )
        except TraceabilityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Recorded: this lot was made from lot %(lot)s.") % {"lot": row.input.lot},
            )
            return redirect(batch_url(batch) + SECTION)
    response = _render(request, batch, status=400)
    response.context_data["input_form"] = form
    return response


@require_POST
def batch_input_remove(request, pk: int, row_pk: int):
    batch = _batch_for(request, pk)
    if not _can_manage(request, batch):
        raise PermissionDenied
    row = get_object_or_404(
        BatchInput.objects.select_related("output", "input"), pk=row_pk, output=batch
    )
    try:
        batch_remove_input(row=row, user=request.user)
    except TraceabilityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Lot %(lot)s is no longer recorded as an input.") % {"lot": row.input.lot}
        )
    return redirect(batch_url(batch) + SECTION)
