"""Vietnamese text folding for search (storefront and admin): ``Chè La Bằng`` ->
``che la bang``, ``đ`` -> ``d``."""

import re

from anyascii import anyascii
from django.db.models import CharField, Func, Q

_NOT_A_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    return anyascii(text or "").lower()


def search_terms(text: str) -> str:
    """Folded words only: punctuation means nothing to shoppers and breaks FTS query syntax."""
    return " ".join(_NOT_A_WORD.sub(" ", fold(text)).split())


class Fold(Func):
    """``fold()`` in SQL: lower-case, without diacritics (``Chè La Bằng`` -> ``che la bang``).

    PostgreSQL: ``lower(unaccent(x))`` (the ``unaccent`` extension, migration
    ``marketplace/0004``); SQLite: this module's ``fold`` registered as a SQL function on each
    connection (``register_sqlite_fold``). For Vietnamese both give what ``fold`` gives.
    """

    function = "OCOP_FOLD"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="lower(unaccent(%(expressions)s::text))")


def register_sqlite_fold(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("OCOP_FOLD", 1, fold, deterministic=True)


def folded_search(queryset, fields, query: str):
    """Rows where every word of ``query`` appears, accents ignored, in one of ``fields``
    (``che bup la bang`` finds ``Chè búp La Bằng``; ``DH7`` finds ``DH7K2...``)."""
    words = search_terms(query[:200]).split()
    if not fields:
        return queryset
    if not words:  # only punctuation ("%", "'--"): nothing is named, nothing matches
        return queryset.none()
    annotations = {f"_fold_{i}": Fold(field) for i, field in enumerate(fields)}
    condition = Q()
    for word in words[:10]:
        any_field = Q()
        for name in annotations:
            any_field |= Q(**{f"{name}__contains": word})
        condition &= any_field
    return queryset.annotate(**annotations).filter(condition)
