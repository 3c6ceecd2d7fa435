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
import hmac
import re
from dataclasses import dataclass
from functools import cache, cached_property, partial

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

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

    @cached_property
    def tag_key(self) -> bytes:
        """The current key's row-tag key (see ``row_tag``), derived from it by HKDF under its
        own purpose string: as secret as the private key, and not a field, so never in a
        repr (error reports print local variables)."""
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=TAG_INFO).derive(
            self.raw_private()
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


def well_formed(signature: str) -> bool:
    """``kid.sig`` as we print it, under a published key: worth checking any further."""
    kid, dot, value = signature.partition(".")
    return (
        bool(dot)
        and KEY_ID_PATTERN.fullmatch(kid) is not None
        and SIGNATURE_PATTERN.fullmatch(value) is not None
        and kid in keyring().public_keys
    )


def verify(gtin: str, lot: str, serial: str, signature: str) -> bool:
    """True when ``signature`` (``kid.sig``) is a valid signature of any published key."""
    if not well_formed(signature):
        return False
    kid, _dot, value = signature.partition(".")
    key = keyring().public_keys[kid]
    raw = b64url_decode(value)
    try:
        key.verify(raw, canonical_path(gtin, lot, serial).encode())
    except InvalidSignature:
        return False
    return True


# --- row tags: the server's receipt for a signature it made --------------------------------
#
# Checking an Ed25519 signature costs about 90 us here, a tenth of a whole scan's CPU. When a
# stamp is issued, its row gets a tag: keyed BLAKE2b (16 bytes; RFC 7693's MAC mode) of the
# signed message and the signature, under a key derived from the signing key. A scan whose
# signature is exactly the stored one, with a tag that matches, was signed by this server:
# no Ed25519 needed. The tag makes the shortcut as strong as the signature: whoever can write
# rows into the stamps table but does not hold the signing key cannot make a code of their
# own pass (a row with any signature but no valid tag is checked against the published keys,
# as before). Stamps of a retired key, or issued before tags, are checked with Ed25519.
# BLAKE2b rather than HMAC: issuing tags 180,000 rows with C-level calls only (0.6 against
# 1.6 us a row here).

TAG_INFO = b"ocop-trace stamp row tag v1"
TAG_BYTES = 16


def tagger(key: bytes):
    """``tagger(key)(message + raw_signature)`` is a hash object whose digest is the tag."""
    if len(key) != 32:
        raise ValueError("a row-tag key has 32 bytes")
    return partial(hashlib.blake2b, key=key, digest_size=TAG_BYTES)


def row_tag(key: bytes, message: bytes, raw_signature: bytes) -> bytes:
    return tagger(key)(message + raw_signature).digest()


@sensitive_variables("ring")
def stamp_tag(gtin: str, lot: str, serial: str, signature: str) -> str:
    """The row tag of a stamp whose ``signature`` (``kid.sig``, well formed) the current key
    made, as issuing stores it."""
    ring = keyring()
    raw = b64url_decode(signature.partition(".")[2])
    return b64url(row_tag(ring.tag_key, canonical_path(gtin, lot, serial).encode(), raw))


def _same(text: str, stored) -> bool:
    """Constant-time equality of a presented ASCII text and a stored value, whatever the
    stored value holds (a non-ASCII str would make ``compare_digest`` raise)."""
    return isinstance(stored, str) and hmac.compare_digest(
        text.encode(), stored.encode("utf-8", "surrogatepass")
    )


def vouched_for(gtin: str, lot: str, serial: str, signature: str, stored) -> bool:
    """True when ``signature`` (``kid.sig``) is the one ``stored`` (a stamp row: ``key_id``,
    ``signature``, ``tag``) was issued with under the current key, as its tag proves."""
    kid, _dot, value = signature.partition(".")
    if not stored.tag or kid != keyring().key_id or kid != stored.key_id:
        return False
    if not SIGNATURE_PATTERN.fullmatch(value) or not _same(value, stored.signature):
        return False
    return _same(stamp_tag(gtin, lot, serial, signature), stored.tag)


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
