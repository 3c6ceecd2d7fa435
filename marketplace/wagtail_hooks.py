from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .forms import CooperativeForm
from .models import Cooperative


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
            FieldPanel("registration_number"),
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
