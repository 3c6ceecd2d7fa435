from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

ORDER = "orders/<str:number>/"

# Storefront pages, inside i18n_patterns (Vietnamese at /, English under /en/).
storefront_patterns = [
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("checkout/", views.checkout, name="checkout"),
    path(ORDER, views.order_detail, name="detail"),
    path(f"{ORDER}status/", views.order_status, name="status"),
    path(f"{ORDER}cancel/", views.order_cancel, name="cancel"),
    path(f"{ORDER}pay/card/", views.order_pay_card, name="pay_card"),
    path("account/", views.account, name="account"),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("account/signup/", views.signup, name="signup"),
]

# Machine endpoints: never translated.
api_patterns = [
    path("api/v1/wards", views.wards, name="wards"),
    path("api/v1/payments/stripe/webhook", views.stripe_webhook, name="stripe_webhook"),
    path("api/v1/payments/vietqr/notify", views.vietqr_notify, name="vietqr_notify"),
]
