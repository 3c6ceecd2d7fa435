from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .dashboard import RegistrationsPanel, add_panels
from .forms import CooperativeForm
from .models import Cooperative
from .workspace import workspace_for


class CooperativeViewSet(SnippetViewSet):
    model = Cooperative
    icon = "group"
    menu_label = _("Cooperatives")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "registration_number", "location_label", "status"]
    list_filter = ["status", "province_code"]
    search_fields = ["name", "registration_number"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("slug"),
            FieldRowPanel([FieldPanel("registration_number"), FieldPanel("tax_code")]),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("province_code"), FieldPanel("ward_code")]),
                    FieldPanel("address_line"),
                    FieldPanel("old_place_name"),
                ],
                heading=_("Location"),
            ),
            MultiFieldPanel(
                [FieldPanel("contact_name"), FieldPanel("phone"), FieldPanel("email")],
                heading=_("Contact"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("bank_bin"), FieldPanel("bank_account_number")]),
                    FieldPanel("bank_account_name"),
                ],
                heading=_("Bank account (market-stall VietQR)"),
            ),
            FieldPanel("founded_year"),
            FieldPanel("status"),
        ],
        base_form_class=CooperativeForm,
    )


register_snippet(CooperativeViewSet)


@hooks.register("register_admin_viewset")
def login_locks_viewset():
    from .lock_admin import LoginLockViewSet

    return LoginLockViewSet()


# --- the admin as a workspace ------------------------------------------------------------


@hooks.register("insert_global_admin_css")
def workspace_css():
    return format_html('<link rel="stylesheet" href="{}">', static("marketplace/admin.css"))


@hooks.register("construct_help_menu")
def keep_help_on_site(request, menu_items):
    """Wagtail's help menu links to wagtail.org (release notes, editor guide): an offline
    cooperative LAN cannot open them. Its keyboard shortcuts stay."""
    menu_items[:] = [item for item in menu_items if item.url in ("", "#")]


# Wagtail's panels a cooperative has no use for: it moderates nothing (the office publishes)
# and locks nothing; its own pages in moderation and its recent edits stay.
NOT_FOR_MEMBERS = {"workflow_objects_to_moderate", "locked_pages"}


@hooks.register("construct_homepage_panels")
def marketplace_panels(request, panels):
    if not workspace_for(request).is_operator:
        panels[:] = [p for p in panels if getattr(p, "name", "") not in NOT_FOR_MEMBERS]
    add_panels(request, panels, [RegistrationsPanel])


@hooks.register("construct_homepage_summary_items", order=100)
def workspace_summary(request, items):
    """Cooperatives see their own counts (each app adds its own), not the site's pages,
    images and documents."""
    if not workspace_for(request).is_operator:
        items[:] = [item for item in items if not type(item).__module__.startswith("wagtail.")]


@hooks.register("register_admin_urls")
def workspace_urls():
    from django.urls import path

    from . import report_views

    return [
        path("ocop-reports/", report_views.report_index, name="ocop_reports"),
        path("ocop-reports/<slug:slug>/", report_views.report_view, name="ocop_report"),
    ]


@hooks.register("construct_reports_menu", order=-100)
def workspace_reports_menu(request, menu_items):
    """The market's reports first (the ones this user may read), Wagtail's own after."""
    from django.urls import reverse
    from wagtail.admin.menu import MenuItem

    from .reports import all_reports

    workspace = workspace_for(request)
    ours = [
        MenuItem(
            report.title,
            reverse("ocop_report", args=[report.slug]),
            icon_name=report.icon,
            order=index,
            name=f"ocop-report-{report.slug}",
        )
        for index, report in enumerate(all_reports())
        if report.shown_to(workspace)
    ]
    menu_items[:0] = ours


@hooks.register("register_admin_urls")
def member_urls():
    from django.urls import path

    from . import member_views

    return [
        path("cooperative/members/", member_views.members, name="ocop_members"),
        path("cooperative/bank/", member_views.bank_account, name="ocop_bank_account"),
    ]


class OwnerMenuItem(MenuItem):
    """Shown to owners of a cooperative only (staff have no member or bank screens)."""

    def is_shown(self, request):
        return bool(workspace_for(request).owned_ids)


@hooks.register("register_admin_urls")
def api_token_urls():
    from django.urls import path

    from . import token_views

    return [
        path("cooperative/api-tokens/", token_views.token_list, name="ocop_api_tokens"),
        path(
            "cooperative/api-tokens/new/",
            token_views.token_create_view,
            name="ocop_api_token_create",
        ),
        path(
            "cooperative/api-tokens/<int:pk>/revoke/",
            token_views.token_revoke_view,
            name="ocop_api_token_revoke",
        ),
    ]


class TokenOwnerMenuItem(MenuItem):
    """API tokens: a cooperative's owners only (a token acts as the cooperative)."""

    def is_shown(self, request):
        from .token_views import owned_cooperative_ids

        return bool(owned_cooperative_ids(request))


@hooks.register("register_admin_menu_item")
def your_cooperative_menu():
    from django.urls import reverse

    items = [
        OwnerMenuItem(_("Members"), reverse("ocop_members"), icon_name="user", order=1),
        OwnerMenuItem(_("Bank account"), reverse("ocop_bank_account"), icon_name="grip", order=2),
        TokenOwnerMenuItem(_("API tokens"), reverse("ocop_api_tokens"), icon_name="key", order=3),
    ]
    return SubmenuMenuItem(
        _("Your cooperative"), Menu(items=items), icon_name="group", order=202, name="ocop-owner"
    )


@hooks.register("register_snippet_listing_buttons")
def cooperative_members_button(snippet, user, next_url=None):
    """The office opens a cooperative's members (owners, staff, invitations) from its row."""
    from django.urls import reverse
    from wagtail.admin.widgets import ListingButton

    if isinstance(snippet, Cooperative):
        yield ListingButton(
            _("Members"), url=f"{reverse('ocop_members')}?cooperative={snippet.pk}", priority=20
        )


@hooks.register("register_snippet_listing_buttons")
def cooperative_api_tokens_button(snippet, user, next_url=None):
    """The office reads a cooperative's API tokens (read-only) from its row."""
    from django.urls import reverse
    from wagtail.admin.widgets import ListingButton

    from .workspace import operator_user

    if isinstance(snippet, Cooperative) and operator_user(user):
        yield ListingButton(
            _("API tokens"),
            url=f"{reverse('ocop_api_tokens')}?cooperative={snippet.pk}",
            priority=30,
        )
