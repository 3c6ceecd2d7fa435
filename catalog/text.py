"""Vietnamese text folding for search: ``Chè La Bằng`` -> ``che la bang``, ``đ`` -> ``d``."""

from anyascii import anyascii


def fold(text: str) -> str:
    return anyascii(text or "").lower()
