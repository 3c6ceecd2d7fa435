"""Traceability: production batches (lots), EPCIS trace events, signed stamps, scans,
inspections and anomaly flags.

State changes of batches and stamps go through ``traceability.states`` (one transition table
per aggregate) and are audited in ``StatusChange``. Write rules live in ``services.py``.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel

from catalog.models import ProductVariant
from marketplace.locations import UnknownLocation, get_ward
from marketplace.models import Cooperative

from . import vocab
from .digital_link import LINK_TOO_LONG, InvalidLot, stamp_fits_qr, stamp_uri, validate_lot
from .storage import print_files_storage


class Batch(ClusterableModel):
    """A production lot of one variant: what a stamp's AI (10) names."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RELEASED = "released", _("Released")
        RECALLED = "recalled", _("Recalled")

    variant = models.ForeignKey(
        ProductVariant,
        verbose_name=_("product variant"),
        on_delete=models.PROTECT,
        related_name="batches",
    )
    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.PROTECT,
        related_name="batches",
        editable=False,
    )
    # Denormalised from the variant so the lot stays unique per GTIN in the database.
    gtin = models.CharField(_("GTIN"), max_length=14, editable=False)
    lot = models.CharField(
        _("lot code"),
        max_length=20,
        help_text=_("GS1 batch/lot number (AI 10): up to 20 letters, digits and - . _ / etc."),
    )
    production_date = models.DateField(_("harvest / production date"))
    best_before = models.DateField(_("best before"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity (units)"), validators=[MinValueValidator(1)])
    field_area = models.CharField(_("field / area"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True, editable=False)
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True, editable=False)
    recall_reason = models.TextField(_("recall reason"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Changes with every save (events edited, released, recalled): keys the resolver's cache.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    panels = [
        FieldPanel("variant"),
        FieldRowPanel([FieldPanel("lot"), FieldPanel("quantity")]),
        FieldRowPanel([FieldPanel("production_date"), FieldPanel("best_before")]),
        FieldPanel("field_area"),
        FieldPanel("notes"),
        InlinePanel("events", label=_("Trace events")),
    ]

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-production_date", "lot"]
        constraints = [
            models.UniqueConstraint(fields=["gtin", "lot"], name="unique_lot_per_gtin"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="batch_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} · {self.variant}" if self.variant_id else self.lot

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.lot:
            self.lot = self.lot.strip()
            try:
                validate_lot(self.lot)
            except InvalidLot as exc:
                errors["lot"] = str(exc)
        if self.variant_id:
            variant = self.variant
            if not variant.gtin:
                errors["variant"] = _("This variant has no GTIN; add one before making batches.")
            else:
                self.gtin = variant.gtin
                self.cooperative_id = variant.page.cooperative_id
                if self.lot and "lot" not in errors and not stamp_fits_qr(self.gtin, self.lot):
                    errors["lot"] = str(LINK_TOO_LONG)
                clash = Batch.objects.filter(gtin=self.gtin, lot=self.lot).exclude(pk=self.pk)
                if self.lot and clash.exists():
                    errors["lot"] = _("This lot code is already used for this product.")
        if self.best_before and self.production_date and self.best_before <= self.production_date:
            errors["best_before"] = _("Best before must follow the production date.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.variant_id and (not self.gtin or not self.cooperative_id):
            self.gtin = self.variant.gtin or ""
            self.cooperative_id = self.variant.page.cooperative_id
        return super().save(*args, **kwargs)

    @property
    def product(self):
        return self.variant.page

    @property
    def is_recalled(self) -> bool:
        return self.status == self.Status.RECALLED


class TraceEvent(models.Model):
    """One EPCIS 2.0 event of a batch: what (the lot), when, where (read point), why."""

    batch = ParentalKey(Batch, on_delete=models.CASCADE, related_name="events")
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    step = models.CharField(
        _("step"),
        max_length=32,
        choices=vocab.STEP_CHOICES,
        help_text=_("Harvest, withering, rolling, drying, packing, inspection, shipping..."),
    )
    event_time = models.DateTimeField(_("time"))
    # The offset at the place the event happened (EPCIS eventTimeZoneOffset).
    time_zone_offset = models.CharField(
        _("time zone offset"), max_length=6, default="+07:00", editable=False
    )
    read_point_ward_code = models.PositiveIntegerField(
        _("commune / ward code"),
        null=True,
        blank=True,
        help_text=_("Where it happened; empty means the cooperative's commune."),
    )
    disposition = models.CharField(
        _("disposition"),
        max_length=32,
        choices=vocab.DISPOSITION_CHOICES,
        blank=True,
        help_text=_("Empty: the usual one for the step."),
    )
    input_quantity = models.DecimalField(
        _("input quantity"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("For processing steps: what went in (e.g. fresh leaves)."),
    )
    output_quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    unit = models.CharField(
        _("unit"), max_length=8, choices=vocab.UNIT_CHOICES, default="KGM", blank=True
    )
    container_sscc = models.CharField(
        _("carton / pallet SSCC"),
        max_length=18,
        blank=True,
        help_text=_("18-digit SSCC of the carton or pallet, for “packing into cartons”."),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldRowPanel([FieldPanel("step"), FieldPanel("event_time")]),
        FieldRowPanel([FieldPanel("read_point_ward_code"), FieldPanel("disposition")]),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("input_quantity"),
                        FieldPanel("output_quantity"),
                        FieldPanel("unit"),
                    ]
                )
            ],
            heading=_("Quantities"),
        ),
        FieldPanel("container_sscc"),
        FieldPanel("note"),
    ]

    class Meta:
        verbose_name = _("trace event")
        verbose_name_plural = _("trace events")
        ordering = ["event_time", "pk"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} · {self.event_time:%Y-%m-%d}"

    def clean(self) -> None:
        super().clean()
        if self.event_time and not (2000 <= self.event_time.year <= 2100):
            raise ValidationError({"event_time": _("Give a date between 2000 and 2100.")})
        if self.read_point_ward_code is not None:
            try:
                get_ward(self.read_point_ward_code)
            except UnknownLocation:
                raise ValidationError(
                    {
                        "read_point_ward_code": _("Unknown commune/ward code %(code)s.")
                        % {"code": self.read_point_ward_code}
                    }
                ) from None
        step = vocab.STEPS.get(self.step)
        if step and step.event_type == vocab.AGGREGATION:
            from biip import ParseError
            from biip.sscc import Sscc

            try:
                self.container_sscc = Sscc.parse((self.container_sscc or "").strip()).value
            except ParseError as exc:
                raise ValidationError(
                    {"container_sscc": _("A valid 18-digit SSCC is needed: %(e)s") % {"e": exc}}
                ) from None
        if (
            step
            and step.event_type == vocab.TRANSFORMATION
            and not (self.input_quantity or self.output_quantity)
        ):
            raise ValidationError(
                {"input_quantity": _("A processing step needs its input or output quantity.")}
            )

    @property
    def ward_code(self) -> int | None:
        if self.read_point_ward_code:
            return self.read_point_ward_code
        return self.batch.cooperative.ward_code if self.batch_id else None

    @property
    def place_name(self) -> str:
        code = self.ward_code
        return get_ward(code).name if code else ""

    @property
    def effective_disposition(self) -> str:
        return self.disposition or vocab.STEPS[self.step].disposition


class StampOrder(models.Model):
    """A job that issues N stamps for a batch and renders their print files."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        ISSUING = "issuing", _("Issuing")
        RENDERING = "rendering", _("Rendering print files")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="stamp_orders")
    count = models.PositiveIntegerField(_("number of stamps"), validators=[MinValueValidator(1)])
    # First per-batch stamp number of this order: numbers run first_number .. first+count-1.
    first_number = models.PositiveIntegerField(editable=False)
    layout = models.CharField(_("label sheet"), max_length=32, default="a4-65")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    issued = models.PositiveIntegerField(default=0)
    rendered = models.PositiveIntegerField(default=0)
    pdf_file = models.FileField(upload_to="stamps/", blank=True, storage=print_files_storage)
    csv_file = models.FileField(upload_to="stamps/", blank=True, storage=print_files_storage)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stamp order")
        verbose_name_plural = _("stamp orders")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gt=0), name="stamp_order_count_positive"),
            models.UniqueConstraint(
                fields=["batch", "first_number"], name="unique_stamp_order_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch.lot}: {self.count}"

    @property
    def last_number(self) -> int:
        return self.first_number + self.count - 1

    @property
    def progress_percent(self) -> int:
        # Issuing is the long part; rendering both files counts as the last fifth.
        if self.status == self.Status.DONE:
            return 100
        issued = self.issued / self.count if self.count else 0
        rendered = self.rendered / self.count if self.count else 0
        return int(80 * issued + 20 * rendered)


class Stamp(models.Model):
    """One signed GS1 Digital Link stamp: /01/{gtin}/10/{lot}/21/{serial}?s={kid}.{sig}"""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ACTIVE = "active", pgettext_lazy("stamp", "Active")
        # Packed into a shopper's parcel (``ParcelStamp`` says which order line).
        SHIPPED = "shipped", _("Shipped")
        RECALLED = "recalled", _("Recalled")
        VOIDED = "voided", _("Voided")

    # No single-column indexes: (batch, number) and (order, number) below lead with them, and
    # every index costs each of the 180,000 rows an order COPYs in.
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="stamps", db_index=False
    )
    order = models.ForeignKey(
        StampOrder, on_delete=models.PROTECT, related_name="stamps", db_index=False
    )
    number = models.PositiveIntegerField(_("number in batch"))
    gtin = models.CharField(max_length=14)
    serial = models.CharField(max_length=20)
    key_id = models.CharField(max_length=32)
    signature = models.CharField(max_length=88)
    # The server's receipt for the signature (signing.row_tag): scans of this stamp need no
    # Ed25519 check. Empty for stamps issued before tags (checked with Ed25519). A database
    # default, as issuing COPYs rows.
    tag = models.CharField(max_length=22, blank=True, default="", db_default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ISSUED)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Scan summary, updated in bulk when the scan buffer is flushed.
    scan_count = models.PositiveIntegerField(default=0)
    first_scanned_at = models.DateTimeField(null=True, blank=True)
    first_scan_province = models.PositiveSmallIntegerField(null=True, blank=True)
    last_scanned_at = models.DateTimeField(null=True, blank=True)
    # The last scan that named a province, and when: what the two-provinces rule compares.
    last_scan_province = models.PositiveSmallIntegerField(null=True, blank=True)
    last_province_scan_at = models.DateTimeField(null=True, blank=True)
    # Scans an operator explained when reviewing a "too many scans" flag (a sample on a fair
    # stand): the rule counts only the scans after them. A database default, as issuing
    # COPYs rows without it.
    scans_explained = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("stamp")
        verbose_name_plural = _("stamps")
        constraints = [
            models.UniqueConstraint(fields=["gtin", "serial"], name="unique_serial_per_gtin"),
            models.UniqueConstraint(fields=["batch", "number"], name="unique_stamp_number"),
        ]
        indexes = [models.Index(fields=["order", "number"])]

    def __str__(self) -> str:
        return f"{self.batch.lot} #{self.number}"

    @property
    def uri(self) -> str:
        return stamp_uri(
            settings.TRACE_RESOLVER_BASE_URL,
            self.gtin,
            self.batch.lot,
            self.serial,
            f"{self.key_id}.{self.signature}",
        )


class BatchInput(models.Model):
    """One step up: a batch made from another batch (a gift box of two teas, dried fruit from
    a harvest lot), with the quantity of the input used. Exported as an EPCIS
    TransformationEvent (input lots → output lot); a recall of the input reaches the output's
    buyers. ``traceability.services.batch_add_input`` refuses cycles and foreign lots."""

    output = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="inputs")
    input = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="outputs")
    quantity = models.DecimalField(
        _("quantity used"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(0)],
    )
    unit = models.CharField(_("unit"), max_length=8, choices=vocab.UNIT_CHOICES, default="H87")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("batch input")
        verbose_name_plural = _("batch inputs")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["output", "input"], name="unique_batch_input"),
            models.CheckConstraint(
                condition=~Q(output=models.F("input")), name="batch_input_not_itself"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="batch_input_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.input.lot} → {self.output.lot}"


class LineLot(models.Model):
    """One step down: units of an order line filled from a batch, recorded when packing.

    ``stamped`` of them were packed by scanning their stamps (``ParcelStamp``); the rest were
    recorded by choosing the batch (a product the cooperative does not stamp).
    """

    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="lots")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="line_lots")
    quantity = models.PositiveIntegerField(_("quantity"))
    stamped = models.PositiveIntegerField(default=0)
    packed_at = models.DateTimeField(_("packed at"), auto_now=True)
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("packed lot")
        verbose_name_plural = _("packed lots")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["line", "batch"], name="unique_line_lot"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_lot_positive"),
            models.CheckConstraint(
                condition=Q(stamped__lte=models.F("quantity")), name="line_lot_stamped_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.batch.lot}"


class ParcelStamp(models.Model):
    """A stamp packed into a parcel: which order line it went out with (one parcel only)."""

    stamp = models.OneToOneField(
        Stamp, on_delete=models.CASCADE, primary_key=True, related_name="parcel"
    )
    line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.CASCADE, related_name="parcel_stamps"
    )
    packed_at = models.DateTimeField(_("packed at"), auto_now_add=True)
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("packed stamp")
        verbose_name_plural = _("packed stamps")
        ordering = ["packed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.stamp_id} → line {self.line_id}"


class RecallNotice(models.Model):
    """A shopper told of a recall: one per recalled batch and order, so a recall sent again
    (or reaching the same order through two lots) e-mails nobody twice."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="recall_notices")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="recall_notices"
    )
    # The lots of the recalled batch (or made from it) that this order received.
    lots = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recall notice")
        verbose_name_plural = _("recall notices")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "order"], name="one_recall_notice_per_order")
        ]

    def __str__(self) -> str:
        return f"{self.batch.lot} → {self.order_id}"


