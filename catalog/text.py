"""Vietnamese text folding for search: ``Chè La Bằng`` -> ``che la bang``, ``đ`` -> ``d``."""

import re

from anyascii import anyascii

_NOT_A_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    return anyascii(text or "").lower()


def search_terms(text: str) -> str:
    """Folded words only: punctuation means nothing to shoppers and breaks FTS query syntax."""
    return " ".join(_NOT_A_WORD.sub(" ", fold(text)).split())
