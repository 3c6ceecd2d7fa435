"""Ed25519 signatures of stamps (``cryptography``), and the published key set.

The current private key comes from ``TRACE_SIGNING_KEY_PEM`` (PKCS#8 PEM) with id
``TRACE_SIGNING_KEY_ID``. Retired keys keep verifying: ``TRACE_RETIRED_PUBLIC_KEYS`` lists
them as ``kid:base64url-raw-public-key`` pairs separated by commas. Without a PEM (dev and
tests only: production refuses to start) a key is derived from ``SECRET_KEY`` so stamps
made by ``load_demo`` stay valid across restarts.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .digital_link import canonical_path


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Keyring:
    key_id: str
    private_key: Ed25519PrivateKey
    public_keys: dict[str, Ed25519PublicKey]  # kid -> key, the current one included

    def raw_public(self, kid: str) -> bytes:
        return self.public_keys[kid].public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def raw_private(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )


def _load_private_key() -> Ed25519PrivateKey:
    pem = settings.TRACE_SIGNING_KEY_PEM
    if pem:
        key = serialization.load_pem_private_key(pem.replace("\\n", "\n").encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("TRACE_SIGNING_KEY_PEM must be an Ed25519 private key.")
        return key
    seed = hashlib.sha256(f"ocop-trace-dev-key:{settings.SECRET_KEY}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


@cache
def _keyring(pem: str, key_id: str, retired: str) -> Keyring:
    private_key = _load_private_key()
    public_keys: dict[str, Ed25519PublicKey] = {}
    for item in retired.split(","):
        if not item.strip():
            continue
        kid, _, raw = item.strip().partition(":")
        try:
            public_keys[kid] = Ed25519PublicKey.from_public_bytes(b64url_decode(raw))
        except (ValueError, binascii.Error) as exc:
            raise ImproperlyConfigured(f"TRACE_RETIRED_PUBLIC_KEYS: bad key {kid!r}") from exc
    public_keys[key_id] = private_key.public_key()
    return Keyring(key_id=key_id, private_key=private_key, public_keys=public_keys)


def keyring() -> Keyring:
    """The keys in force (cached per settings value, so tests can swap keys)."""
    return _keyring(
        settings.TRACE_SIGNING_KEY_PEM,
        settings.TRACE_SIGNING_KEY_ID,
        getattr(settings, "TRACE_RETIRED_PUBLIC_KEYS", ""),
    )


def sign_path(gtin: str, lot: str, serial: str) -> str:
    """``{kid}.{base64url signature}`` of the stamp's canonical path."""
    ring = keyring()
    signature = ring.private_key.sign(canonical_path(gtin, lot, serial).encode())
    return f"{ring.key_id}.{b64url(signature)}"


# Only the exact text we print verifies: 86 base64url characters whose last one carries no
# stray bits (so "…Ag" and "…Ah" are not both accepted), a key id of safe characters.
# The inspector's page (static/traceability/inspect.js) applies the same two patterns.
SIGNATURE_PATTERN = re.compile(r"[A-Za-z0-9_-]{85}[AQgw]")
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")


def verify(gtin: str, lot: str, serial: str, signature: str) -> bool:
    """True when ``signature`` (``kid.sig``) is a valid signature of any published key."""
    kid, dot, value = signature.partition(".")
    if not dot or not KEY_ID_PATTERN.fullmatch(kid) or not SIGNATURE_PATTERN.fullmatch(value):
        return False
    key = keyring().public_keys.get(kid)
    if key is None:
        return False
    raw = b64url_decode(value)
    try:
        key.verify(raw, canonical_path(gtin, lot, serial).encode())
    except InvalidSignature:
        return False
    return True


def public_key_set() -> dict:
    """The published keys as a JWK Set (RFC 8037 OKP keys), for phones and partners."""
    ring = keyring()
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "kid": kid,
                "x": b64url(ring.raw_public(kid)),
                "status": "current" if kid == ring.key_id else "retired",
            }
            for kid in ring.public_keys
        ],
        "message": "/01/{gtin14}/10/{lot}/21/{serial} (UTF-8, values decoded)",
    }
