"""Dashboard panels of the catalogue: a cooperative's low and sold-out stock; for operators,
listings waiting in moderation and OCOP certifications about to lapse."""

import datetime
from urllib.parse import quote

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from wagtail.models import WorkflowState

from marketplace.dashboard import Counter, DashboardPanel, Row

from .models import OcopCertification, ProductPage, Stock

CERTIFICATION_WARNING_DAYS = 60


def selling_stock(workspace):
    """Stock rows of variants on sale in live products of the workspace's cooperatives,
    annotated with ``free`` (on hand less reserved)."""
    rows = Stock.objects.filter(variant__is_active=True, variant__page__live=True)
    return workspace.scope(rows, "variant__page__cooperative").annotate(
        free=F("on_hand") - F("reserved")
    )


class StockPanel(DashboardPanel):
    panel_id = "ocop-stock"
    heading = gettext_lazy("Stock running low")
    order = 20
    empty_text = gettext_lazy(
        "Every product on sale has stock above its alert level (or none is on sale yet)."
    )

    def load(self):
        low = selling_stock(self.workspace).filter(free__lte=F("low_stock_threshold"))
        counts = low.aggregate(
            sold_out=Count("pk", filter=Q(free__lte=0)), low=Count("pk", filter=Q(free__gt=0))
        )
        rows = [
            Row(
                title=f"{stock.variant.page.title} — {stock.variant.unit_label}",
                url=reverse("ocop_quick_stock") + f"?sku={quote(stock.variant.sku)}",
                meta=_("SKU %(sku)s · alert at %(level)s")
                % {"sku": stock.variant.sku, "level": stock.low_stock_threshold},
                badge=_("sold out") if stock.free <= 0 else _("%(n)s left") % {"n": stock.free},
                tone="critical" if stock.free <= 0 else "warning",
            )
            for stock in low.select_related("variant__page").order_by("free", "variant__sku")[:8]
        ]
        quick = reverse("ocop_quick_stock")
        sold_out, running_low = counts["sold_out"], counts["low"]
        if not rows and not selling_stock(self.workspace).exists():
            return {"empty_action": self.first_product_action()}
        return {
            "counters": [
                Counter(_("sold out"), sold_out, quick, "critical" if sold_out else ""),
                Counter(_("running low"), running_low, quick, "warning" if running_low else ""),
            ],
            "rows": rows,
            "more_url": quick if rows else "",
        }

    @staticmethod
    def first_product_action():
        """No product on sale yet: the page tree, which opens on the cooperative's own page."""
        return (_("Add your first product"), reverse("wagtailadmin_explore_root"))


class ListingsPanel(DashboardPanel):
    """Operators: products waiting in moderation; OCOP certificates lapsing within 60 days."""

    panel_id = "ocop-listings"
    heading = gettext_lazy("Listings and certificates")
    order = 30
    empty_text = gettext_lazy(
        "No product waits for moderation and no OCOP certificate lapses in the next 60 days."
    )

    audience = "operators"

    def load(self):
        today = timezone.localdate()
        horizon = today + datetime.timedelta(days=CERTIFICATION_WARNING_DAYS)
        moderation = WorkflowState.objects.filter(
            status=WorkflowState.STATUS_IN_PROGRESS,
            base_content_type=ContentType.objects.get_for_model(ProductPage, False),
        ).count()
        expiring = OcopCertification.objects.filter(
            expires_on__gte=today, expires_on__lte=horizon
        ).select_related("product")
        expiring_rows = list(expiring.order_by("expires_on")[:6])
        rows = [
            Row(
                title=f"{cert.product.title} · OCOP {cert.stars}★",
                url=reverse("wagtailsnippets_catalog_ocopcertification:edit", args=[cert.pk]),
                meta=cert.certificate_number,
                badge=_("lapses %(date)s") % {"date": cert.expires_on.strftime("%d/%m/%Y")},
                tone="warning",
            )
            for cert in expiring_rows
        ]
        return {
            "counters": [
                Counter(
                    pgettext("dashboard", "in moderation"),
                    moderation,
                    reverse("wagtailadmin_reports:workflow"),
                    "warning" if moderation else "",
                ),
                Counter(
                    _("certificates lapsing in 60 days"),
                    expiring.count(),
                    reverse("wagtailsnippets_catalog_ocopcertification:list"),
                    "warning" if expiring_rows else "",
                ),
            ],
            "rows": rows,
        }


PANELS = (StockPanel, ListingsPanel)
