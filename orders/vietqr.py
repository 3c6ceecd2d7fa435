"""VietQR: the EMVCo merchant-presented QR payload of the NAPAS VietQR specification, and the
bank-notification webhook's signature.

No maintained Python package builds VietQR payloads (PyPI has none; npm has
``vietnam-qr-pay``, which the tests use as the independent decoder). The payload is a short
tag-length-value string; its CRC is the standard library's ``binascii.crc_hqx`` (CRC-16/
CCITT-FALSE with initial value 0xFFFF), so nothing here computes a checksum by hand.

Layout (ID, length, value):
    00 "01"                  payload format indicator
    01 "11" | "12"           static (no amount: market stalls) | dynamic (one order)
    38 merchant account information, VietQR:
        00 "A000000727"      NAPAS GUID
        01 beneficiary:  00 bank BIN (6 digits), 01 account number
        02 "QRIBFTTA"        service: transfer to an account
    53 "704"                 currency: VND
    54 amount                whole đồng (dynamic only)
    58 "VN"                  country
    62 additional data:  08 purpose of transaction (the order number)
    63 CRC                   4 hex digits over everything before, "6304" included
"""

import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from marketplace.text import fold

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
MAX_PURPOSE = 25  # characters of field 62-08 that every bank app keeps
PURPOSE_CHARS = re.compile(r"[^A-Za-z0-9 ]+")


# NAPAS bank identification numbers of the banks most shoppers use, to name the bank beside
# its BIN on the order page (the QR itself carries only the BIN).
BANKS = {
    "970436": "Vietcombank",
    "970415": "VietinBank",
    "970418": "BIDV",
    "970405": "Agribank",
    "970407": "Techcombank",
    "970422": "MB Bank",
    "970416": "ACB",
    "970432": "VPBank",
    "970423": "TPBank",
    "970403": "Sacombank",
    "970441": "VIB",
    "970443": "SHB",
    "970437": "HDBank",
    "970448": "OCB",
    "970426": "MSB",
    "970431": "Eximbank",
    "970440": "SeABank",
    "970454": "BVBank",
}


class VietQRError(ValueError):
    pass


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"Field {tag} is longer than 99 characters.")
    return f"{tag}{len(value):02d}{value}"


def crc(data: str) -> str:
    return f"{binascii.crc_hqx(data.encode('ascii'), 0xFFFF):04X}"


def clean_purpose(text: str) -> str:
    """Bank apps keep ASCII letters, digits and spaces: fold Vietnamese, drop the rest."""
    folded = fold(text or "").upper()
    return " ".join(PURPOSE_CHARS.sub(" ", folded).split())[:MAX_PURPOSE]


def payload(*, bank_bin: str, account: str, amount: int | None = None, purpose: str = "") -> str:
    if not re.fullmatch(r"[0-9]{6}", bank_bin or ""):
        raise VietQRError("The bank BIN is 6 digits.")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account or ""):
        raise VietQRError("The account number is 1-19 letters or digits.")
    if amount is not None and (
        isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < 10**13
    ):
        raise VietQRError("The amount is a whole number of đồng above zero.")
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        _tlv("00", "01")
        + _tlv("01", "12" if amount else "11")
        + _tlv("38", merchant)
        + _tlv("53", "704")
        + (_tlv("54", str(amount)) if amount else "")
        + _tlv("58", "VN")
    )
    purpose = clean_purpose(purpose)
    if purpose:
        body += _tlv("62", _tlv("08", purpose))
    body += "6304"
    return body + crc(body)


@dataclass(frozen=True)
class TransferDetails:
    """What a shopper types into a bank app when they cannot scan."""

    bank_bin: str
    account: str
    account_name: str
    amount: int | None
    purpose: str
    payload: str

    @property
    def bank_label(self) -> str:
        name = BANKS.get(self.bank_bin)
        return f"{name} (BIN {self.bank_bin})" if name else f"BIN {self.bank_bin}"


def transfer(
    *, bank_bin: str, account: str, account_name: str, amount: int | None, purpose: str
) -> TransferDetails:
    return TransferDetails(
        bank_bin=bank_bin,
        account=account,
        account_name=account_name,
        amount=amount,
        purpose=clean_purpose(purpose),
        payload=payload(bank_bin=bank_bin, account=account, amount=amount, purpose=purpose),
    )


def marketplace_transfer(*, amount: int, purpose: str) -> TransferDetails:
    """The marketplace's own account: checkout transfers for one order."""
    return transfer(
        bank_bin=settings.VIETQR_BANK_BIN,
        account=settings.VIETQR_ACCOUNT_NUMBER,
        account_name=settings.VIETQR_ACCOUNT_NAME,
        amount=amount,
        purpose=purpose,
    )


def cooperative_transfer(cooperative, *, amount: int | None = None, purpose: str = ""):
    """A cooperative's own account: the static QR of its market stall (amount optional)."""
    if not (cooperative.bank_bin and cooperative.bank_account_number):
        raise VietQRError(f"{cooperative.name} has no bank account on file.")
    return transfer(
        bank_bin=cooperative.bank_bin,
        account=cooperative.bank_account_number,
        account_name=cooperative.bank_account_name,
        amount=amount,
        purpose=purpose,
    )


def svg(data: str, *, scale: int = 6) -> str:
    """The QR as inline SVG (segno), error correction M like bank apps print.

    Encoding costs about 15 ms (segno tries eight masks); an order page is opened again and
    again while the shopper pays, so the drawing is cached by its content for a day.
    """
    import io

    import segno

    key = "vietqr-svg:" + hashlib.sha256(f"{scale}:{data}".encode()).hexdigest()
    drawn = cache.get(key)
    if drawn is None:
        out = io.BytesIO()
        segno.make(data, error="m", micro=False).save(
            out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, dark="#111"
        )
        drawn = out.getvalue().decode()
        cache.set(key, drawn, 24 * 3600)
    return drawn


# --- bank notifications ------------------------------------------------------------
# Header ``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` with the
# shared VIETQR_WEBHOOK_SECRET (as Casso / SePay style bank-hook services sign theirs);
# ``t`` older than the tolerance is refused, so a captured notification cannot be replayed.


def sign(body: bytes, timestamp: int, secret: str | None = None) -> str:
    secret = secret if secret is not None else settings.VIETQR_WEBHOOK_SECRET
    digest = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(body: bytes, header: str, *, now: int) -> bool:
    secret = settings.VIETQR_WEBHOOK_SECRET
    if not secret or not header:
        return False
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > settings.VIETQR_WEBHOOK_TOLERANCE_SECONDS:
        return False
    expected = sign(body, timestamp, secret).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
