"""Print files for stamp orders: PDF label sheets (reportlab, QR codes drawn as vectors) and a
CSV for print shops. Both stream the order's stamps in number order.

Every QR uses error correction M and a fixed mask: automatic mask selection costs about six
times more and changes nothing a scanner notices (tests decode every printed code).

Speed (``benchmarks/labels_pdf.py``): the URIs of one order differ only in serial and
signature, so ``FixedQR`` encodes them with everything that does not depend on the data
precomputed (function patterns, module order, mask; Reed-Solomon by table), checked module
by module against ``segno`` for the first code of each version; each code becomes one filled
path of run rectangles in module units looked up per 8 modules, so no float is formatted per
label. Streams are deflated without reportlab's (pure Python) ASCII85 step.
"""

import csv
import io
import threading
from dataclasses import dataclass
from functools import cache
from operator import add, itemgetter

import segno
from django.conf import settings
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .digital_link import stamp_uri_prefix
from .issuing import iter_order_stamps

QR_MASK = 2
QR_ERROR = "m"
MAX_QR_VERSION = 10
QUIET_MODULES = 2  # modules of quiet zone kept inside the code's square (plus the label margin)
FAST_QR = True  # False: every code through segno (the benchmark compares both)


@dataclass(frozen=True)
class LabelSheet:
    name: str
    page: tuple[float, float]
    columns: int
    rows: int
    label_width: float
    label_height: float
    margin_left: float
    margin_top: float
    gap_x: float = 0
    gap_y: float = 0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


# The multiplication signs in the names are meant (shown to people).
LAYOUTS = {
    # A4, 65 labels of 38.1 x 21.2 mm (the common 5 x 13 office label sheet).
    "a4-65": LabelSheet(
        "A4 65-up 38.1×21.2 mm",  # noqa: RUF001
        A4,
        5,
        13,
        38.1 * mm,
        21.2 * mm,
        4.65 * mm,
        10.7 * mm,
        2.5 * mm,
        0,
    ),
    # A4, 24 labels of 70 x 37 mm, for larger packs.
    "a4-24": LabelSheet("A4 24-up 70×37 mm", A4, 3, 8, 70 * mm, 37 * mm, 0, 0.5 * mm),  # noqa: RUF001
}
LAYOUT_CHOICES = [(key, sheet.name) for key, sheet in LAYOUTS.items()]


def make_qr(uri: str, mask: int | None = QR_MASK):
    """The code as ``segno`` makes it (the reference ``FixedQR`` is checked against)."""
    qr = segno.make_qr(uri, error=QR_ERROR, mask=mask, boost_error=False)
    if qr.version > MAX_QR_VERSION:
        raise ValueError(f"QR version {qr.version} > {MAX_QR_VERSION} for {uri}")
    return qr


# --- QR codes of many URIs of one length ---------------------------------------------------

# ISO/IEC 18004 table 9, error correction level M: (EC codewords per block,
# ((blocks, data codewords per block), ...)) for versions 1-10.
_M_BLOCKS = {
    1: (10, ((1, 16),)),
    2: (16, ((1, 28),)),
    3: (26, ((1, 44),)),
    4: (18, ((2, 32),)),
    5: (24, ((2, 43),)),
    6: (16, ((4, 27),)),
    7: (18, ((4, 31),)),
    8: (22, ((2, 38), (2, 39))),
    9: (22, ((3, 36), (2, 37))),
    10: (26, ((4, 43), (1, 44))),
}
# Annex E: centres of the alignment patterns.
_ALIGNMENT = {
    1: (),
    2: (6, 18),
    3: (6, 22),
    4: (6, 26),
    5: (6, 30),
    6: (6, 34),
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
}
# Table 10: data mask conditions (i row, j column).
_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)
_PAD = b"\xec\x11" * 200


