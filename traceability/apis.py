"""Traceability in the REST API: a cooperative's batches, trace events and stamp orders (token
with the ``traceability`` scope), a released batch's public trace, and the office's recalls,
voids and anomaly flags (operators' and inspectors' sessions), through
``traceability.services`` — the same calls as the admin.

* A cooperative's token acts as the token's owner (``created_by``), as the admin's screens act
  as the signed-in member: ``services.ensure_can_manage`` still checks the cooperative. Another
  cooperative's batch or stamp order is a 404.
* A rule the service refuses is a 400 naming the field when the request is at fault (a lot
  code GS1 forbids, an order above the maximum), a 409 when the state is (a batch released
  twice, recalled twice, stamps already voided); nothing is half-written.
* The public trace is what the resolver shows of a batch (``verification.batch_payload``):
  no personal data, drafts are 404.
"""

import json
import os

from django.conf import settings
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import (
    authentication,
    exceptions,
    generics,
    negotiation,
    permissions,
    serializers,
)
from rest_framework.response import Response

from catalog.models import ProductVariant
from marketplace.api.base import (
    APIView,
    Conflict,
    Error,
    LanguageMixin,
    clean_text,
    conditional_get,
)
from marketplace.api.tokens import BearerTokenAuthentication, TraceabilityScope, request_token
from marketplace.roles import views_every_cooperative

from . import services, vocab
from .digital_link import InvalidLot, validate_lot
from .labels import LAYOUT_CHOICES
from .models import AnomalyFlag, Batch, RecallRun, Stamp, StampOrder, TraceEvent
from .views import VerdictBatch, VerdictCooperative, VerdictEvent, VerdictInput, VerdictProduct

# The largest value of a PostgreSQL integer column (quantities, ward codes, stamp numbers).
MAX_INT = 2_147_483_647


# --- what every endpoint here shares --------------------------------------------------------


class FileNegotiation(negotiation.DefaultContentNegotiation):
    """A file's endpoint answers its file whatever ``Accept`` says, and its errors in JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _model_errors(error: ModelValidationError) -> dict:
    """A model's ``ValidationError`` as DRF's: messages per field (``__all__`` is general)."""
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": list(error.messages)}
    return {
        ("non_field_errors" if name == "__all__" else name): list(messages)
        for name, messages in error.message_dict.items()
    }


def stamp_counts(batch: Batch) -> dict:
    """The batch's stamps in all and per status (one query)."""
    return batch.stamps.aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in Stamp.Status.values},
    )


# --- serializers ----------------------------------------------------------------------------


class VariantBrief(serializers.Serializer):
    sku = serializers.CharField()
    gtin = serializers.CharField(allow_null=True)
    unit = serializers.CharField(source="unit_label")
    product_id = serializers.IntegerField(source="page_id")
    product = serializers.CharField(source="page.title")


@extend_schema_field(
    {
        # Inline (in an allOf, which drf-spectacular's enum naming leaves alone): the same
        # choice set in two components would otherwise get a hashed name and a warning.
        "allOf": [{"type": "string", "enum": Batch.Status.values}],
        "description": "draft (not public, stamps not active), released or recalled.",
    }
)
class BatchStatus(serializers.ChoiceField):
    """A batch's status."""

    def __init__(self, **kwargs):
        super().__init__(choices=Batch.Status.choices, **kwargs)


class BatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    lot = serializers.CharField(help_text="GS1 batch/lot number (AI 10).")
    gtin = serializers.CharField()
    variant = VariantBrief()
    status = BatchStatus()
    production_date = serializers.DateField()
    best_before = serializers.DateField(allow_null=True)
    quantity = serializers.IntegerField(help_text="Units made.")
    field_area = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(allow_blank=True)
    released_at = serializers.DateTimeField(allow_null=True)
    recalled_at = serializers.DateTimeField(allow_null=True)
    recall_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StampCounts(serializers.Serializer):
    total = serializers.IntegerField(help_text="Stamps issued, whatever their status.")
    issued = serializers.IntegerField(help_text="Issued, not active yet (batch not released).")
    active = serializers.IntegerField()
    shipped = serializers.IntegerField(help_text="Packed into a shopper's parcel.")
    recalled = serializers.IntegerField()
    voided = serializers.IntegerField()


