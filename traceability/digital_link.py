"""GS1 Digital Link URIs for stamps, built and parsed with ``biip`` (GS1 rules, check digits).

A stamp: ``{TRACE_RESOLVER_BASE_URL}/01/{GTIN-14}/10/{lot}/21/{serial}?s={kid}.{signature}``.
The signed message is the canonical path with decoded values (``canonical_path``); the
browser verifier rebuilds the same string, so both sides agree without re-encoding rules.
"""

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class InvalidLot(ValueError):
    pass


class MalformedLink(ValueError):
    """Not a GS1 Digital Link with GTIN, lot and serial (or a bad GTIN check digit)."""


@dataclass(frozen=True)
class StampCode:
    gtin: str
    lot: str
    serial: str
    signature: str = ""  # "{kid}.{base64url}" as printed, or "" when absent

    @property
    def key_id(self) -> str:
        return self.signature.split(".", 1)[0] if "." in self.signature else ""

    @property
    def signature_value(self) -> str:
        return self.signature.split(".", 1)[1] if "." in self.signature else ""


def _element(ai: str, value: str) -> GS1ElementString:
    element = GS1ElementString.extract(ai + value)
    if element.value != value:
        # extract() stops at the first character the AI forbids.
        raise ParseError(f"({ai}) {value!r}")
    return element


def validate_lot(lot: str) -> str:
    """A lot code as GS1 AI (10) allows: 1-20 characters of GS1's 82-character set."""
    if not lot or len(lot) > 20:
        raise InvalidLot(_("A lot code has 1 to 20 characters."))
    if lot in (".", ".."):  # browsers rewrite such path segments: the link would break
        raise InvalidLot(_("A lot code cannot be only dots."))
    try:
        _element("10", lot)
    except ParseError:
        raise InvalidLot(
            _(
                "A lot code may only use letters A-Z a-z, digits and ! \" % & ' ( ) * + , - . / "
                ": ; < = > ? _ (no spaces, no accents)."
            )
        ) from None
    return lot


def signature_from_query(query: str) -> str:
    """The ``s`` parameter exactly as written: no decoding, and none when there are several.

    A stamp's signature is printed in plain base64url; any other spelling of it is an altered
    code, read the same way by the resolver, the API and the inspector's page.
    """
    values = [pair[2:] for pair in query.split("&") if pair.startswith("s=")]
    return values[0] if len(values) == 1 else ""


MAX_QR_VERSION = 10  # at error correction M: legible when printed 2 cm wide
LINK_TOO_LONG = gettext_lazy(
    "With this lot code the stamp link is too long for a 2 cm QR code: use a shorter lot "
    'code, with fewer characters that links must encode (such as / % " and the like).'
)


def stamp_fits_qr(gtin: str, lot: str) -> bool:
    """The longest stamp of this lot (serial and signature at full length) fits the QR size
    we print, on the resolver host configured now."""
    import segno
    from django.conf import settings

    from .signing import keyring

    uri = stamp_uri(
        settings.TRACE_RESOLVER_BASE_URL, gtin, lot, "A" * 16, f"{keyring().key_id}.{'A' * 86}"
    )
    return segno.make_qr(uri, error="m", boost_error=False).version <= MAX_QR_VERSION


def canonical_path(gtin: str, lot: str, serial: str) -> str:
    """The signed message: decoded values, fixed AIs. Unambiguous: serials never hold '/'."""
    return f"/01/{gtin}/10/{lot}/21/{serial}"


def stamp_path(gtin: str, lot: str, serial: str) -> str:
    """The URI path as GS1 Digital Link encodes it (percent-encoding where the spec says)."""
    uri = GS1DigitalLinkURI.from_element_strings(
        GS1ElementStrings([_element("01", gtin), _element("10", lot), _element("21", serial)])
    ).as_uri(domain="x")
    return uri[len("https://x") :]


def stamp_uri(base_url: str, gtin: str, lot: str, serial: str, signature: str) -> str:
    return f"{base_url.rstrip('/')}{stamp_path(gtin, lot, serial)}?s={signature}"


