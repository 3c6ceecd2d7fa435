"""Marketplace core: users, cooperatives (sellers), memberships and roles.

This app depends on no other project app; catalog, traceability, orders and cms build on it.
"""

import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .locations import UnknownLocation, get_province, get_ward, province_choices
from .storage import private_files_storage

phone_validator = RegexValidator(
    r"^(\+84|0)[0-9]{9,10}$", _("Enter a Vietnamese phone number, e.g. 0912345678.")
)
registration_number_validator = RegexValidator(
    r"^[0-9]{10}(-[0-9]{3})?$", _("10 digits, e.g. 4600123456.")
)
# Vietnamese tax codes: 10 digits, or 10 + "-" + 3 for a branch (Circular 105/2020/TT-BTC).
tax_code_validator = RegexValidator(
    r"^[0-9]{10}(-[0-9]{3})?$", _("A tax code is 10 digits, or 10-3 for a branch.")
)


def validate_location(province_code, ward_code) -> None:
    """The commune must exist and lie in the province (two-tier units since July 2025)."""
    if province_code is None or ward_code is None:
        return
    try:
        get_province(province_code)
    except UnknownLocation:
        raise ValidationError({"province_code": _("Unknown province.")}) from None
    try:
        ward = get_ward(ward_code)
    except UnknownLocation:
        raise ValidationError(
            {"ward_code": _("Unknown commune/ward code %(code)s.") % {"code": ward_code}}
        ) from None
    if ward.province_code.value != province_code:
        raise ValidationError(
            {"ward_code": _("%(ward)s is not in the chosen province.") % {"ward": ward.name}}
        )


class User(AbstractUser):
    """Every person: shoppers, cooperative members, inspectors and operators."""

    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[phone_validator])
    # When the shopper opened the link sent to ``email`` (None: not confirmed yet). Orders work
    # before that; the account page asks for it.
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    # The language the account's e-mails are written in: the one the shopper signed up or last
    # asked for a link in.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def is_member_of(self, cooperative: "Cooperative") -> bool:
        return self.memberships.filter(cooperative=cooperative).exists()


class Role(models.TextChoices):
    """Province-wide roles, held as Django groups (see ``roles.py``)."""

    OPERATOR = "operator", _("Operator (province OCOP office)")
    INSPECTOR = "inspector", _("Inspector")


class Cooperative(models.Model):
    """A seller: a cooperative (HTX) or a household business producing OCOP goods."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    registration_number = models.CharField(
        _("registration number"),
        max_length=20,
        unique=True,
        validators=[registration_number_validator],
        help_text=_("Business registration number of the cooperative (HTX)."),
    )
    tax_code = models.CharField(
        _("tax code"), max_length=14, blank=True, validators=[tax_code_validator]
    )
    province_code = models.PositiveSmallIntegerField(_("province"), choices=province_choices)
    ward_code = models.PositiveIntegerField(
        _("commune / ward code"),
        help_text=_("Code of the commune or ward (two-tier units since July 2025)."),
    )
    address_line = models.CharField(_("address"), max_length=255, blank=True)
    old_place_name = models.CharField(
        _("former place name"),
        max_length=255,
        blank=True,
        help_text=_("Name before the 2025 merger, as the stories use it."),
    )
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    founded_year = models.PositiveSmallIntegerField(_("founded in"), null=True, blank=True)
    # Where the cooperative's market-stall VietQR sends money (its own bank account).
    bank_bin = models.CharField(
        _("bank BIN"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{6}$", _("The bank's 6-digit NAPAS BIN, e.g. 970405."))],
    )
    bank_account_number = models.CharField(
        _("bank account number"),
        max_length=19,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Za-z]{1,19}$", _("Letters and digits only."))],
    )
    bank_account_name = models.CharField(_("account holder"), max_length=70, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    group = models.OneToOneField(
        Group,
        verbose_name=_("admin group"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="cooperative",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        validate_location(self.province_code, self.ward_code)

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def province_name(self) -> str:
        return get_province(self.province_code).name

    @property
    def ward_name(self) -> str:
        return get_ward(self.ward_code).name

    @property
    def location_label(self) -> str:
        """``Xã La Bằng, Thái Nguyên``"""
        return f"{self.ward_name}, {self.province_name}"


class Membership(models.Model):
    """A user's place in a cooperative; owners manage members, staff manage listings."""

    class Role(models.TextChoices):
        OWNER = "owner", pgettext_lazy("cooperative member", "Owner")
        STAFF = "staff", _("Staff")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "cooperative"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.cooperative} ({self.get_role_display()})"


