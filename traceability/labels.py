"""Print files for stamp orders: PDF label sheets (reportlab, QR codes drawn as vectors by
``segno``) and a CSV for print shops. Both stream the order's stamps in number order.

Every QR uses error correction M and a fixed mask: automatic mask selection costs about six
times more and changes nothing a scanner notices (tests decode every printed code).
"""

import csv
import io
from dataclasses import dataclass

import segno
from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .digital_link import stamp_uri_prefix
from .issuing import iter_order_stamps

QR_MASK = 2
QR_ERROR = "m"
MAX_QR_VERSION = 10


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


LAYOUTS = {
    # A4, 65 labels of 38.1 x 21.2 mm (the common 5 x 13 office label sheet).
    "a4-65": LabelSheet(
        "A4 65-up 38.1×21.2 mm", A4, 5, 13, 38.1 * mm, 21.2 * mm, 4.65 * mm, 10.7 * mm, 2.5 * mm, 0
    ),
    # A4, 24 labels of 70 x 37 mm, for larger packs.
    "a4-24": LabelSheet("A4 24-up 70×37 mm", A4, 3, 8, 70 * mm, 37 * mm, 0, 0.5 * mm),
}
LAYOUT_CHOICES = [(key, sheet.name) for key, sheet in LAYOUTS.items()]


def make_qr(uri: str):
    qr = segno.make_qr(uri, error=QR_ERROR, mask=QR_MASK, boost_error=False)
    if qr.version > MAX_QR_VERSION:
        raise ValueError(f"QR version {qr.version} > {MAX_QR_VERSION} for {uri}")
    return qr


def _font() -> str:
    """A TrueType font with Vietnamese glyphs when the system has one (DejaVu)."""
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",):
        try:
            pdfmetrics.registerFont(TTFont("DejaVuSans", path))
            return "DejaVuSans"
        except Exception:
            continue
    return "Helvetica"


def _draw_qr(pdf: canvas.Canvas, qr, x: float, y: float, size: float) -> None:
    """Dark modules as horizontal runs in one path: one fill per code."""
    matrix = qr.matrix
    n = len(matrix)
    quiet = 2  # modules of quiet zone kept inside ``size`` (plus the label's own margin)
    module = size / (n + 2 * quiet)
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + quiet + 1) * module
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(x + (start + quiet) * module, top, (c - start) * module, module)
            else:
                c += 1
    pdf.drawPath(path, stroke=0, fill=1)


def render_pdf(order, out, *, progress=None) -> int:
    """Write the order's label sheets to the binary file ``out``; returns the label count."""
    sheet = LAYOUTS[order.layout]
    batch = order.batch
    product = batch.variant.page.title
    unit = batch.variant.unit_label
    prefix = stamp_uri_prefix(settings.TRACE_RESOLVER_BASE_URL, batch.gtin, batch.lot)
    font = _font()
    pdf = canvas.Canvas(out, pagesize=sheet.page, pageCompression=1)
    pdf.setTitle(f"OCOP stamps {batch.lot} #{order.first_number}-{order.last_number}")
    _page_w, page_h = sheet.page
    qr_size = min(sheet.label_height - 1.5 * mm, sheet.label_width * 0.55)
    count = 0
    for number, serial, key_id, signature in iter_order_stamps(order):
        slot = count % sheet.per_page
        if slot == 0 and count:
            pdf.showPage()
        col, row = slot % sheet.columns, slot // sheet.columns
        x = sheet.margin_left + col * (sheet.label_width + sheet.gap_x)
        y = page_h - sheet.margin_top - (row + 1) * sheet.label_height - row * sheet.gap_y
        uri = f"{prefix}{serial}?s={key_id}.{signature}"
        qr_y = y + (sheet.label_height - qr_size) / 2
        _draw_qr(pdf, make_qr(uri), x + 0.5 * mm, qr_y, qr_size)
        tx = x + qr_size + 1.2 * mm
        width = sheet.label_width - qr_size - 1.7 * mm
        text = pdf.beginText(tx, y + sheet.label_height - 4 * mm)
        text.setFont(font, 5.5)
        for line in _wrap(product, font, 5.5, width)[:2]:
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
