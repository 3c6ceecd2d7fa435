from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .cart import merge_guest_cart

        def keep_guest_cart(sender, request, user, **kwargs):
            if request is not None and hasattr(request, "session"):
                merge_guest_cart(request, user)

        user_logged_in.connect(keep_guest_cart, weak=False, dispatch_uid="orders.keep_guest_cart")
