"""The admin reads as Vietnamese for a Vietnamese user (no English of Wagtail's left on the
screens a cooperative opens), money and dates the Vietnamese way, and no admin page makes the
browser fetch or link anything outside the site."""

import gettext
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from ..workspace import prefer_language, sub_order, two_cooperatives

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)

# Wagtail's English as a cooperative would meet it (menu, dashboard, explorer, listings,
# search, pagination, account menu); and a few of our own labels.
ENGLISH = [
    "Pages",
    "Images",
    "Documents",
    "Reports",
    "Help",
    "Search…",
    "Search",
    "Dashboard",
    "Account",
    "Log out",
    "Page 1 of",
    "Sorry, no pages match",
    "No results",
    "Total",
    "Status",
    "Actions",
    "Edit",
    "Add child page",
    "Sort by",
    "Filters",
    "Live",
    "Draft",
    "Updated",
    "Type",
    "Select all",
    "Orders to handle",
    "overdue",
    "to confirm",
    "Stock running low",
    "Batches and stamps",
    "See all",
    "Sales, last 30 days",
    "Your cooperative",
    "Stock and prices",
    "Site summary",
    "created in",
    "localhost",
    "Wagtail",
]


class VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes (not scripts or styles), labels in attributes,
    and the strings of the admin's JSON props (its menu is drawn from them)."""

    LABELS = ("aria-label", "placeholder", "title", "alt", "value", "data-w-tooltip-content-value")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._json = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
            self._json = tag == "script" and attrs.get("type") == "application/json"
        if tag == "input" and attrs.get("type") in ("hidden", "text", "number", "search", None):
            attrs.pop("value", None)
        self.parts.extend(str(attrs[name]) for name in self.LABELS if attrs.get(name))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip -= 1
            self._json = False

    def handle_data(self, data):
        if self._json:
            self.parts.extend(strings_of(json.loads(data)))
        elif not self._skip:
            self.parts.append(data)


def strings_of(value) -> list[str]:
    if isinstance(value, str):
        return [value] if not value.startswith(("/", "#", "http")) else []
    if isinstance(value, dict):
        # Keys are code, not text; "name"/"icon_name" values are identifiers.
        return [
            s
            for key, v in value.items()
            if key not in ("name", "icon_name", "url", "classname", "attrs")
            for s in strings_of(v)
        ]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return []


def english_left(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    return [
        phrase
        for phrase in ENGLISH
        if re.search(rf"(?<![\w/.-]){re.escape(phrase)}(?![\w-])", text)
    ]


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    sub_order(ws.a, ws.tea_variant, status="new", quantity=1)
    return ws


def screens(ws) -> list[str]:
    return [
        "/admin/",
        reverse("wagtailadmin_explore", args=[ws.tree.coop_page.pk]),
        reverse("wagtailadmin_pages:search") + "?q=khongcogica",
        "/admin/snippets/orders/suborder/",
        reverse("ocop_quick_stock"),
        reverse("ocop_report", args=["sales"]),
        "/admin/snippets/traceability/batch/",
        reverse("ocop_members"),
    ]


def test_no_english_left_for_a_vietnamese_cooperative(client, ws):
    client.force_login(prefer_language(ws.owner_a, "vi"))
    for url in screens(ws):
        response = client.get(url)
        assert response.status_code == 200, url
        assert english_left(response.content.decode()) == [], url


def test_the_same_screens_read_as_english_for_an_english_user(client, ws):
    client.force_login(prefer_language(ws.owner_a, "en"))
    html = client.get("/admin/").content.decode()
    assert {"Orders to handle", "Dashboard"} & set(english_left(html))


def test_money_and_dates_the_vietnamese_way(client, ws):
    client.force_login(ws.owner_a)
    listing = client.get("/admin/snippets/orders/suborder/").content.decode()
    assert "130.000\xa0₫" in listing  # 100.000 ₫ of tea and 30.000 ₫ of shipping
    assert "130000" not in listing
    suborder = ws.a.suborders.get()
    screen = client.get(reverse("wagtailsnippets_orders_suborder:detail", args=[suborder.pk]))
    placed = suborder.created_at.astimezone().strftime("%d/%m/%Y")
    assert placed in screen.content.decode()


def test_the_admin_javascript_speaks_vietnamese_from_the_projects_catalogue(client, ws):
    client.force_login(prefer_language(ws.owner_a, "vi"))
    catalog = client.get(reverse("wagtailadmin_javascript_catalog")).content.decode()
    # Wagtail's own Vietnamese JavaScript catalogue lacks these.
    assert "A network error occurred." in catalog
    assert (
        "\\u0110\\u00e3 x\\u1ea3y ra l\\u1ed7i m\\u1ea1ng" in catalog
        or "Đã xảy ra lỗi mạng" in catalog
    )


_OUTSIDE = (
    r"""(?:https?:)?//(?!testserver[/:"']|127\.0\.0\.1|localhost)"""
    r"""[\w.-]+\.[a-z]{2,}[^"'\s)]*"""
)
# Where a browser fetches or follows an address: attributes, CSS url(), JSON props' values.
EXTERNAL = re.compile(
    rf"""(?:\b(?:src|href|action|srcset|poster|formaction|data-[\w-]*url[\w-]*)\s*=\s*["']?"""
    rf"""|url\(\s*["']?|":\s*"){_OUTSIDE}""",
    re.I,
)


def test_no_admin_page_fetches_or_links_outside_the_site(client, ws, admin_user):
    product_edit = reverse("wagtailadmin_pages:edit", args=[ws.tea.pk])
    extra = [product_edit, "/admin/account/", "/admin/images/", "/admin/reports/workflow/"]
    members_of_a = f"{reverse('ocop_members')}?cooperative={ws.a.pk}"
    pages = {
        ws.owner_a: [*screens(ws), *extra],
        ws.operator: [*screens(ws)[:-1], members_of_a, *extra],
        admin_user: [*screens(ws)[:-1], members_of_a, *extra],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user.username, url)
            found = EXTERNAL.findall(response.content.decode())
            assert found == [], (user.username, url, found)
    client.logout()
    assert EXTERNAL.findall(client.get("/admin/login/").content.decode()) == []


def _catalogue(path: Path) -> dict:
    """msgid (with its context) -> translation, from a compiled catalogue."""
    with path.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    return {
        key if isinstance(key, str) else key[0]: value
        for key, value in catalog.items()
        if key and (isinstance(key, str) or key[1] == 0)
    }


# Same English, same sense, worded a little differently: either reads right.
SAME_SENSE = {"Next", "Previous", "Breadcrumb", "slug"}


def test_our_catalogue_does_not_override_wagtails_words_with_another_sense():
    """Our catalogue comes first: a word we use in another sense (``Account`` as a bank
    account number) must carry a context, or Wagtail's screens would say it too."""
    ours = _catalogue(ROOT / "locale/vi/LC_MESSAGES/django.mo")
    wagtail = _catalogue(ROOT / "locale-wagtail/vi/LC_MESSAGES/django.mo")
    clashes = {
        key: (ours[key], wagtail[key])
        for key in set(ours) & set(wagtail)
        if ours[key] != wagtail[key] and key not in SAME_SENSE
    }
    assert clashes == {}
