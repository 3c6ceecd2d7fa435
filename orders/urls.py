from django.contrib.auth import views as auth_views
from django.urls import path

from . import account_views as accounts
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
    path("account/", accounts.account, name="account"),
    path("account/login/", accounts.LoginView.as_view(), name="login"),
    path("account/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("account/signup/", accounts.signup, name="signup"),
    path("account/confirm/resend/", accounts.resend_confirmation, name="resend_confirmation"),
    path("account/confirm/<str:token>/", accounts.confirm_email, name="confirm_email"),
    path("account/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "account/password/reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("account/delete/", accounts.delete_account, name="delete_account"),
    path("account/tokens/", accounts.app_tokens, name="app_tokens"),
    path("account/tokens/<int:pk>/revoke/", accounts.app_token_revoke, name="app_token_revoke"),
]

# Machine endpoints: never translated.
api_patterns = [
    path("api/v1/wards", views.wards, name="wards"),
    path("api/v1/payments/stripe/webhook", views.stripe_webhook, name="stripe_webhook"),
    path("api/v1/payments/vietqr/notify", views.vietqr_notify, name="vietqr_notify"),
]
