"""Stock and prices in bulk: the quick table and CSV files. A clean file applies through the
same rules as one edit; any bad line changes nothing and is named."""

import pytest
from django.urls import reverse

from catalog import bulk
from catalog.models import ProductSearchEntry, ProductVariant, Stock
from catalog.stock import InsufficientStock, stock_reserve
from marketplace.workspace import Workspace

from ..factories import add_product
from ..workspace import prefer_language, two_cooperatives

pytestmark = pytest.mark.django_db
QUICK = "/admin/catalog/quick-stock/"


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    ws.hong_tra = add_product(tree.coop_page, title="Hồng trà La Bằng", price=80_000, stock=12)
    ws.hong_tra_variant = ws.hong_tra.variants.get()
    return ws


def state(variant) -> tuple[int, int, int]:
    variant = ProductVariant.objects.select_related("stock").get(pk=variant.pk)
    return variant.price, variant.stock.on_hand, variant.stock.low_stock_threshold


def csv_file(text: str, *, encoding="utf-8", name="stock.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def import_file(client, user, upload):
    client.force_login(prefer_language(user, "en"))
    return client.post(reverse("ocop_quick_stock_import"), {"file": upload})


def test_quick_table_saves_many_rows_through_the_price_and_stock_rules(client, ws):
    tea, hong = ws.tea_variant, ws.hong_tra_variant
    stamp_before = ProductSearchEntry.objects.get(page=ws.tea).indexed_at
    client.force_login(ws.staff_a)
    page = client.get(QUICK).content.decode()
    assert tea.sku in page and hong.sku in page and ws.apple_variant.sku not in page
    rows = {tea.sku: ("95.000", "44", "8"), hong.sku: ("80000", "3", "5")}
    data = {"rows": "2"}
    for index, (sku, (price, on_hand, threshold)) in enumerate(sorted(rows.items()), start=1):
        data |= {
            f"sku-{index}": sku,
            f"price-{index}": price,
            f"on_hand-{index}": on_hand,
            f"low_stock_threshold-{index}": threshold,
        }
    response = client.post(QUICK, data)
    assert response.status_code == 302
    assert state(tea) == (95_000, 44, 8)
    assert state(hong) == (80_000, 3, 5)
    # As for an edit in the page editor: the editor's revision carries the new price, and
    # the product's card and search row move.
    ws.tea.refresh_from_db()
    stored = ws.tea.latest_revision.content["variants"]
    assert [v["price"] for v in stored if v["sku"] == tea.sku] == [95_000]
    assert ProductSearchEntry.objects.get(page=ws.tea).indexed_at > stamp_before


def test_quick_table_with_one_bad_row_changes_nothing(client, ws):
    tea, hong = ws.tea_variant, ws.hong_tra_variant
    before = state(tea), state(hong)
    client.force_login(prefer_language(ws.owner_a, "en"))
    response = client.post(
        QUICK,
        {
            "rows": "2",
            "sku-1": tea.sku,
            "price-1": "90000",
            "on_hand-1": "40",
            "low_stock_threshold-1": "5",
            "sku-2": hong.sku,
            "price-2": "0",
            "on_hand-2": "12",
            "low_stock_threshold-2": "5",
        },
    )
    assert response.status_code == 400
    assert "the price must be above 0" in response.content.decode()
    assert (state(tea), state(hong)) == before


def test_export_is_excel_ready_and_holds_own_variants_only(client, ws):
    Stock.objects.filter(variant=ws.tea_variant).update(reserved=2)
    client.force_login(ws.owner_a)
    response = client.get(reverse("ocop_quick_stock_export"))
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(bulk.COLUMNS)
    assert any(
        line.startswith(f"{ws.tea_variant.sku},Chè búp La Bằng,") and line.endswith(",50,5,2")
        for line in lines
    )
    assert not any(ws.apple_variant.sku in line for line in lines)


def exported(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("ocop_quick_stock_export")).content.decode("utf-8-sig")


def test_a_clean_file_applies_and_excel_separators_are_understood(client, ws):
    text = exported(client, ws.owner_a).replace(",100000,50,5,0", ",99000,70,6,0")
    assert import_file(client, ws.owner_a, csv_file(text)).status_code == 302
    assert state(ws.tea_variant) == (99_000, 70, 6)
    # Excel in Vietnamese writes ";" and a byte-order mark; prices may carry a thousands dot.
    semicolons = (
        "\ufeffsku;product;unit;price;on_hand;low_stock_threshold;reserved\r\n"
        f"{ws.hong_tra_variant.sku};Hồng trà;Túi;85.000;9;4;0\r\n"
    )
    assert import_file(client, ws.owner_a, csv_file(semicolons)).status_code == 302
    assert state(ws.hong_tra_variant) == (85_000, 9, 4)


BAD_FILES = {
    "unknown SKU": (
        "sku,price,on_hand,low_stock_threshold\n{tea},1000,1,1\nNOPE-1,1000,1,1\n",
        "Line 3: unknown SKU NOPE-1",
    ),
    "another cooperative's SKU": (
        "sku,price,on_hand,low_stock_threshold\n{tea},1000,1,1\n{apple},1000,1,1\n",
        "Line 3: SKU {apple} belongs to another cooperative",
    ),
    "price zero": (
        "sku,price,on_hand,low_stock_threshold\n{tea},0,1,1\n",
        "Line 2: the price must be above 0",
    ),
    "price negative": (
        "sku,price,on_hand,low_stock_threshold\n{tea},-5,1,1\n",
        "Line 2: price “-5” is not a whole number",
    ),
    "price with decimals": (
        "sku,price,on_hand,low_stock_threshold\n{tea},12.5,1,1\n",
        "Line 2: price “12.5” is not a whole number",
    ),
    "stock below reserved": (
        "sku,price,on_hand,low_stock_threshold\n{tea},1000,1,1\n",
        "Line 2: on hand 1 is below the 3 units",
    ),
    "wrong column names": (
        "ma,gia,ton\n{tea},1000,1\n",
        "Line 1: the columns must be those of the export",
    ),
    "same SKU twice": (
        "sku,price,on_hand,low_stock_threshold\n{tea},1000,10,1\n{tea},2000,10,1\n",
        "Line 3: SKU {tea} is already on line 2",
    ),
    "NUL byte": ("sku,price,on_hand,low_stock_threshold\n{tea},10\x0000,10,1\n", "NUL bytes"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_each_kind_of_bad_file_changes_nothing_and_names_the_line(client, ws, kind):
    stock_reserve(variant_id=ws.tea_variant.pk, quantity=3)
    template, message = BAD_FILES[kind]
    names = {"tea": ws.tea_variant.sku, "apple": ws.apple_variant.sku}
    # A good change of another row too: it must not be applied either.
    text = template.format(**names) + f"{ws.hong_tra_variant.sku},81000,11,5\n"
    before = state(ws.tea_variant), state(ws.hong_tra_variant), state(ws.apple_variant)
    response = import_file(client, ws.owner_a, csv_file(text))
    assert response.status_code == 400
    assert message.format(**names) in response.content.decode()
    assert (state(ws.tea_variant), state(ws.hong_tra_variant), state(ws.apple_variant)) == before


def test_files_over_the_limits_are_refused_with_the_limit(client, ws, settings):
    settings.CATALOG_IMPORT_MAX_ROWS = 100
    settings.CATALOG_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    header = "sku,price,on_hand,low_stock_threshold\n"
    many = header + "".join(f"X-{n},1000,1,1\n" for n in range(101))
    response = import_file(client, ws.owner_a, csv_file(many))
    assert response.status_code == 400
    assert "more than 100 rows" in response.content.decode()
    settings.CATALOG_IMPORT_MAX_BYTES = 2048
    big = header + "".join(f"X-{n},1000,1,1\n" for n in range(200))
    response = import_file(client, ws.owner_a, csv_file(big))
    assert response.status_code == 400
    assert "files up to 2 KB are accepted" in response.content.decode()


def test_a_file_that_is_not_utf8_is_refused(client, ws):
    text = f"sku,price,on_hand,low_stock_threshold\n{ws.tea_variant.sku},1000,1,1\nChè,1,1,1\n"
    response = import_file(client, ws.owner_a, csv_file(text, encoding="cp1258"))
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


def test_a_reservation_between_check_and_apply_rolls_everything_back(ws):
    """The tea's price (the lower id, applied first) is written, then the black tea's stock
    fails: the price must be rolled back with it."""
    assert ws.tea_variant.pk < ws.hong_tra_variant.pk
    workspace = Workspace(None, (ws.a.pk,))
    rows = [
        (2, {"sku": ws.tea_variant.sku, "price": "90000"}),
        (3, {"sku": ws.hong_tra_variant.sku, "on_hand": "10"}),
    ]
    outcome = bulk.check_rows(rows, workspace=workspace)
    assert outcome.ok and len(outcome.changes) == 2
    stock_reserve(variant_id=ws.hong_tra_variant.pk, quantity=11)  # an order, meanwhile
    with pytest.raises(InsufficientStock):
        bulk.apply_changes(outcome.changes)
    assert state(ws.tea_variant)[0] == 100_000
    assert state(ws.hong_tra_variant)[:2] == (80_000, 12)


def test_a_line_with_more_cells_than_columns_is_refused(client, ws):
    # An unquoted "125,000" splits into two cells: 125 and 000.
    text = f"sku,price,on_hand,low_stock_threshold\n{ws.tea_variant.sku},125,000,10,5\n"
    response = import_file(client, ws.owner_a, csv_file(text))
    assert response.status_code == 400
    assert "Line 2: this line has more cells than there are columns" in response.content.decode()
    assert state(ws.tea_variant) == (100_000, 50, 5)


def test_a_price_set_in_bulk_is_in_the_page_history_with_who_did_it(client, ws):
    from wagtail.models import PageLogEntry

    text = f"sku,price,on_hand,low_stock_threshold\n{ws.tea_variant.sku},95.000 VNĐ,,\n"
    assert import_file(client, ws.staff_a, csv_file(text)).status_code == 302
    entry = PageLogEntry.objects.get(page=ws.tea, action="ocop.price_changed")
    assert entry.user == ws.staff_a
    assert entry.data == {"sku": ws.tea_variant.sku, "from": 100_000, "to": 95_000}
    assert "95.000\xa0₫" in entry.message


def test_a_refused_table_shows_each_value_on_the_product_it_was_typed_for(client, ws):
    """A product added meanwhile sorts first: the rows come back by their SKU."""
    client.force_login(prefer_language(ws.owner_a, "en"))
    data = {
        "rows": "2",
        "sku-1": ws.tea_variant.sku,
        "price-1": "0",
        "on_hand-1": "50",
        "low_stock_threshold-1": "5",
        "sku-2": ws.hong_tra_variant.sku,
        "price-2": "81000",
        "on_hand-2": "12",
        "low_stock_threshold-2": "5",
    }
    add_product(ws.tree.coop_page, title="An khang trà", price=50_000)  # sorts first
    html = client.post(QUICK, data).content.decode()
    tea_row = html[html.index(f'data-sku="{ws.tea_variant.sku}"') :]
    tea_row = tea_row[: tea_row.index("</tr>")]
    assert 'value="0"' in tea_row and "the price must be above 0" in tea_row
    hong_row = html[html.index(f'data-sku="{ws.hong_tra_variant.sku}"') :]
    assert 'value="81000"' in hong_row[: hong_row.index("</tr>")]
    assert state(ws.hong_tra_variant)[0] == 80_000


def test_the_quick_table_is_not_for_inspectors_nor_other_cooperatives(client, ws):
    from django.contrib.auth.models import Group

    from marketplace.roles import INSPECTORS_GROUP

    from ..factories import UserFactory

    inspector = UserFactory(username="inspector-q")
    inspector.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
    client.force_login(inspector)
    assert client.get(QUICK).status_code == 302  # Wagtail: "no permission", back home
    client.force_login(ws.owner_a)
    assert client.get(QUICK, {"cooperative": ws.b.pk}).status_code == 404
    page = client.get(QUICK, {"q": "che bup la bang"}).content.decode()
    assert ws.tea_variant.sku in page and ws.hong_tra_variant.sku not in page