def _gf_tables() -> tuple[list[int], list[int]]:
    exp, log, x = [0] * 512, [0] * 256, 1
    for i in range(255):
        exp[i], log[x] = x, i
        x <<= 1
        if x & 0x100:
            x ^= 0x11D
    exp[255:510] = exp[:255]
    return exp, log


_EXP, _LOG = _gf_tables()


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@cache
def _rs_table(ec: int) -> tuple[int, ...]:
    """For each feedback byte f: f x the generator polynomial (without its leading 1), as an
    int of ``ec`` bytes, so one Reed-Solomon step is a shift, a lookup and an XOR."""
    gen = [1]
    for i in range(ec):
        product = [*gen, 0]
        for j, c in enumerate(gen):
            product[j + 1] ^= _gf_mul(c, _EXP[i])
        gen = product
    return tuple(int.from_bytes(bytes(_gf_mul(g, f) for g in gen[1:])) for f in range(256))


def qr_version(length: int) -> int:
    """The smallest version that holds ``length`` bytes in byte mode at level M."""
    for version, (_ec, groups) in _M_BLOCKS.items():
        header = 2 if version < 10 else 3  # mode + character count + terminator, in bytes
        if length + header <= sum(b * d for b, d in groups):
            return version
    raise ValueError(f"{length} bytes need a QR version > {MAX_QR_VERSION}")