def stamp_uri_prefix(base_url: str, gtin: str, lot: str) -> str:
    """Everything before the serial, for printing many stamps of one batch quickly.

    Our serials are base32 (A-Z, 2-7): they never need percent-encoding.
    """
    path = stamp_path(gtin, lot, "X")
    return f"{base_url.rstrip('/')}{path[:-1]}"


def parse_stamp_uri(text: str) -> StampCode:
    """Parse a scanned or typed stamp URI (any host); raise ``MalformedLink`` with a reason."""
    text = (text or "").strip()
    if not text.lower().startswith(("http://", "https://")):
        raise MalformedLink(_("This is not a web link (GS1 Digital Link)."))
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - validates the port; urlsplit alone is lenient
    except ValueError:
        raise MalformedLink(_("This is not a web link (GS1 Digital Link).")) from None
    signature = signature_from_query(parts.query)
    # biip wants https and no query it does not know; the host does not matter here.
    try:
        link = GS1DigitalLinkURI.parse(f"https://{parts.netloc or 'x'}{parts.path}")
    except ParseError as exc:
        raise MalformedLink(_("Not a GS1 Digital Link: %(reason)s") % {"reason": exc}) from None
    values = {e.ai.ai: e for e in link.element_strings}
    if not {"01", "10", "21"} <= values.keys():
        raise MalformedLink(_("A stamp link names a GTIN (01), a lot (10) and a serial (21)."))
    gtin_element = values["01"]
    if gtin_element.gtin_error or gtin_element.gtin is None:
        raise MalformedLink(
            _("Invalid GTIN: %(reason)s") % {"reason": gtin_element.gtin_error or "?"}
        )
    serial = values["21"].value
    try:
        _check_serial(serial)
    except ParseError as exc:
        raise MalformedLink(_("Not a GS1 Digital Link: %(reason)s") % {"reason": exc}) from None
    return StampCode(
        gtin=gtin_element.gtin.as_gtin_14(),
        lot=values["10"].value,
        serial=serial,
        signature=signature,
    )


@functools.lru_cache(maxsize=512)
def _batch_part(gtin: str, lot: str) -> tuple[str | None, str | None]:
    """(GTIN-14, None) or (None, why the GTIN is invalid) for a link's GTIN and lot, which
    every stamp of a batch shares: parsed once per process. A ParseError (a value GS1 does
    not allow) is not cached: it is raised again next time."""
    gtin_element = _element("01", gtin)
    _element("10", lot)
    if gtin_element.gtin_error or gtin_element.gtin is None:
        return None, gtin_element.gtin_error
    return gtin_element.gtin.as_gtin_14(), None


@functools.cache
def _serial_pattern() -> re.Pattern:
    """What ``_element("21", …)`` matches: biip's own pattern for AI (21), as biip applies it
    (no anchor at the end, the value cut at a GS1 separator, then compared whole)."""
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier

    return re.compile(GS1ApplicationIdentifier.extract("21").pattern.removesuffix("$"))


def _check_serial(serial: str) -> None:
    """``_element("21", serial)`` without building the element (every scan has a new serial);
    a serial biip refuses is handed to biip, for its own ParseError."""
    if "/" in serial:
        # GS1 allows it, but the signed path would then read two ways (a lot may hold "/21/"):
        # no serial we issue has one.
        raise ParseError(f"(21) {serial!r}: '/'")
    match = _serial_pattern().match("21" + serial)
    if match is None or "".join(g for g in match.groups() if g is not None) != serial:
        _element("21", serial)
        raise ParseError(f"(21) {serial!r}")  # not reached: biip refused it above


def parse_stamp_path(gtin: str, lot: str, serial: str, signature: str = "") -> StampCode:
    """The resolver's URL parts (already decoded by Django) checked like a full URI."""
    try:
        gtin_14, gtin_error = _batch_part(gtin, lot)
        _check_serial(serial)
    except ParseError as exc:
        raise MalformedLink(_("Not a GS1 Digital Link: %(reason)s") % {"reason": exc}) from None
    if gtin_14 is None:
        raise MalformedLink(_("Invalid GTIN: %(reason)s") % {"reason": gtin_error})
    return StampCode(gtin=gtin_14, lot=lot, serial=serial, signature=signature)
