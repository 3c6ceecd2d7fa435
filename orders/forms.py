from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.forms import ProvinceWardMixin, clean_vietnamese_phone

from .models import PaymentMethod
from .services import Customer, card_payments_enabled


class CheckoutForm(ProvinceWardMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        help_text=_("A Vietnamese number: the courier calls it."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("For the confirmation and the tracking link.")
    )
    province = forms.TypedChoiceField(label=_("Province / city"), coerce=int, choices=())
    ward = forms.TypedChoiceField(label=_("Commune / ward"), coerce=int, choices=())
    address_line = forms.CharField(
        label=_("House number, street, village"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    delivery_note = forms.CharField(
        label=_("Note for the delivery"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    payment_method = forms.ChoiceField(
        label=_("Payment"), widget=forms.RadioSelect, choices=(), initial=PaymentMethod.VIETQR
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_province_ward()
        methods = [(PaymentMethod.VIETQR, _("VietQR bank transfer (any Vietnamese bank app)"))]
        if card_payments_enabled():
            methods.insert(0, (PaymentMethod.CARD, _("Card (Visa, Mastercard, JCB)")))
        methods.append((PaymentMethod.COD, _("Cash on delivery")))
        self.fields["payment_method"].choices = methods
        for name in ("full_name", "email"):
            self.fields[name].widget.attrs["autocomplete"] = {"full_name": "name"}.get(name, name)

    def clean_phone(self) -> str:
        return clean_vietnamese_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        self.check_province_ward(data)
        return data

    def customer(self) -> Customer:
        data = self.cleaned_data
        return Customer(
            full_name=data["full_name"].strip(),
            phone=data["phone"],
            email=data["email"],
            province_code=data["province"],
            ward_code=data["ward"],
            address_line=data["address_line"].strip(),
            delivery_note=data.get("delivery_note", "").strip(),
        )


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=80)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RefundForm(forms.Form):
    amount = forms.IntegerField(label=_("Amount (đồng)"), min_value=1)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=120,
        required=False,
        help_text=_("Bank transfer reference or receipt number (card refunds: leave empty)."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)


class ConfirmTransferForm(forms.Form):
    reference = forms.CharField(
        label=_("Bank transaction reference"),
        max_length=100,
        help_text=_("As it appears on the bank statement."),
    )


class HandledForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=255,
        help_text=_("E.g. matched by hand to order DH…, or refunded to the sender."),
    )
