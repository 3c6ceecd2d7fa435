"""A shopper on a 360 px phone and on a desktop browses, searches and switches language."""

import pytest

from ..factories import add_product, make_image

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def shop(tree):
    image = make_image()
    tree.tea = add_product(
        tree.coop_page, title="Chè búp La Bằng", image=image, price=125_000, is_featured=True
    )
    tree.sold_out = add_product(
        tree.coop_page, title="Chè móc câu La Bằng", image=image, stock=0, is_featured=True
    )
    return tree


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_shopper_browses_from_home_to_a_product(live_server, phone, shop):
    phone.goto(live_server.url + "/")
    assert phone.locator("html").get_attribute("lang") == "vi"
    assert no_horizontal_scroll(phone)
    assert phone.locator("#site-search").is_visible()

    phone.get_by_role("link", name="Chè búp La Bằng").first.click()
    phone.wait_for_url("**" + shop.tea.url)
    assert no_horizontal_scroll(phone)
    assert phone.locator("h1").inner_text() == "Chè búp La Bằng"
    assert "125.000\u00a0₫" in phone.locator(".variant__price").first.inner_text()
    assert phone.locator(".variant .availability").first.inner_text() == "Còn hàng"
    assert phone.locator(".certificate .ocop-stars").is_visible()


def test_phone_shopper_sees_sold_out(live_server, phone, shop):
    phone.goto(live_server.url + shop.sold_out.url)
    assert phone.locator(".variant .availability").first.inner_text() == "Hết hàng"


def test_desktop_search_without_accents(live_server, desktop, shop):
    desktop.goto(live_server.url + "/")
    desktop.fill("#site-search", "che bup la bang")
    desktop.keyboard.press("Enter")
    desktop.wait_for_url("**/search/?q=che+bup+la+bang")
    titles = desktop.locator(".product-card__title").all_inner_texts()
    assert titles == ["Chè búp La Bằng"]


def test_language_switch_to_english_and_back(live_server, desktop, shop):
    desktop.goto(live_server.url + shop.tea.url)
    desktop.click(".lang-switch")
    desktop.wait_for_url("**/en/**")
    assert desktop.locator("html").get_attribute("lang") == "en"
    assert desktop.locator(".variant .availability").first.inner_text() == "In stock"
    desktop.click(".lang-switch")
    assert desktop.locator("html").get_attribute("lang") == "vi"
