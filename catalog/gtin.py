"""GTIN handling through ``biip`` (GS1 rules, check digits); nothing hand-rolled here."""

from biip import ParseError
from biip.gtin import Gtin


class InvalidGtin(ValueError):
    pass


def normalize_gtin(value: str) -> str:
    """Validate a GTIN-8/12/13/14 and return it as 14 digits (the Digital Link form)."""
    raw = (value or "").strip().replace(" ", "")
    if not raw.isdigit():
        raise InvalidGtin("A GTIN has only digits.")
    if len(raw) not in (8, 12, 13, 14):
        raise InvalidGtin("A GTIN has 8, 12, 13 or 14 digits.")
    try:
        return Gtin.parse(raw).as_gtin_14()
    except ParseError as exc:
        raise InvalidGtin(str(exc)) from exc
