"""Celery tasks of orders. Each takes ids, is idempotent, and is queued through the outbox."""

import logging

from celery import shared_task

from marketplace.mail import EMAIL_TASK_OPTIONS

from . import accounts, emails, services
from .models import Payment, Refund

logger = logging.getLogger(__name__)


@shared_task
def expire_unpaid_orders() -> int:
    """Beat: unpaid card / VietQR orders past their time give their stock back."""
    return services.expire_unpaid_orders()


@shared_task(**EMAIL_TASK_OPTIONS)
def send_order_placed(order_id: int) -> None:
    emails.order_placed(order_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_payment_received(order_id: int) -> None:
    emails.payment_received(order_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_order_cancelled(order_id: int) -> None:
    emails.order_cancelled(order_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_suborder_new(suborder_id: int) -> None:
    emails.suborder_new(suborder_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_suborder_shipped(suborder_id: int) -> None:
    emails.suborder_shipped(suborder_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_suborder_cancelled(suborder_id: int) -> None:
    emails.suborder_cancelled(suborder_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_low_stock(variant_id: int) -> None:
    emails.low_stock(variant_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_staff_attention(order_id: int) -> None:
    emails.staff_attention(order_id)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def refund_card_payment(self, payment_id: int, amount: int | None = None, reason: str = "") -> None:
    """Refund through Stripe; once per (payment, amount): a re-run does not refund twice."""
    from . import stripe_gateway

    payment = Payment.objects.select_related("order").get(pk=payment_id)
    amount = amount or payment.amount - payment.refunded_amount
    if amount <= 0 or Refund.objects.filter(payment=payment, amount=amount).exists():
        return
    try:
        refund_id = stripe_gateway.refund(payment, amount)
    except Exception as exc:
        if self.request.is_eager:
            payment.order.flag(f"Stripe refund of {amount} failed: {exc}")
            return
        raise self.retry(exc=exc) from exc
    services._add_refund(
        payment, amount=amount, actor=None, reference=refund_id, reason=reason or "refund"
    )


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def cancel_card_intent(self, payment_id: int) -> None:
    """Cancel an expired order's PaymentIntent at Stripe so the card cannot be charged."""
    from . import stripe_gateway

    payment = Payment.objects.get(pk=payment_id)
    try:
        stripe_gateway.cancel(payment)
    except Exception as exc:  # already succeeded or cancelled: the webhook decides
        logger.info("stripe: cancel %s: %s", payment.provider_ref, exc)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_email_confirmation(user_id: int) -> None:
    accounts.send_confirmation(user_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_password_reset(user_id: int) -> None:
    accounts.send_password_reset(user_id)