class UnitCounts(serializers.Serializer):
    made = serializers.IntegerField()
    stamped = serializers.IntegerField(help_text="Stamps not voided.")
    released = serializers.IntegerField()
    packed = serializers.IntegerField(help_text="In parcels not shipped yet.")
    shipped = serializers.IntegerField(help_text="In parcels shipped or delivered.")
    used_in_outputs = serializers.IntegerField(help_text="Pieces used to make other lots.")
    output_units = serializers.IntegerField(help_text="Units of lots made from it, sold.")
    in_stock = serializers.IntegerField()


class BatchCounts(serializers.Serializer):
    events = serializers.IntegerField()
    inputs = serializers.IntegerField(help_text="Lots it was made from.")
    outputs = serializers.IntegerField(help_text="Lots made from it.")
    stamp_orders = serializers.IntegerField()
    stamps = StampCounts()
    units = UnitCounts(help_text="Where its units went (the recall screen's counts).")


class BatchDetailSerializer(BatchSerializer):
    counts = serializers.SerializerMethodField()

    @extend_schema_field(BatchCounts)
    def get_counts(self, batch):
        from .recall import reach

        found = reach(batch, cooperative_ids=[batch.cooperative_id])
        return BatchCounts(
            {
                "events": batch.events.count(),
                "inputs": batch.inputs.count(),
                "outputs": batch.outputs.count(),
                "stamp_orders": batch.stamp_orders.count(),
                "stamps": stamp_counts(batch),
                "units": {name: getattr(found, name) for name in UnitCounts().fields},
            }
        ).data


class BatchCreate(serializers.Serializer):
    variant = serializers.CharField(
        max_length=40, help_text="The SKU of one of your variants (it needs a GTIN)."
    )
    lot = serializers.CharField(
        max_length=20,
        help_text="GS1 AI (10): 1 to 20 of A-Z a-z 0-9 and ! \" % & ' ( ) * + , - . / : ; "
        "< = > ? _ (no spaces, no accents); unique for the product.",
    )
    production_date = serializers.DateField(help_text="Harvest or production date.")
    best_before = serializers.DateField(
        required=False, allow_null=True, help_text="After the production date."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_INT, help_text="Units made.")
    field_area = serializers.CharField(max_length=200, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, allow_blank=True, default="")

    def validate_lot(self, value: str) -> str:
        # The admin's rule (``Batch.clean``): what a stamp's AI (10) may hold.
        try:
            return validate_lot(value)
        except InvalidLot as exc:
            raise serializers.ValidationError(str(exc)) from None


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    event_id = serializers.UUIDField(help_text="Its EPCIS eventID.")
    step = serializers.ChoiceField(choices=vocab.STEP_CHOICES)
    step_label = serializers.CharField(source="get_step_display")
    event_time = serializers.DateTimeField()
    time_zone_offset = serializers.CharField()
    read_point_ward_code = serializers.IntegerField(allow_null=True)
    place = serializers.CharField(source="place_name", allow_blank=True)
    disposition = serializers.CharField(
        source="effective_disposition", help_text="The step's usual one when none was given."
    )
    input_quantity = serializers.DecimalField(
        max_digits=12, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    output_quantity = serializers.DecimalField(
        max_digits=12, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    unit = serializers.CharField(allow_blank=True)
    container_sscc = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    recorded_at = serializers.DateTimeField()


class EventCreate(serializers.Serializer):
    """A trace event as the batch's edit form adds one (``TraceEvent.clean``'s rules)."""

    step = serializers.ChoiceField(choices=vocab.STEP_CHOICES)
    event_time = serializers.DateTimeField(
        help_text="ISO 8601; without an offset, Vietnam's time. Between 2000 and 2100."
    )
    read_point_ward_code = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_INT,
        help_text="The commune or ward where it happened; none: the cooperative's.",
    )
    disposition = serializers.ChoiceField(
        choices=vocab.DISPOSITION_CHOICES,
        allow_blank=True,
        default="",
        help_text="Empty: the step's usual one.",
    )
    input_quantity = serializers.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="For processing steps: what went in.",
    )
    output_quantity = serializers.DecimalField(
        max_digits=12, decimal_places=3, min_value=0, required=False, allow_null=True
    )
    unit = serializers.ChoiceField(choices=vocab.UNIT_CHOICES, allow_blank=True, default="KGM")
    container_sscc = serializers.CharField(
        max_length=18,
        allow_blank=True,
        default="",
        help_text="The carton's or pallet's 18-digit SSCC (packing into cartons).",
    )
    note = serializers.CharField(max_length=500, allow_blank=True, default="")


