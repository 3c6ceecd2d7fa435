import datetime
import secrets

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .locations import ward_choices
from .periods import market_tz


def normalize_phone(value: str) -> str:
    """``+84 912 345 678`` / ``0912.345.678`` -> ``0912345678``."""
    digits = "".join(ch for ch in value if ch.isdigit() or ch == "+")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


class CooperativeForm(WagtailAdminModelForm):
    ward_code = forms.TypedChoiceField(
        label=_("commune / ward"),
        coerce=int,
        choices=[("", "---------"), *ward_choices()],
        help_text=_("Communes and wards since July 2025, grouped by province."),
    )


def clean_vietnamese_phone(value: str) -> str:
    """A Vietnamese phone number as typed (``+84 912 345 678``) -> ``0912345678``, or a
    form error."""
    from django.core.exceptions import ValidationError

    from .models import phone_validator

    phone = normalize_phone(value)
    try:
        phone_validator(phone)
    except ValidationError:
        raise ValidationError(
            _("Enter a Vietnamese phone number, e.g. 0912345678 or +84912345678.")
        ) from None
    return phone


class ControlCharacterChecks:
    """Every text field refuses control characters (NUL and the other C0 characters but tab
    and line breaks) with a message beside the field: Django's own check stops at NUL."""

    def clean(self):
        from .middleware import CONTROL

        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str) and CONTROL.search(value):
                self.add_error(
                    name,
                    _(
                        "This holds a control character (such as a NUL byte) that no text "
                        "can contain: type it again."
                    ),
                )
        return data


class OneTimeForms:
    """The ids of a session's open forms under ``key`` (the ``kept`` latest), each spent by
    one successful send: a form sent again (a reload, a double tap) makes nothing twice."""

    def __init__(self, key: str, kept: int = 10):
        self.key, self.kept = key, kept

    def open(self, request) -> str:
        form_id = secrets.token_urlsafe(16)
        pending = request.session.get(self.key, [])
        request.session[self.key] = [*pending, form_id][-self.kept :]
        return form_id

    def is_open(self, request, form_id: str) -> bool:
        return bool(form_id) and form_id in request.session.get(self.key, [])

    def spend(self, request, form_id: str) -> None:
        pending = request.session.get(self.key, [])
        request.session[self.key] = [f for f in pending if f != form_id]


class TokenFormMixin:
    """An API token's form (a cooperative's in the admin, a shopper's on the account page):
    its name with spaces collapsed, and an optional expiry day, today or later, that ends at
    midnight Vietnam time. Forms pass ``today``."""

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["expires_on"].widget.attrs["min"] = today.isoformat()

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < self.today:
            raise forms.ValidationError(gettext("Choose today or a later day."))
        return day

    @property
    def expires_at(self):
        """The end of the chosen day in Vietnam, as an aware time."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return datetime.datetime.combine(day, datetime.time.max, tzinfo=market_tz())


class ProvinceWardMixin:
    """A province select and its communes (filled by ``static/marketplace/ward-picker.js``),
    checked as a pair: a commune of another province is refused."""

    province_field = "province"
    ward_field = "ward"

    def setup_province_ward(self) -> None:
        from .locations import province_choices, ward_choices_for

        self.fields[self.province_field].choices = [("", _("Choose…")), *province_choices()]
        province = self.data.get(self.add_prefix(self.province_field)) or self.initial.get(
            self.province_field
        )
        self.fields[self.ward_field].choices = [("", _("Choose…")), *ward_choices_for(province)]

    def check_province_ward(self, data: dict) -> None:
        from .locations import UnknownLocation, get_ward

        province, ward = data.get(self.province_field), data.get(self.ward_field)
        if province and ward:
            try:
                if get_ward(ward).province_code.value != province:
                    self.add_error(
                        self.ward_field, _("This commune is not in the chosen province.")
                    )
            except UnknownLocation:
                self.add_error(self.ward_field, _("Unknown commune."))


def check_document(upload) -> str:
    """A registration document: a PDF, JPEG or PNG up to ``COOPERATIVE_DOCUMENT_MAX_BYTES``,
    judged by its content, not its name (``marketplace.uploads``). Returns the extension it is
    stored under."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from .uploads import document_kind

    limit = settings.COOPERATIVE_DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
            % {"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)}
        )
    kind = document_kind(upload)
    if kind is None:
        raise ValidationError(_("Upload the document as a PDF file or a photo (JPEG or PNG)."))
    return f".{kind}"


class RegistrationForm(ControlCharacterChecks, ProvinceWardMixin, forms.ModelForm):
    """A cooperative asks to sell on the market (the storefront's registration page)."""

    province = forms.TypedChoiceField(label=_("Province / city"), coerce=int, choices=())
    ward = forms.TypedChoiceField(label=_("Commune / ward"), coerce=int, choices=())
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    document = forms.FileField(
        label=_("Registration document"),
        help_text=_(
            "The cooperative's registration certificate (giấy chứng nhận đăng ký HTX): "
            "a PDF or a photo, at most 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,image/jpeg,image/png"}),
    )

    class Meta:
        from .models import CooperativeApplication

        model = CooperativeApplication
        fields = [
            "name",
            "registration_number",
            "tax_code",
            "address_line",
            "contact_name",
            "email",
        ]

    field_order = [
        "name",
        "registration_number",
        "tax_code",
        "province",
        "ward",
        "address_line",
        "contact_name",
        "phone",
        "email",
        "document",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_province_ward()

    def clean_registration_number(self) -> str:
        from .models import Cooperative, CooperativeApplication

        number = self.cleaned_data["registration_number"].strip()
        if Cooperative.objects.filter(registration_number=number).exists():
            raise forms.ValidationError(
                _("A cooperative with this registration number already sells on the market.")
            )
        if CooperativeApplication.objects.filter(
            registration_number=number, status=CooperativeApplication.Status.PENDING
        ).exists():
            raise forms.ValidationError(
                _("A registration with this number is already waiting for approval.")
            )
        return number

    def clean_phone(self) -> str:
        return clean_vietnamese_phone(self.cleaned_data["phone"])

    def clean_document(self):
        upload = self.cleaned_data["document"]
        self.document_extension = check_document(upload)
        return upload

    def clean(self):
        data = super().clean()
        self.check_province_ward(data)
        return data

    def save(self, commit=True):
        import uuid
        from pathlib import PurePath

        application = super().save(commit=False)
        data = self.cleaned_data
        application.province_code = data["province"]
        application.ward_code = data["ward"]
        application.phone = data["phone"]
        upload = data["document"]
        # The stored name is ours: nothing of the uploaded name reaches the disk.
        name = "".join(ch for ch in PurePath(upload.name).name if ch.isprintable())
        application.document_name = name[-120:]
        upload.name = f"{uuid.uuid4().hex}{self.document_extension}"
        application.document = upload
        return application


class JoinForm(forms.Form):
    """A new account for an invited staff member (the e-mail is the invitation's)."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; you sign in with it."),
    )
    first_name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput, max_length=128
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        from django.contrib.auth.validators import UnicodeUsernameValidator

        from .models import User

        username = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken: choose another."))
        return username

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        from .models import User

        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(username=data.get("username", ""), email=self.email)
            try:
                validate_password(first, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