class FixedQR:
    """Byte-mode QR codes of one version at level M with one mask, as packed rows.

    ``encode(data)`` returns the symbol (quiet zone excluded) as ``size`` rows of
    ``row_bytes`` bytes, most significant bit first, 1 = dark, unused bits 0.
    """

    def __init__(self, version: int, mask: int = QR_MASK):
        ec, groups = _M_BLOCKS[version]
        n = self.size = 17 + 4 * version
        self.version, self.mask, self.ec = version, mask, ec
        self.blocks = [d for b, d in groups for _ in range(b)]
        self.capacity = sum(self.blocks)
        self.count_bits = 8 if version < 10 else 16
        self.rs = _rs_table(ec)
        self.ec_mask, self.ec_shift = (1 << (8 * ec)) - 1, 8 * (ec - 1)
        # Interleaving (8.6): data codewords column by column over the blocks, then EC.
        starts = [sum(self.blocks[:b]) for b in range(len(self.blocks))]
        order = [
            starts[b] + k
            for k in range(max(self.blocks))
            for b, d in enumerate(self.blocks)
            if k < d
        ]
        order += [self.capacity + b * ec + k for k in range(ec) for b in range(len(self.blocks))]
        self._interleave = itemgetter(*order)
        # Module placement (8.7.3): two-module columns from the right, up and down.
        reserved = self._function_modules()
        positions, upward, col = [], True, n - 1
        while col > 0:
            if col == 6:
                col -= 1
            for row in range(n - 1, -1, -1) if upward else range(n):
                positions.extend((row, c) for c in (col, col - 1) if (row, c) not in reserved)
            upward, col = not upward, col - 2
        self.bits = len(positions)
        self.remainder = self.bits - 8 * (self.capacity + ec * len(self.blocks))
        if not 0 <= self.remainder < 8:
            raise ValueError(f"QR version {version}: {self.bits} data modules")
        condition = _MASKS[mask]
        self.mask_bits = int("".join("1" if condition(r, c) else "0" for r, c in positions), 2)
        # Function patterns, format and version information from segno, once per version.
        template = segno.make_qr(
            "0" * (self.capacity - 3),
            version=version,
            error="m",
            mask=mask,
            mode="byte",
            boost_error=False,
        ).matrix
        self.row_bytes = (n + 7) // 8
        index = {pos: k for k, pos in enumerate(positions)}
        light, dark = self.bits, self.bits + 1  # the two characters appended to the bits
        self._place = itemgetter(
            *(
                index.get((r, c), dark if c < n and template[r][c] else light)
                for r in range(n)
                for c in range(self.row_bytes * 8)
            )
        )

    def _function_modules(self) -> set[tuple[int, int]]:
        n, far = self.size, self.size - 8
        cells = set()
        for r in range(n):
            for c in range(n):
                if (
                    (r < 9 and (c < 9 or c >= far))
                    or (r >= far and c < 9)
                    or r == 6
                    or c == 6
                    or (
                        self.version >= 7
                        and ((r < 6 and far - 3 <= c < far) or (c < 6 and far - 3 <= r < far))
                    )
                ):
                    cells.add((r, c))
        centres = _ALIGNMENT[self.version]
        corners = {(6, 6), (6, centres[-1] if centres else 0), (centres[-1] if centres else 0, 6)}
        for ar in centres:
            for ac in centres:
                if (ar, ac) not in corners:
                    cells.update((ar + dr, ac + dc) for dr in range(-2, 3) for dc in range(-2, 3))
        return cells

    def encode(self, data: bytes) -> bytes:
        length = len(data)
        head = (((4 << self.count_bits) | length) << (8 * length)) | int.from_bytes(data)
        body = (head << 4).to_bytes(length + 1 + self.count_bits // 8)  # + terminator
        if len(body) > self.capacity:
            raise ValueError(f"{length} bytes do not fit QR version {self.version}")
        # As segno does (and so the codes stay identical to its): a zero byte after the
        # terminator, then the pad codewords. Decoders stop at the terminator either way.
        codewords = (body + b"\0" + _PAD)[: self.capacity]
        rs, ec_mask, shift = self.rs, self.ec_mask, self.ec_shift
        ecc, start = [], 0
        for size in self.blocks:
            reg = 0
            for byte in codewords[start : start + size]:
                reg = ((reg << 8) & ec_mask) ^ rs[(reg >> shift) ^ byte]
            ecc.append(reg.to_bytes(self.ec))
            start += size
        final = bytes(self._interleave(codewords + b"".join(ecc)))
        bits = (int.from_bytes(final) << self.remainder) ^ self.mask_bits
        text = format(bits, f"0{self.bits}b") + "01"
        return int("".join(self._place(text)), 2).to_bytes(self.size * self.row_bytes)


def pack_matrix(matrix) -> bytes:
    """A segno matrix as ``FixedQR.encode`` returns it."""
    width = (len(matrix) + 7) // 8 * 8
    bits = "".join("".join("1" if v else "0" for v in row).ljust(width, "0") for row in matrix)
    return int(bits, 2).to_bytes(len(bits) // 8)


@cache
def _fixed_qr(version: int, mask: int) -> FixedQR | None:
    """The encoder of a version, or None when it disagrees with segno (then segno is used)."""
    try:
        encoder = FixedQR(version, mask)
        full = encoder.capacity - 2 - (version >= 10)
        base = "https://r.example/01/08930000000017/10/LOT/21/SERIAL?s=" + "x" * 400
        for length in {full, max(full // 2, 1), 1}:  # no padding, padding
            sample = base[:length]
            expected = segno.make_qr(
                sample, version=version, error="m", mask=mask, mode="byte", boost_error=False
            )
            if encoder.encode(sample.encode()) != pack_matrix(expected.matrix):
                return None
    except Exception:  # any doubt: segno
        return None
    return encoder


class QRCodes:
    """Packed QR matrices of URIs (fast path for a fixed mask, segno otherwise)."""

    def __init__(self, mask: int | None = QR_MASK, fast: bool | None = None):
        self.mask = mask
        self.fast = FAST_QR if fast is None else fast

    def __call__(self, uri: str) -> tuple[int, bytes]:
        data = uri.encode("utf-8")
        if self.fast and self.mask is not None and data.isascii():
            version = qr_version(len(data))
            encoder = _fixed_qr(version, self.mask)
            if encoder is not None:
                return encoder.size, encoder.encode(data)
        qr = make_qr(uri, self.mask)
        return len(qr.matrix), pack_matrix(qr.matrix)


@cache
def _run_ops(size: int) -> tuple[list[str], tuple[int, ...]]:
    """PDF rectangles ``x y w 1 re`` (module units, y up) for each row, each 8-module group
    and each value of that byte, and the offsets that index them by byte position."""
    runs = []
    for value in range(256):
        found, c = [], 0
        while c < 8:
            if value & (0x80 >> c):
                start = c
                while c < 8 and value & (0x80 >> c):
                    c += 1
                found.append((start, c - start))
            else:
                c += 1
        runs.append(found)
    row_bytes = (size + 7) // 8
    table = []
    for r in range(size):
        y = size - 1 - r
        for b in range(row_bytes):
            x0 = 8 * b
            table.extend("".join(f"{x0 + s} {y} {w} 1 re\n" for s, w in found) for found in runs)
    return table, tuple(range(0, size * row_bytes * 256, 256))


def qr_path(size: int, packed: bytes) -> str:
    """The dark modules of a packed matrix as PDF path operators (one ``f`` fills them)."""
    table, offsets = _run_ops(size)
    return "".join(map(table.__getitem__, map(add, offsets, packed)))


def _font() -> str:
    """A TrueType font with Vietnamese glyphs when the system has one (DejaVu)."""
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",):
        try:
            pdfmetrics.registerFont(TTFont("DejaVuSans", path))
            return "DejaVuSans"
        except Exception:
            continue
    return "Helvetica"


_RL_CONFIG_LOCK = threading.Lock()


# ReportLab keeps a whole document in memory until it is saved (about 14 KB per label), so a
# large order is printed as several PDFs of this many sheets each, packed in one ZIP: memory
# stays bounded whatever the order's size.
PDF_SHEETS_PER_PART = 100


def print_file_stem(lot: str, first: int, last: int) -> str:
    """``LOT-first-last``, safe as a file name (a lot code may hold / % and the like)."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in f"{lot}-{first}-{last}")


def pdf_parts(order) -> list[tuple[int, int]]:
    """The stamp number ranges of the order's PDF files (one range for most orders)."""
    size = LAYOUTS[order.layout].per_page * PDF_SHEETS_PER_PART
    return [
        (start, min(start + size - 1, order.last_number))
        for start in range(order.first_number, order.last_number + 1, size)
    ]


def render_print_file(order, out, *, progress=None) -> str:
    """The order's labels as one PDF, or as a ZIP of PDFs for a large order.

    Writes to the binary file ``out`` and returns its extension, ``"pdf"`` or ``"zip"``.
    """
    import shutil
    import tempfile
    import zipfile

    parts = pdf_parts(order)
    if len(parts) == 1:
        render_pdf(order, out, progress=progress)
        return "pdf"
    done = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for first, last in parts:
            with tempfile.TemporaryFile() as part:
                offset = done
                done += render_pdf(
                    order,
                    part,
                    numbers=(first, last),
                    progress=(lambda n, offset=offset: progress(offset + n)) if progress else None,
                )
                part.seek(0)
                name = f"{print_file_stem(order.batch.lot, first, last)}.pdf"
                with archive.open(name, "w") as entry:
                    shutil.copyfileobj(part, entry)
    return "zip"


def render_pdf(order, out, *, progress=None, qr_mask: int | None = QR_MASK, numbers=None) -> int:
    """Write the order's label sheets (or those of the ``numbers`` range) to the binary file
    ``out``; returns the label count."""
    # Deflate only: reportlab's ASCII85 step is pure Python and 25% bigger. It is a global
    # setting, restored afterwards (and renders in threads take turns).
    with _RL_CONFIG_LOCK:
        use_a85, rl_config.useA85 = rl_config.useA85, 0
        try:
            return _render_pdf(order, out, progress, QRCodes(qr_mask), numbers)
        finally:
            rl_config.useA85 = use_a85


def _render_pdf(order, out, progress, codes: QRCodes, numbers=None) -> int:
    sheet = LAYOUTS[order.layout]
    batch = order.batch
    product = batch.variant.page.title
    unit = batch.variant.unit_label
    prefix = stamp_uri_prefix(settings.TRACE_RESOLVER_BASE_URL, batch.gtin, batch.lot)
    font = _font()
    pdf = canvas.Canvas(out, pagesize=sheet.page, pageCompression=1)
    first, last = numbers or (order.first_number, order.last_number)
    pdf.setTitle(f"OCOP stamps {batch.lot} #{first}-{last}")
    _page_w, page_h = sheet.page
    qr_size = min(sheet.label_height - 1.5 * mm, sheet.label_width * 0.55)
    slots = []
    for slot in range(sheet.per_page):
        col, row = slot % sheet.columns, slot // sheet.columns
        x = sheet.margin_left + col * (sheet.label_width + sheet.gap_x)
        y = page_h - sheet.margin_top - (row + 1) * sheet.label_height - row * sheet.gap_y
        slots.append((x, y, y + (sheet.label_height - qr_size) / 2))
    placements: dict[int, list[str]] = {}  # QR size in modules -> "q ... cm" per slot

    def placement(size: int, slot: int) -> str:
        if size not in placements:
            module = qr_size / (size + 2 * QUIET_MODULES)
            placements[size] = [
                f"q {fp_str(module)} 0 0 {fp_str(module)} "
                f"{fp_str(x + 0.5 * mm + QUIET_MODULES * module)} "
                f"{fp_str(qr_y + QUIET_MODULES * module)} cm\n"
                for x, _y, qr_y in slots
            ]
        return placements[size][slot]

    width = sheet.label_width - qr_size - 1.7 * mm
    product_lines = _wrap(product, font, 5.5, width)[:2]
    count = 0
    for number, serial, key_id, signature in iter_order_stamps(order, numbers=numbers):
        slot = count % sheet.per_page
        if slot == 0 and count:
            pdf.showPage()
        x, y, _qr_y = slots[slot]
        size, packed = codes(f"{prefix}{serial}?s={key_id}.{signature}")
        pdf.addLiteral(placement(size, slot) + qr_path(size, packed) + "f\nQ")
        text = pdf.beginText(x + qr_size + 1.2 * mm, y + sheet.label_height - 4 * mm)
        text.setFont(font, 5.5)
        for line in product_lines:
            text.textLine(line)
        text.setFont(font, 5)
        text.textLine(unit[:24])
        text.textLine(f"Lô {batch.lot}")
        text.textLine(f"#{number} · {serial[:6]}")
        pdf.drawText(text)
        count += 1
        if progress and count % 500 == 0:
            progress(count)
    if count == 0:
        pdf.drawString(20 * mm, page_h - 20 * mm, "No stamps")
    pdf.showPage()
    pdf.save()
    if progress:
        progress(count)
    return count


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def render_csv(order, out) -> int:
    """Write ``uri,gtin,lot,serial,number`` rows (UTF-8) to the text file ``out``."""
    batch = order.batch
    prefix = stamp_uri_prefix(settings.TRACE_RESOLVER_BASE_URL, batch.gtin, batch.lot)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["uri", "gtin", "lot", "serial", "number"])
    count = 0
    for number, serial, key_id, signature in iter_order_stamps(order):
        uri = f"{prefix}{serial}?s={key_id}.{signature}"
        writer.writerow([uri, batch.gtin, batch.lot, serial, number])
        count += 1
    return count


def render_to_bytes(order) -> tuple[bytes, bytes]:
    pdf, text = io.BytesIO(), io.StringIO()
    render_pdf(order, pdf)
    render_csv(order, text)
    return pdf.getvalue(), text.getvalue().encode("utf-8")