class PrintFiles(serializers.Serializer):
    labels = serializers.URLField(
        allow_null=True, help_text="The label sheets (PDF; a ZIP of PDFs for a large order)."
    )
    codes = serializers.URLField(
        allow_null=True, help_text="CSV of the stamps: uri, gtin, lot, serial, number."
    )


class StampOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    batch = serializers.IntegerField(source="batch_id")
    lot = serializers.CharField(source="batch.lot")
    count = serializers.IntegerField()
    first_number = serializers.IntegerField()
    last_number = serializers.IntegerField()
    layout = serializers.ChoiceField(choices=LAYOUT_CHOICES)
    status = serializers.ChoiceField(choices=StampOrder.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    issued = serializers.IntegerField()
    rendered = serializers.IntegerField()
    percent = serializers.IntegerField(source="progress_percent")
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    files = serializers.SerializerMethodField(help_text="Links once the order is done.")

    @extend_schema_field(PrintFiles)
    def get_files(self, order):
        request = self.context["request"]
        done = order.status == StampOrder.Status.DONE

        def link(field, name):
            if not (done and field):
                return None
            return request.build_absolute_uri(reverse(f"api:{name}", args=[order.pk]))

        return {
            "labels": link(order.pdf_file, "cooperative_stamp_order_labels"),
            "codes": link(order.csv_file, "cooperative_stamp_order_codes"),
        }


class StampOrderCreate(serializers.Serializer):
    count = serializers.IntegerField(
        min_value=1,
        help_text="Stamps to issue: at most TRACE_MAX_STAMPS_PER_ORDER, and all orders of the "
        "batch together at most its quantity and a few spare.",
    )
    layout = serializers.ChoiceField(choices=LAYOUT_CHOICES, default="a4-65")


# --- a cooperative's token (scope "traceability") -------------------------------------------


def _actor(request):
    return request_token(request).created_by


def own_batches(request):
    return (
        Batch.objects.filter(cooperative=request_token(request).cooperative)
        .select_related("variant__page", "cooperative")
        .order_by("-created_at", "-pk")
    )


def _own_batch(request, pk: int) -> Batch:
    batch = own_batches(request).filter(pk=pk).first()
    if batch is None:
        raise exceptions.NotFound(_("No such batch in your cooperative."))
    return batch


class CooperativeView(LanguageMixin, generics.GenericAPIView):
    permission_classes = [TraceabilityScope]


class OwnBatchList(CooperativeView, generics.ListAPIView):
    """The cooperative's batches, newest first (``?status=``, ``?variant=`` a SKU); or a new
    batch (a draft: add its events, order its stamps, then release it)."""

    serializer_class = BatchSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Batch.Status.values),
            OpenApiParameter("variant", str, description="A variant's SKU."),
        ],
        operation_id="cooperative_batches_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = own_batches(self.request)
        status = self.request.query_params.get("status")
        if status is not None:
            if status not in Batch.Status.values:
                raise exceptions.ValidationError({"status": [_("Unknown status.")]})
            queryset = queryset.filter(status=status)
        sku = self.request.query_params.get("variant")
        if sku is not None:
            queryset = queryset.filter(variant__sku=clean_text(sku, field="variant", max_length=40))
        return queryset

    @extend_schema(
        request=BatchCreate,
        responses={201: BatchDetailSerializer},
        operation_id="cooperative_batches_create",
    )
    def post(self, request, *args, **kwargs):
        cooperative = request_token(request).cooperative
        body = BatchCreate(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        variant = (
            ProductVariant.objects.select_related("page")
            .filter(page__cooperative=cooperative, sku=data.pop("variant"))
            .first()
        )
        if variant is None:
            raise exceptions.ValidationError(
                {"variant": [_("No such variant in your cooperative.")]}
            )
        try:
            with transaction.atomic():
                batch = services.batch_create(variant=variant, user=_actor(request), **data)
        except ModelValidationError as error:
            raise exceptions.ValidationError(_model_errors(error)) from None
        except IntegrityError:  # the same lot code created at the same moment
            raise exceptions.ValidationError(
                {"lot": [_("This lot code is already used for this product.")]}
            ) from None
        return Response(BatchDetailSerializer(_own_batch(request, batch.pk)).data, status=201)


class OwnBatchDetail(CooperativeView):
    """One of the cooperative's batches, with what became of it: events, inputs, stamps by
    status, units packed and shipped."""

    @extend_schema(responses=BatchDetailSerializer, operation_id="cooperative_batches_retrieve")
    def get(self, request, pk: int):
        return Response(BatchDetailSerializer(_own_batch(request, pk)).data)


class BatchRelease(CooperativeView):
    """Release the batch for sale: its issued stamps become active. 409 when it is not a
    draft any more."""

    @extend_schema(
        request=None, responses=BatchDetailSerializer, operation_id="cooperative_batches_release"
    )
    def post(self, request, pk: int):
        batch = _own_batch(request, pk)
        try:
            services.batch_release(batch=batch, user=_actor(request))
        except services.TraceabilityError as exc:
            raise Conflict(str(exc)) from None
        return Response(BatchDetailSerializer(_own_batch(request, pk)).data)


class BatchEvents(CooperativeView, generics.ListAPIView):
    """The batch's trace events in time order (what its EPCIS document and the resolver's
    page show); or a new one, as the batch's edit form adds it."""

    serializer_class = EventSerializer

    @extend_schema(operation_id="cooperative_batches_events_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        batch = _own_batch(self.request, self.kwargs["pk"])
        return batch.events.select_related("batch__cooperative").order_by("event_time", "pk")

    @extend_schema(
        request=EventCreate,
        responses={201: EventSerializer},
        operation_id="cooperative_batches_events_create",
    )
    def post(self, request, pk: int):
        batch = _own_batch(request, pk)
        body = EventCreate(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items() if v is not None}
        services.ensure_can_manage(user=_actor(request), batch=batch)
        event = TraceEvent(batch=batch, **data)
        try:
            event.full_clean()
        except ModelValidationError as error:
            raise exceptions.ValidationError(_model_errors(error)) from None
        with transaction.atomic():
            event.save()
            # As saving the batch's form does: the resolver's cached page shows the event.
            Batch.objects.filter(pk=batch.pk).update(updated_at=timezone.now())
        event.batch = batch
        return Response(EventSerializer(event).data, status=201)


class BatchStampOrders(CooperativeView, generics.ListAPIView):
    """The batch's stamp orders, newest first; or a new order: its stamps are issued and
    their print files rendered in the background (follow its ``percent``)."""

    serializer_class = StampOrderSerializer

    @extend_schema(operation_id="cooperative_batches_stamp_orders_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        batch = _own_batch(self.request, self.kwargs["pk"])
        return batch.stamp_orders.select_related("batch").order_by("-created_at", "-pk")

    @extend_schema(
        request=StampOrderCreate,
        responses={201: StampOrderSerializer},
        operation_id="cooperative_batches_stamp_orders_create",
    )
    def post(self, request, pk: int):
        batch = _own_batch(request, pk)
        body = StampOrderCreate(data=request.data)
        body.is_valid(raise_exception=True)
        count = body.validated_data["count"]
        try:
            order = services.stamp_order_create(
                batch=batch, count=count, layout=body.validated_data["layout"], user=_actor(request)
            )
        except services.TraceabilityError as exc:
            if count > settings.TRACE_MAX_STAMPS_PER_ORDER:
                raise exceptions.ValidationError({"count": [str(exc)]}) from None
            # The batch's state: recalled, its stamps already ordered, a lot too long to link.
            raise Conflict(str(exc)) from None
        return Response(StampOrderSerializer(order, context={"request": request}).data, status=201)


def _own_stamp_order(request, pk: int) -> StampOrder:
    order = (
        StampOrder.objects.filter(batch__cooperative=request_token(request).cooperative, pk=pk)
        .select_related("batch")
        .first()
    )
    if order is None:
        raise exceptions.NotFound(_("No such stamp order in your cooperative."))
    return order


class OwnStampOrderDetail(CooperativeView):
    """A stamp order's progress: its status, stamps issued and rendered, the error of a failed
    run, and its print files' links once done."""

    @extend_schema(responses=StampOrderSerializer, operation_id="cooperative_stamp_orders_retrieve")
    def get(self, request, pk: int):
        order = _own_stamp_order(request, pk)
        return Response(StampOrderSerializer(order, context={"request": request}).data)


CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".zip": "application/zip",  # a large order: several PDFs
    ".csv": "text/csv; charset=utf-8",
}


class PrintFileView(CooperativeView):
    """A stamp order's print file, streamed (they are secrets: whoever holds one prints genuine
    stamps). 409 until the order is done."""

    content_negotiation_class = FileNegotiation
    field = ""

    def get(self, request, pk: int):
        order = _own_stamp_order(request, pk)
        if order.status != StampOrder.Status.DONE:
            raise Conflict(
                _("The print files are not ready yet (%(percent)s%% done).")
                % {"percent": order.progress_percent}
                if order.status != StampOrder.Status.FAILED
                else _("The stamp order failed: run it again from the admin."),
                code="not_ready",
            )
        field = getattr(order, self.field)
        if not field:
            raise exceptions.NotFound(_("The print file is not ready yet."))
        return FileResponse(
            field.open("rb"),
            as_attachment=True,
            filename=field.name.rsplit("/", 1)[-1],
            content_type=CONTENT_TYPES[os.path.splitext(field.name)[1]],
        )


def _binary(description: str, *media_types: str) -> dict:
    return {
        **{
            (200, t): OpenApiResponse(OpenApiTypes.BINARY, description=description)
            for t in media_types
        },
        409: OpenApiResponse(Error, description="The order is not done (or failed): no file yet."),
    }


class StampOrderLabels(PrintFileView):
    field = "pdf_file"

    @extend_schema(
        responses=_binary(
            "The label sheets: one PDF, or a ZIP of PDFs for a large order.",
            "application/pdf",
            "application/zip",
        ),
        operation_id="cooperative_stamp_orders_labels",
    )
    def get(self, request, pk: int):
        return super().get(request, pk)


class StampOrderCodes(PrintFileView):
    field = "csv_file"

    @extend_schema(
        responses=_binary("The stamps as CSV: uri, gtin, lot, serial, number.", "text/csv"),
        operation_id="cooperative_stamp_orders_codes",
    )
    def get(self, request, pk: int):
        return super().get(request, pk)


EPCIS_MEDIA_TYPE = "application/ld+json"


class BatchEpcis(CooperativeView):
    """The batch's events as an EPCIS 2.0 JSON-LD document (``traceability.epcis``): its
    own events, the lots it was made from, and its parcels (never a shopper's name)."""

    content_negotiation_class = FileNegotiation

    @extend_schema(
        responses={
            (200, EPCIS_MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT, description="An EPCIS 2.0 document (JSON-LD)."
            )
        },
        operation_id="cooperative_batches_epcis",
    )
    def get(self, request, pk: int):
        from .epcis import batch_document

        batch = _own_batch(request, pk)
        body = json.dumps(batch_document(batch), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type=f"{EPCIS_MEDIA_TYPE}; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="epcis-{batch.gtin}-{batch.pk}.jsonld"'
        )
        return response


# --- public: a released batch's trace -------------------------------------------------------


class PublicTraceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    recalled = serializers.BooleanField()
    notice = serializers.CharField(allow_blank=True, help_text="Why it was recalled, if it was.")
    # The resolver's parts: a batch's public trace says what its stamps' verdicts say.
    product = VerdictProduct()
    cooperative = VerdictCooperative()
    batch = VerdictBatch()
    events = VerdictEvent(many=True)
    inputs = VerdictInput(many=True, help_text="The lots it was made from.")


class PublicTrace(APIView):
    """A released (or recalled) batch's trace as the stamp resolver shows it: the product,
    the cooperative, the lot and its dates, its events and the lots it was made from. A
    recalled batch says so. Drafts are not public (404)."""

    @extend_schema(
        responses={
            200: PublicTraceSerializer,
            304: OpenApiResponse(description="Not modified: the ETag sent in If-None-Match."),
        },
        operation_id="batches_trace_retrieve",
    )
    def get(self, request, pk: int):
        from .verification import batch_payload

        batch = (
            Batch.objects.filter(pk=pk)
            .exclude(status=Batch.Status.DRAFT)
            .only("pk", "updated_at", "status", "lot", "recall_reason")
            .first()
        )
        if batch is None:
            raise exceptions.NotFound(_("No such batch."))
        payload = batch_payload(batch)  # shared: read, never changed
        recalled = batch.status == Batch.Status.RECALLED
        url = payload["product"]["url"]
        data = {
            **payload,
            "id": batch.pk,
            "recalled": recalled,
            "notice": _("Batch %(lot)s was recalled: %(reason)s")
            % {"lot": batch.lot, "reason": batch.recall_reason}
            if recalled
            else "",
            "product": {
                **payload["product"],
                "url": request.build_absolute_uri(url) if url.startswith("/") else url,
            },
        }
        return Response(PublicTraceSerializer(data).data)


# --- the province OCOP office (sessions of operators and inspectors) ------------------------


class OfficeSession(permissions.BasePermission):
    """A signed-in person of the province OCOP office: an operator (``is_operator``), or an
    inspector where ``inspectors`` allows it. Never a cooperative's token."""

    inspectors = False
    message = gettext_lazy("Only the province OCOP office may do this.")

    def has_permission(self, request, view):
        user = request.user
        if request_token(request) is not None or not (user and user.is_authenticated):
            return False
        if not user.is_active:
            return False
        if services.is_operator(user):
            return True
        return self.inspectors and views_every_cooperative(user)


class OperatorSession(OfficeSession):
    pass


class OfficeReader(OfficeSession):
    inspectors = True
    message = gettext_lazy("Only the province OCOP office and its inspectors may read this.")


class OfficeView(LanguageMixin, generics.GenericAPIView):
    # The office signs in to the site (no token is an operator's): unsafe methods need the
    # session's CSRF token, as DRF's SessionAuthentication enforces. A token is still read,
    # so that a revoked or expired one is a 401 here as everywhere, and a cooperative's a 403.
    authentication_classes = [BearerTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [OperatorSession]


class RecallRequest(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Shown to whoever scans a stamp of the batch."
    )


class ReachCounts(serializers.Serializer):
    made = serializers.IntegerField()
    stamped = serializers.IntegerField()
    released = serializers.IntegerField()
    packed = serializers.IntegerField(help_text="In parcels not shipped yet: unpack them.")
    shipped = serializers.IntegerField()
    output_units = serializers.IntegerField(help_text="Units of lots made from it, sold.")
    used_in_outputs = serializers.IntegerField()
    in_stock = serializers.IntegerField()
    suborders = serializers.IntegerField()
    shoppers = serializers.IntegerField()
    cooperatives = serializers.IntegerField()
    scanned_after = serializers.IntegerField(allow_null=True)
    scans_after = serializers.IntegerField(allow_null=True)
    notified = serializers.IntegerField()
    to_notify = serializers.IntegerField()
    blocked = serializers.IntegerField(help_text="Units taken off sale.")
    notices = serializers.IntegerField(help_text="Shoppers' orders to be told.")


class RecallResult(serializers.Serializer):
    batch = BatchSerializer()
    reach = ReachCounts(allow_null=True, help_text="What the recall reached, as recorded.")


class BatchRecall(OfficeView):
    """Recall a batch (operators): every stamp of it resolves RECALLED at once, its units in
    stock leave sale and the shoppers who received it (or a lot made from it) are told.
    A second recall is a 409."""

    @extend_schema(request=RecallRequest, responses=RecallResult, operation_id="batches_recall")
    def post(self, request, pk: int):
        batch = Batch.objects.select_related("variant__page", "cooperative").filter(pk=pk).first()
        if batch is None:
            raise exceptions.NotFound(_("No such batch."))
        body = RecallRequest(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            batch = services.batch_recall(
                batch=batch, reason=body.validated_data["reason"], user=request.user
            )
        except services.TraceabilityError as exc:
            raise Conflict(str(exc)) from None
        batch = Batch.objects.select_related("variant__page", "cooperative").get(pk=pk)
        run = (
            RecallRun.objects.filter(batch=batch, kind=RecallRun.Kind.RECALL)
            .order_by("-started_at", "-pk")
            .first()
        )
        counts = {name: run.counts.get(name, 0) for name in ReachCounts().fields} if run else None
        return Response(RecallResult({"batch": batch, "reach": counts}).data)


class VoidRequest(serializers.Serializer):
    batch = serializers.IntegerField(min_value=1, max_value=MAX_INT, help_text="The batch's id.")
    number_from = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, help_text="The first stamp number in the batch."
    )
    number_to = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INT,
        required=False,
        allow_null=True,
        help_text="The last one (none: only number_from).",
    )
    reason = serializers.CharField(max_length=500, help_text="E.g. a label roll lost.")


class VoidResult(serializers.Serializer):
    batch = serializers.IntegerField()
    voided = serializers.IntegerField(help_text="Stamps voided now.")
    stamps = StampCounts()


# The one refusal of ``stamps_void`` that the stamps' state causes, not the request.
NOTHING_TO_VOID = gettext_lazy("No stamp in that range can be voided (already voided?).")


class StampsVoid(OfficeView):
    """Void one stamp or a range of a batch's stamp numbers (a lost label roll; operators):
    scans of them say VOIDED. 409 when none in the range can be voided any more."""

    @extend_schema(request=VoidRequest, responses=VoidResult, operation_id="stamps_void")
    def post(self, request):
        body = VoidRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        batch = Batch.objects.filter(pk=data["batch"]).first()
        if batch is None:
            raise exceptions.ValidationError({"batch": [_("No such batch.")]})
        try:
            voided = services.stamps_void(
                batch=batch,
                number_from=data["number_from"],
                number_to=data.get("number_to"),
                reason=data["reason"],
                user=request.user,
            )
        except services.TraceabilityError as exc:
            if str(exc) == str(NOTHING_TO_VOID):
                raise Conflict(str(exc)) from None
            raise exceptions.ValidationError({"number_from": [str(exc)]}) from None
        return Response({"batch": batch.pk, "voided": voided, "stamps": stamp_counts(batch)})


class FlagStamp(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField()
    serial = serializers.CharField()
    status = serializers.ChoiceField(choices=Stamp.Status.choices)
    scan_count = serializers.IntegerField()


class FlagBatch(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    lot = serializers.CharField()
    gtin = serializers.CharField()
    cooperative = serializers.CharField(source="cooperative.name")


class AnomalyFlagSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    rule = serializers.ChoiceField(choices=AnomalyFlag.Rule.choices)
    rule_label = serializers.CharField(source="get_rule_display")
    detail = serializers.CharField(allow_blank=True)
    occurrences = serializers.IntegerField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=AnomalyFlag.Outcome.choices)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_note = serializers.CharField(allow_blank=True)
    stamp = FlagStamp()
    batch = FlagBatch()


class AnomalyFlagList(OfficeView, generics.ListAPIView):
    """Stamps that broke an anomaly rule, latest first, with the admin report's filters
    (``?outcome=``, ``?rule=``) and ``?batch=``: operators and inspectors."""

    permission_classes = [OfficeReader]
    serializer_class = AnomalyFlagSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("outcome", str, enum=AnomalyFlag.Outcome.values),
            OpenApiParameter("rule", str, enum=AnomalyFlag.Rule.values),
            OpenApiParameter("batch", int, description="A batch's id."),
        ],
        operation_id="anomaly_flags_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        flags = AnomalyFlag.objects.select_related("stamp", "batch__cooperative").order_by(
            "-last_seen", "-pk"
        )
        for name, choices in (
            ("outcome", AnomalyFlag.Outcome.values),
            ("rule", AnomalyFlag.Rule.values),
        ):
            value = params.get(name)
            if value is not None:
                if value not in choices:
                    raise exceptions.ValidationError({name: [_("Unknown value.")]})
                flags = flags.filter(**{name: value})
        batch = params.get("batch")
        if batch is not None:
            if not (batch.isdigit() and 1 <= int(batch) <= MAX_INT):
                raise exceptions.ValidationError({"batch": [_("A batch is a whole number.")]})
            flags = flags.filter(batch_id=int(batch))
        return flags


api_urlpatterns = [
    # A cooperative's token with the "traceability" scope
    path("cooperative/batches/", OwnBatchList.as_view(), name="cooperative_batches"),
    path("cooperative/batches/<int:pk>/", OwnBatchDetail.as_view(), name="cooperative_batch"),
    path(
        "cooperative/batches/<int:pk>/release/",
        BatchRelease.as_view(),
        name="cooperative_batch_release",
    ),
    path(
        "cooperative/batches/<int:pk>/events/",
        BatchEvents.as_view(),
        name="cooperative_batch_events",
    ),
    path(
        "cooperative/batches/<int:pk>/stamp-orders/",
        BatchStampOrders.as_view(),
        name="cooperative_batch_stamp_orders",
    ),
    path(
        "cooperative/batches/<int:pk>/epcis/",
        BatchEpcis.as_view(),
        name="cooperative_batch_epcis",
    ),
    path(
        "cooperative/stamp-orders/<int:pk>/",
        OwnStampOrderDetail.as_view(),
        name="cooperative_stamp_order",
    ),
    path(
        "cooperative/stamp-orders/<int:pk>/labels/",
        StampOrderLabels.as_view(),
        name="cooperative_stamp_order_labels",
    ),
    path(
        "cooperative/stamp-orders/<int:pk>/codes/",
        StampOrderCodes.as_view(),
        name="cooperative_stamp_order_codes",
    ),
    # Public
    path("batches/<int:pk>/trace/", conditional_get(PublicTrace.as_view()), name="batch_trace"),
    # The province OCOP office
    path("batches/<int:pk>/recall/", BatchRecall.as_view(), name="batch_recall"),
    path("stamps/void/", StampsVoid.as_view(), name="stamps_void"),
    path("anomaly-flags/", AnomalyFlagList.as_view(), name="anomaly_flags"),
]
