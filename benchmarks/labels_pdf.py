#!/usr/bin/env python
"""PDF label sheets: labels/s of ``traceability.labels.render_pdf`` (a benchmark, not a test).

    .venv/bin/python benchmarks/labels_pdf.py [--stamps 5000] [--compare 650] [--keep]

On PostgreSQL (``DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/ocop_bench,
created and migrated when missing) a fresh batch gets an order of ``--stamps`` stamps and one
of ``--compare`` stamps (issued with ``issue_stamps``). Prints, in a table:

- labels/s of the whole ``--stamps`` order (A4 65-up), the way the print task renders it: the
  fixed mask ``QR_MASK`` through ``labels.FixedQR`` (target >= 600/s);
- on the ``--compare`` order: the same, then every code through segno with the fixed mask
  (``FAST_QR = False``), then segno's automatic mask selection (``mask=None``);
- the QR encoding alone for the same three.

And checks: page 1 of the big PDF rasterised (``pdftoppm`` at 300 dpi when installed, else
pypdfium2) and decoded with zxing-cpp: every code must decode to its exact stamp URI; and the
first 500 codes of ``FixedQR`` equal segno's module for module. Needs zxing-cpp and pypdfium2
(test extras: ``.venv/bin/pip install zxing-cpp pypdfium2``).
"""

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb


def rasterise_first_page(pdf: bytes, dpi: int = 300):
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labels.pdf"
        path.write_bytes(pdf)
        if shutil.which("pdftoppm"):
            command = ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-png"]
            subprocess.run([*command, str(path), str(Path(tmp) / "page")], check=True)
            image = Image.open(next(Path(tmp).glob("page*.png")))
            image.load()
            return image, "pdftoppm"
    import pypdfium2

    page = pypdfium2.PdfDocument(pdf)[0]
    return page.render(scale=dpi / 72).to_pil().convert("L"), "pypdfium2"


def timed(function, *args, **kwargs):
    with tb.CpuMeter([tb.backend_pid()]) as cpu:
        result = function(*args, **kwargs)
    return result, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stamps", type=int, default=5000)
    parser.add_argument("--compare", type=int, default=650, help="stamps of the mask comparison")
    parser.add_argument("--keep", action="store_true", help="keep the batch and its stamps")
    parser.add_argument("--settings", default="marketplace.settings.test")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or tb.DEFAULT_DATABASE_URL
    )
    args = parser.parse_args()
    tb.setup_django(args.settings, args.database_url)
    import zxingcpp
    from django.conf import settings

    from traceability import labels
    from traceability.digital_link import stamp_uri_prefix
    from traceability.issuing import issue_stamps, iter_order_stamps
    from traceability.models import StampOrder
    from traceability.services import stamp_order_create

    batch = tb.new_batch(max(args.stamps + args.compare, 1000), prefix="BL")
    try:
        orders = []
        for count in (args.stamps, args.compare):
            order = stamp_order_create(batch=batch, count=count, run=False)
            issue_stamps(order.pk)
            orders.append(
                StampOrder.objects.select_related("batch__variant__page").get(pk=order.pk)
            )
        big, small = orders
        prefix = stamp_uri_prefix(settings.TRACE_RESOLVER_BASE_URL, batch.gtin, batch.lot)

        def uris(order):
            return [f"{prefix}{s}?s={k}.{g}" for _n, s, k, g in iter_order_stamps(order)]

        labels.render_pdf(small, io.BytesIO())  # warm: font, tables, caches
        rows, warnings = [], []

        def render(name, order, **kwargs):
            out = io.BytesIO()
            count, cpu = timed(labels.render_pdf, order, out, **kwargs)
            rows.append(
                (
                    name,
                    f"{count:,}",
                    f"{cpu.wall:.2f}",
                    f"{count / cpu.wall:,.0f}",
                    f"{len(out.getvalue()) / 2**20:.1f}",
                    f"{cpu.rest / (cpu.wall * tb.CORES):.0%}",
                )
            )
            if cpu.busy_warning():
                warnings.append(f"{name}: {cpu.busy_warning()}")
            return out.getvalue(), count / cpu.wall

        pdf, rate = render(f"PDF {args.stamps:,}: fixed mask {labels.QR_MASK}, FixedQR", big)
        render(f"PDF {args.compare:,}: fixed mask {labels.QR_MASK}, FixedQR", small)
        labels.FAST_QR = False
        try:
            render(f"PDF {args.compare:,}: fixed mask {labels.QR_MASK}, segno", small)
        finally:
            labels.FAST_QR = True
        render(f"PDF {args.compare:,}: automatic mask, segno", small, qr_mask=None)

        sample = uris(small)
        for name, encode in (
            (f"QR only: fixed mask {labels.QR_MASK}, FixedQR", labels.QRCodes()),
            (f"QR only: fixed mask {labels.QR_MASK}, segno", labels.make_qr),
            ("QR only: automatic mask, segno", lambda uri: labels.make_qr(uri, mask=None)),
        ):
            _, cpu = timed(lambda encode=encode: [encode(u) for u in sample])
            rows.append(
                (
                    name,
                    f"{len(sample):,}",
                    f"{cpu.wall:.2f}",
                    f"{len(sample) / cpu.wall:,.0f}",
                    "",
                    "",
                )
            )

        # Checks: page 1 decodes to the exact URIs; FixedQR is segno, module for module.
        expected = uris(big)
        image, rasteriser = rasterise_first_page(pdf)
        decoded = {
            r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        }
        first_page = set(expected[: labels.LAYOUTS[big.layout].per_page])
        stamp = big.stamps.get(number=big.first_number)
        same_uri = stamp.uri == expected[0]
        encoder = labels.QRCodes()
        identical = sum(
            encoder(u)[1] == labels.pack_matrix(labels.make_qr(u).matrix) for u in expected[:500]
        )
    finally:
        if not args.keep:
            tb.drop_batch(batch)

    print(f"PDF label sheets (A4 65-up), {tb.CORES} cores, {time.strftime('%Y-%m-%d %H:%M')}")
    print(tb.table(rows, ("what", "labels", "seconds", "labels/s", "PDF MB", "others")))
    print(f"target: >= 600 labels/s; reached {rate:,.0f}/s")
    ok = decoded == first_page and same_uri and identical == min(500, len(expected))
    print(
        f"check: page 1 ({rasteriser}, 300 dpi, zxing-cpp): {len(decoded & first_page)}/"
        f"{len(first_page)} codes decode to their exact URIs, {len(decoded - first_page)} other;"
        f" label URI == Stamp.uri: {same_uri}; FixedQR == segno for {identical}/"
        f"{min(500, len(expected))} codes: {'OK' if ok else 'FAILED'}"
    )
    for warning in warnings:
        print(warning)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
