"""Stock and prices in bulk: the quick table of the admin and CSV files (export, import).

Both come down to the same rule: rows of ``sku, price, on_hand, low_stock_threshold`` are
checked whole first — every problem named with its line — and nothing is applied until all
are clean; then every change is applied in one transaction through the rules a single edit
uses (``catalog.stock.stock_set_on_hand``, ``catalog.prices.variant_price_set``), so cards,
cached pages and search rows follow exactly as they do for one edit.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.reports import safe_cell

from .models import ProductVariant, Stock
from .prices import variant_price_set
from .stock import InsufficientStock, stock_set_on_hand

# The file's columns, in the order of an export. The last two are for reading only.
COLUMNS = ("sku", "product", "unit", "price", "on_hand", "low_stock_threshold", "reserved")
EDITABLE = ("price", "on_hand", "low_stock_threshold")
EXTRA_CELLS = "\x00extra"  # a row's marker: cells beyond the header (never a column name)
# The largest value each column holds: prices are whole đồng (a bigint), stock counts an int.
MAXIMUM = {"price": 10**12, "on_hand": 2**31 - 1, "low_stock_threshold": 2**31 - 1}
# 125000, 125.000, 125,000, 125 000 (a thousands separator every three digits); "đ"/"₫" after.
NUMBER = re.compile(r"^\d{1,3}([.,\s\u00a0]\d{3})+$|^\d+$")
CURRENCY = re.compile(r"\s*(₫|đ|đồng|dong|vnđ|vnd)\s*$", re.IGNORECASE)
SKU_CHARACTERS = re.compile(r"^[\w.\-/]+$")


class ImportRefused(Exception):
    """The file as a whole cannot be read (too big, not text, wrong columns)."""


@dataclass
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


@dataclass
class Change:
    line: int
    variant: ProductVariant
    values: dict = field(default_factory=dict)  # column -> new int value (changed ones only)


@dataclass
class Outcome:
    changes: list[Change]
    problems: list[Problem]
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_number(raw: str, *, maximum: int = 10**12) -> int | None:
    """A whole number as people type it in Vietnam (``125.000``, ``125000 ₫``, ``125.000 VNĐ``),
    at most ``maximum``; None if not."""
    text = CURRENCY.sub("", raw.strip())
    if not text or len(text) > 24 or not NUMBER.match(text):
        return None
    value = int(re.sub(r"\D", "", text))
    return value if value <= maximum else None


def readable_sku(sku: str) -> bool:
    """Could be a SKU (and so may go into a query: no NUL, nothing overlong)."""
    return len(sku) <= 40 and bool(SKU_CHARACTERS.match(sku))


def variants_for(workspace):
    """Variants whose stock and price this workspace may change, with their stock rows."""
    variants = ProductVariant.objects.select_related("page", "stock")
    return workspace.scope(variants, "page__cooperative")


def check_rows(rows: list[tuple[int, dict]], *, workspace) -> Outcome:
    """``rows``: (line number, {column: text}) with at least ``sku``. Returns the changes
    (only values that differ from today's) or every problem found; looks every SKU up at once."""
    problems: list[Problem] = []
    skus = [(row.get("sku") or "").strip().upper() for _line, row in rows]
    readable = [s for s in skus if readable_sku(s)]
    known = {
        v.sku: v
        for v in ProductVariant.objects.select_related("page", "stock").filter(sku__in=readable)
    }
    allowed = workspace.cooperative_ids
    seen: dict[str, int] = {}
    changes = []
    for (line, row), sku in zip(rows, skus, strict=True):
        if not sku:
            problems.append(Problem(line, _("the SKU is empty.")))
            continue
        if row.get(EXTRA_CELLS):
            problems.append(
                Problem(
                    line,
                    _("this line has more cells than there are columns (a comma in a number?)."),
                )
            )
            continue
        if sku in seen:
            problems.append(
                Problem(
                    line,
                    _("SKU %(sku)s is already on line %(other)s.")
                    % {"sku": sku, "other": seen[sku]},
                )
            )
            continue
        seen[sku] = line
        variant = known.get(sku)
        if variant is None:
            shown = "".join(ch for ch in sku[:40] if ch.isprintable())
            problems.append(Problem(line, _("unknown SKU %(sku)s.") % {"sku": shown}))
            continue
        if allowed is not None and variant.page.cooperative_id not in allowed:
            problems.append(
                Problem(line, _("SKU %(sku)s belongs to another cooperative.") % {"sku": sku})
            )
            continue
        values, row_problems = _check_values(variant, row)
        problems.extend(Problem(line, message) for message in row_problems)
        if values and not row_problems:
            changes.append(Change(line, variant, values))
    return Outcome(changes=changes, problems=problems, rows=len(rows))


def _check_values(variant: ProductVariant, row: dict) -> tuple[dict, list[str]]:
    stock = getattr(variant, "stock", None) or Stock(variant=variant)
    current = {
        "price": variant.price,
        "on_hand": stock.on_hand,
        "low_stock_threshold": stock.low_stock_threshold,
    }
    values, problems = {}, []
    for column in EDITABLE:
        raw = (row.get(column) or "").strip()
        if not raw:
            continue  # an empty cell leaves the value as it is
        value = parse_number(raw, maximum=MAXIMUM[column])
        if value is None:
            shown = "".join(ch for ch in raw[:30] if ch.isprintable())
            problems.append(
                _("%(column)s “%(value)s” is not a whole number (at most %(max)s).")
                % {"column": column, "value": shown, "max": MAXIMUM[column]}
            )
            continue
        if value != current[column]:
            values[column] = value
    price = values.get("price")
    if price is not None:
        if price <= 0:
            problems.append(_("the price must be above 0 đồng."))
        elif variant.compare_at_price and price >= variant.compare_at_price:
            problems.append(
                _("the price must stay below the compare-at price %(compare)s đồng.")
                % {"compare": variant.compare_at_price}
            )
    on_hand = values.get("on_hand")
    if on_hand is not None and on_hand < stock.reserved:
        problems.append(
            _("on hand %(n)s is below the %(reserved)s units orders have reserved.")
            % {"n": on_hand, "reserved": stock.reserved}
        )
    return values, problems


class ChangeRefused(Exception):
    def __init__(self, change: "Change", message: str):
        super().__init__(message)
        self.change = change


@transaction.atomic
def apply_changes(changes: list[Change], *, actor=None) -> int:
    """Apply checked changes, all or none. A reservation made since the check that leaves
    too little stock raises ``InsufficientStock``, a price no longer allowed (its compare-at
    price changed meanwhile) ``ChangeRefused``: either rolls everything back."""
    for change in sorted(changes, key=lambda c: c.variant.pk):  # locks in one order
        values = change.values
        if "on_hand" in values:
            stock_set_on_hand(variant_id=change.variant.pk, on_hand=values["on_hand"])
        if "low_stock_threshold" in values:
            Stock.objects.update_or_create(
                variant_id=change.variant.pk,
                defaults={"low_stock_threshold": values["low_stock_threshold"]},
            )
        if "price" in values:
            try:
                variant_price_set(variant=change.variant, price=values["price"], actor=actor)
            except ValidationError as exc:
                raise ChangeRefused(change, "; ".join(exc.messages)) from None
    return len(changes)


def apply_rows(rows: list[tuple[int, dict]], *, workspace, actor=None) -> Outcome:
    outcome = check_rows(rows, workspace=workspace)
    if outcome.ok and outcome.changes:
        try:
            apply_changes(outcome.changes, actor=actor)
        except ChangeRefused as exc:
            outcome.problems.append(Problem(exc.change.line, str(exc)))
        except InsufficientStock as exc:
            change = next(c for c in outcome.changes if c.variant.pk == exc.variant_id)
            outcome.problems.append(
                Problem(
                    change.line,
                    _("orders reserved more of %(sku)s meanwhile; nothing was changed, try again.")
                    % {"sku": change.variant.sku},
                )
            )
    return outcome


# --- CSV files -------------------------------------------------------------------------


def read_csv(data: bytes) -> list[tuple[int, dict]]:
    """Rows of an uploaded file, with their line numbers (the header is line 1).

    Takes what Excel writes: UTF-8 with or without a byte-order mark, ``,`` or ``;`` (Excel
    in Vietnamese uses ``;`` as its list separator). Refuses the whole file — with the limit
    in the message — above ``CATALOG_IMPORT_MAX_BYTES`` or ``CATALOG_IMPORT_MAX_ROWS``, when it
    is not UTF-8 text, or when its columns are not the export's."""
    limit = settings.CATALOG_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportRefused(
            _("The file is %(size)s KB; files up to %(limit)s KB are accepted. Split it.")
            % {"size": len(data) // 1024, "limit": limit // 1024}
        )
    if b"\x00" in data:
        raise ImportRefused(_("This is not a CSV text file (it holds NUL bytes)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”.")
        ) from None
    if not text.strip():
        raise ImportRefused(_("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        _check_header(header)
        rows = []
        max_rows = settings.CATALOG_IMPORT_MAX_ROWS
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= max_rows:
                raise ImportRefused(
                    _("The file has more than %(limit)s rows; split it into smaller files.")
                    % {"limit": max_rows}
                )
            cells = dict(zip(header, record, strict=False))
            if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
                cells[EXTRA_CELLS] = "1"
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ImportRefused(
            _("Line %(line)s cannot be read as CSV: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from None
    return rows


def _check_header(header: list[str]) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in ("sku", *EDITABLE) if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise ImportRefused(
            _(
                "Line 1: the columns must be those of the export (%(expected)s); "
                "unknown: %(unknown)s; missing: %(missing)s."
            )
            % {
                "expected": ", ".join(COLUMNS),
                "unknown": ", ".join(n[:30] for n in unknown) or "—",
                "missing": ", ".join(missing) or "—",
            }
        )


def export_csv(variants) -> bytes:
    """The variants as the import expects them: UTF-8 with a BOM (Excel), comma-separated;
    names that would read as a formula start with an apostrophe (the import ignores them)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for variant in variants:
        stock = getattr(variant, "stock", None) or Stock(variant=variant)
        writer.writerow(
            [
                variant.sku,  # letters, digits, . - / _: never a formula Excel would run
                safe_cell(variant.page.title),
                safe_cell(variant.unit_label),
                variant.price,
                stock.on_hand,
                stock.low_stock_threshold,
                stock.reserved,
            ]
        )
    return buffer.getvalue().encode("utf-8")