class CooperativeApplication(models.Model):
    """A cooperative asking to sell on the market, as it registered on the storefront.

    Operators approve it (``cms.services.cooperative_approve`` creates the cooperative, its
    page, admin group, image folder and owner account) or reject it with a reason; either
    way the applicant is e-mailed. The registration document is kept in private storage and
    only operators download it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", pgettext_lazy("registration", "Rejected")

    name = models.CharField(_("cooperative name"), max_length=200)
    registration_number = models.CharField(
        _("HTX registration number"), max_length=20, validators=[registration_number_validator]
    )
    tax_code = models.CharField(_("tax code"), max_length=14, validators=[tax_code_validator])
    province_code = models.PositiveSmallIntegerField(_("province"), choices=province_choices)
    ward_code = models.PositiveIntegerField(_("commune / ward"))
    address_line = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120)
    phone = models.CharField(_("phone"), max_length=16, validators=[phone_validator])
    email = models.EmailField(_("e-mail"))
    document = models.FileField(
        _("registration document"),
        upload_to="registrations/%Y/%m/",
        storage=private_files_storage,
        max_length=200,
    )
    document_name = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=8, default="vi")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cooperative = models.OneToOneField(
        Cooperative,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="application",
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cooperative registration")
        verbose_name_plural = _("cooperative registrations")
        ordering = ["-created_at"]
        constraints = [
            # One open application per registration number: a second waits for the first.
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=Q(status="pending"),
                name="one_pending_application_per_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.registration_number})"

    def clean(self) -> None:
        super().clean()
        validate_location(self.province_code, self.ward_code)

    @property
    def location_label(self) -> str:
        try:
            return f"{get_ward(self.ward_code).name}, {get_province(self.province_code).name}"
        except UnknownLocation:
            return ""

    @property
    def days_waiting(self) -> int:
        return (timezone.now() - self.created_at).days if self.created_at else 0


class Invitation(models.Model):
    """An owner's invitation of a staff member by e-mail. The link carries a signed token
    (``marketplace.invitations``) that expires and works once."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        max_length=16, choices=Membership.Role.choices, default=Membership.Role.STAFF
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # In the signed link: a link of a replaced invitation (same row id after a restore,
    # say) cannot be replayed against another.
    nonce = models.CharField(max_length=32, editable=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.cooperative}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @staticmethod
    def expiry_from(now: datetime.datetime) -> datetime.datetime:
        return now + datetime.timedelta(days=settings.COOPERATIVE_INVITATION_DAYS)


class OutboxMessage(models.Model):
    """A Celery task to send once the transaction commits, kept until the broker took it.

    Side effects (e-mails, index updates) are written here in the same transaction as the
    change they follow, so a broker outage delays them instead of failing the request;
    ``marketplace.outbox.drain`` sends what is left when the broker is back.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task}({self.kwargs})"


class LoginLock(AccessAttempt):
    """django-axes' failed-login record for one username and address, as the admin's Login
    locks screen shows it (``lock_admin.py``); deleting it lifts the lock."""

    class Meta:
        proxy = True
        verbose_name = _("login lock")
        verbose_name_plural = _("login locks")

    def __str__(self) -> str:
        return f"{self.username} · {self.ip_address}"


class ApiToken(models.Model):
    """A key to the REST API. A cooperative's (a shop, a packing app) is created in the admin
    by one of its owners and acts for that cooperative alone, within its scopes; a shopper's
    (an app of theirs) is created on their account page and acts as them on the shopper's
    endpoints. Only the SHA-256 of the token is kept: the token itself is shown once, when it
    is made (``marketplace.api.tokens``). It works until it expires or is revoked."""

    class Scope(models.TextChoices):
        CATALOG = "catalog", _("Catalogue: stock and prices")
        ORDERS = "orders", _("Orders: sub-orders and their moves")
        TRACEABILITY = "traceability", _("Traceability: batches, events, stamps, EPCIS")

    # A shopper's token holds this one scope (not a cooperative's choice).
    SHOPPER_SCOPE = "shopper"

    class RevokeReason(models.TextChoices):
        LEAKED = "leaked", _("It leaked (seen where it should not be)")
        MISUSED = "misused", _("Suspicious or abusive use")
        NOT_USED = "not_used", _("No longer used")
        OTHER = "other", _("Another reason (say which)")

    # A cooperative's token, or a shopper's own (``shopper``: an app of theirs reading their
    # cart and orders as them, made on their account page). Exactly one of the two.
    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
        null=True,
        blank=True,
    )
    shopper = models.ForeignKey(
        User,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
        null=True,
        blank=True,
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses it, e.g. “Packing app, warehouse 2”.")
    )
    # The first characters, to recognise a token in a list; the rest is never kept.
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why it was revoked: the province office must say (a leak it was told of); an owner may.
    revoked_reason = models.CharField(
        _("reason for revoking"), max_length=20, choices=RevokeReason.choices, blank=True
    )
    revoked_note = models.CharField(_("revoking note"), max_length=300, blank=True)
    # Revoked by the province office rather than one of the cooperative's owners (as they were
    # when it happened: what the owners are told).
    revoked_by_office = models.BooleanField(_("revoked by the office"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cooperative__isnull=False, shopper__isnull=True)
                | models.Q(cooperative__isnull=True, shopper__isnull=False),
                name="api_token_one_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
