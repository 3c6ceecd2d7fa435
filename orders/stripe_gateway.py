"""Card payments through Stripe (the ``stripe`` SDK; tests point it at ``localstripe``).

The browser turns the card into a token with Stripe.js (``createToken`` works on Stripe's
real Stripe.js and on localstripe's fake one); the server attaches it to the order's one
PaymentIntent (VND is zero-decimal: the amount is the đồng) and confirms it. A 3-D Secure
step is finished in the browser with ``confirmCardPayment``. The order becomes paid only
when Stripe's signed ``payment_intent.succeeded`` webhook arrives, never from the browser.
"""

import logging

import stripe
from django.conf import settings
from django.db import transaction

from .models import Payment

logger = logging.getLogger(__name__)


class CardError(Exception):
    """Stripe refused or could not be reached; ``str()`` is safe to show the shopper."""


def _client() -> stripe.StripeClient:
    kwargs = {"max_network_retries": 1}
    if settings.STRIPE_API_BASE:
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **kwargs)


def ensure_intent(payment: Payment):
    """The order's PaymentIntent, created once (row lock + stored id; our own idempotency,
    as localstripe ignores idempotency keys)."""
    client = _client()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
        if payment.provider_ref:
            return client.v1.payment_intents.retrieve(payment.provider_ref)
        intent = client.v1.payment_intents.create(
            params={
                "amount": payment.amount,
                "currency": "vnd",
                # The order number travels as metadata (localstripe has no description field).
                "metadata": {"order": payment.order.number, "payment_id": str(payment.pk)},
            },
            options={"idempotency_key": f"ocop-payment-{payment.pk}"},
        )
        Payment.objects.filter(pk=payment.pk).update(provider_ref=intent.id)
        return intent


def pay_with_token(payment: Payment, token: str) -> dict:
    """Attach the card token to the intent and confirm it.

    Returns ``{"status": ..., "client_secret": ...}``; ``requires_action`` means the browser
    must run the 3-D Secure step. Raises ``CardError`` with a message for the shopper.
    """
    client = _client()
    try:
        intent = ensure_intent(payment)
        if intent.status == "succeeded":
            return {"status": intent.status}
        order = payment.order
        customer = client.v1.customers.create(
            params={"source": token, "email": order.email, "name": order.full_name}
        )
        client.v1.payment_intents.update(
            intent.id, params={"customer": customer.id, "payment_method": customer.default_source}
        )
        intent = client.v1.payment_intents.confirm(intent.id)
    except stripe.CardError as exc:
        raise CardError(exc.user_message or str(exc)) from None
    except stripe.StripeError as exc:
        logger.warning("stripe: payment %s: %s", payment.pk, exc)
        raise CardError(
            exc.user_message or "The card service did not answer; try again in a minute."
        ) from None
    return {"status": intent.status, "client_secret": intent.client_secret}


def refund(payment: Payment, amount: int) -> str:
    refund = _client().v1.refunds.create(
        params={"payment_intent": payment.provider_ref, "amount": amount},
        options={"idempotency_key": f"ocop-refund-{payment.pk}-{amount}"},
    )
    return refund.id


def cancel(payment: Payment) -> None:
    _client().v1.payment_intents.cancel(payment.provider_ref)


def construct_event(payload: bytes, signature: str):
    """Verify Stripe's signature; raises ``ValueError`` or ``stripe.SignatureVerificationError``."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
