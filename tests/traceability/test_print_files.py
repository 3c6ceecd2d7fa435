"""Print files: every QR printed on the label sheet decodes back to its exact stamp URI."""

import csv
import io
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command

from traceability.labels import LAYOUTS
from traceability.signing import verify

from .conftest import issue

pytestmark = pytest.mark.django_db


def rasterise(pdf_bytes: bytes, tmp_path, dpi: int = 300):
    """The first page as a PIL image: pdftoppm (poppler) where installed, else PDFium."""
    from PIL import Image

    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(pdf_bytes)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-f",
                "1",
                "-l",
                "1",
                "-gray",
                "-png",
                str(pdf),
                str(tmp_path / "page"),
            ],
            check=True,
        )
        return Image.open(next(tmp_path.glob("page*.png")))
    import pypdfium2

    return pypdfium2.PdfDocument(str(pdf))[0].render(scale=dpi / 72).to_pil().convert("L")


def decode_all(image) -> set[str]:
    import zxingcpp

    return {r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}


def test_every_qr_on_the_first_sheet_decodes_to_its_exact_uri(batch, tmp_path):
    order = issue(batch, 70)  # a full A4 65-up sheet and 5 on the next
    stamps = list(batch.stamps.order_by("number"))
    image = rasterise(order.pdf_file.open("rb").read(), tmp_path)
    decoded = decode_all(image)
    assert decoded == {s.uri for s in stamps[: LAYOUTS["a4-65"].per_page]}


def test_csv_lists_one_verifiable_uri_per_stamp(batch):
    order = issue(batch, 30)
    rows = list(csv.DictReader(io.StringIO(order.csv_file.open("rb").read().decode("utf-8"))))
    assert [int(r["number"]) for r in rows] == list(range(1, 31))
    assert {r["lot"] for r in rows} == {"LB2603A"}
    for row in rows:
        code = row["uri"].rsplit("?s=", 1)
        assert code[0].endswith(f"/21/{row['serial']}")
        assert verify(row["gtin"], row["lot"], row["serial"], code[1])


def test_print_files_are_not_under_media(batch, settings):
    order = issue(batch, 3)
    assert not str(order.pdf_file.path).startswith(str(settings.MEDIA_ROOT))
    assert order.pdf_file.storage.base_url is None


def test_issue_stamps_command_writes_print_files_with_a_progress_bar(batch, tmp_path, capsys):
    out = tmp_path / "in"
    call_command("issue_stamps", batch="LB2603A", count=65, out=str(out))
    captured = capsys.readouterr()
    assert "65 stamps issued for lot LB2603A" in captured.out
    assert "Issuing" in captured.err and "65/65" in captured.err
    pdf = next(out.glob("*.pdf"))
    uris = [r["uri"] for r in csv.DictReader(next(out.glob("*.csv")).open(encoding="utf-8"))]
    assert len(uris) == 65 and batch.stamps.count() == 65
    assert decode_all(rasterise(pdf.read_bytes(), tmp_path)) == set(uris)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"batch": "NOPE", "count": 5}, "No batch"),
        ({"batch": "LB2603A", "count": 0}, "ít nhất một tem"),
        ({"batch": "LB2603A", "count": 5000}, "tối đa 2100 tem"),
    ],
)
def test_issue_stamps_command_refuses_bad_input(batch, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("issue_stamps", out=str(tmp_path), **args)
    assert batch.stamps.count() == 0


def test_a_large_order_prints_as_a_zip_of_pdfs_that_all_decode(batch, tmp_path, monkeypatch):
    import zipfile

    from traceability import labels

    monkeypatch.setattr(labels, "PDF_SHEETS_PER_PART", 1)  # one A4 65-up sheet per PDF
    order = issue(batch, 70)
    assert order.pdf_file.name.endswith(".zip")
    uris = {s.uri for s in batch.stamps.all()}
    decoded = set()
    with zipfile.ZipFile(order.pdf_file.open("rb")) as archive:
        names = archive.namelist()
        assert names == ["LB2603A-1-65.pdf", "LB2603A-66-70.pdf"]
        for i, name in enumerate(names):
            part = tmp_path / f"p{i}"
            part.mkdir()
            decoded |= decode_all(rasterise(archive.read(name), part))
    assert decoded == uris