class RecallRun(models.Model):
    """A recall's reach or a recall drill (mock recall): who, when, how long, what it found."""

    class Kind(models.TextChoices):
        RECALL = "recall", _("Recall")
        DRILL = "drill", _("Recall drill")

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="recall_runs")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    duration_ms = models.PositiveIntegerField(_("took (ms)"), default=0)
    counts = models.JSONField(_("counts"), default=dict)

    class Meta:
        verbose_name = _("recall run")
        verbose_name_plural = _("recall runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.batch.lot}"


class StatusChange(models.Model):
    """Audit row of one state change: a batch, one stamp or a range of stamps."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="status_changes")
    subject = models.CharField(max_length=16)  # "batch" or "stamp"
    number_from = models.PositiveIntegerField(null=True, blank=True)
    number_to = models.PositiveIntegerField(null=True, blank=True)
    affected = models.PositiveIntegerField(default=1)
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} {self.from_status} → {self.to_status}"

    def _label(self, value: str) -> str:
        choices = Batch.Status if self.subject == "batch" else Stamp.Status
        return str(dict(choices.choices).get(value, value))

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)

    @property
    def subject_label(self) -> str:
        return str(_("batch") if self.subject == "batch" else _("stamps"))


class Scan(models.Model):
    """One online look-up of a stamp, written in bulk from the scan buffer."""

    stamp = models.ForeignKey(
        Stamp, null=True, blank=True, on_delete=models.CASCADE, related_name="scans"
    )
    gtin = models.CharField(max_length=14, blank=True)
    lot = models.CharField(max_length=20, blank=True)
    serial = models.CharField(max_length=20, blank=True)
    verdict = models.CharField(max_length=16)
    scanned_at = models.DateTimeField(db_index=True)
    province_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latitude = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    longitude = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-scanned_at"]
        indexes = [models.Index(fields=["stamp", "scanned_at"])]

    def __str__(self) -> str:
        return f"{self.verdict} · {self.scanned_at:%Y-%m-%d %H:%M}"


class AnomalyFlag(models.Model):
    """A rule a stamp broke (too many scans, two provinces, scan before activation...)."""

    class Rule(models.TextChoices):
        TOO_MANY_SCANS = "too_many_scans", _("Scanned unusually often")
        TWO_PROVINCES = "two_provinces", _("Scanned in two provinces within a short time")
        BEFORE_ACTIVATION = "before_activation", _("Scanned before the batch was released")
        RECALLED = "recalled", _("Scanned after a recall")
        VOIDED = "voided", _("A voided stamp was scanned")

    stamp = models.ForeignKey(Stamp, on_delete=models.CASCADE, related_name="flags")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="flags")
    rule = models.CharField(_("rule"), max_length=24, choices=Rule.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Outcome(models.TextChoices):
        OPEN = "open", _("Not reviewed yet")
        EXPLAINED = "explained", _("Explained: not a fake")
        CONFIRMED = "confirmed", _("Confirmed: suspected fake")

    occurrences = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    # The operator's review. An explained flag no longer warns shoppers; it opens again when
    # the rule is broken again after the review (for "too many scans": as many scans again).
    outcome = models.CharField(
        _("review"), max_length=16, choices=Outcome.choices, default=Outcome.OPEN
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.CharField(_("review note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("anomaly flag")
        verbose_name_plural = _("anomaly flags")
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["stamp", "rule"], name="unique_flag_per_rule")
        ]
        # The dashboards' "latest open warnings": walked in order, no sort of every flag.
        indexes = [models.Index(fields=["outcome", "-last_seen"], name="flag_outcome_last_seen")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} · {self.stamp}"


class Inspection(models.Model):
    """An inspector's record of a stamp seen on a shelf; sent from the phone, maybe later."""

    class Result(models.TextChoices):
        PASS = "pass", _("Conforming")
        FAIL = "fail", _("Not conforming")
        SUSPICIOUS = "suspicious", _("Suspicious")

    client_id = models.UUIDField(unique=True, help_text="Made on the phone: resending is harmless")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspections"
    )
    stamp = models.ForeignKey(
        Stamp, null=True, blank=True, on_delete=models.SET_NULL, related_name="inspections"
    )
    code = models.CharField(_("scanned code"), max_length=400)
    offline_verdict = models.CharField(max_length=16, blank=True)
    server_verdict = models.CharField(max_length=16, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="inspections/", blank=True)
    inspected_at = models.DateTimeField(_("inspected at"))
    received_at = models.DateTimeField(auto_now_add=True)
    province_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_at"]

    def __str__(self) -> str:
        return f"{self.get_result_display()} · {self.code[:40]}"
