"""Login locks in the Wagtail admin (Settings → Login locks): operators (who hold the
``LoginLock`` proxy's permissions with the rest of the marketplace app's) see which username
and address django-axes is holding back, until when, and lift a lock: the attempt row is
deleted, and Wagtail's history records who did it. Nothing is added or edited here."""

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import DeleteView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from .models import LoginLock


def locked_until(attempt: LoginLock):
    """When the lock lifts by itself, or None when this row does not lock anyone."""
    if attempt.failures_since_start < settings.AXES_FAILURE_LIMIT:
        return None
    until = attempt.attempt_time + settings.AXES_COOLOFF_TIME
    return until if until > timezone.now() else None


# django-axes has no Vietnamese catalogue: its field names, for our makemessages (the same
# msgids, so the columns and the inspect view read in Vietnamese).
AXES_FIELD_NAMES = (
    _("Username"),
    _("IP Address"),
    _("User Agent"),
    _("Path"),
    _("Failed Logins"),
    _("Attempt Time"),
)


class LockedUntilColumn(Column):
    def get_value(self, instance):
        until = locked_until(instance)
        if until is None:
            return _("Not locked")
        return date_format(timezone.localtime(until), "H:i d/m/Y")


class UnlockOnly(ModelPermissionPolicy):
    """Viewing and lifting (delete) follow the model permissions; nobody adds or edits."""

    def user_has_permission(self, user, action):
        if action in ("add", "change"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class UnlockView(DeleteView):
    page_title = _("Lift the login lock")
    success_message = _("%(model_name)s '%(object)s': the lock is lifted.")

    @property
    def confirmation_message(self):
        return _(
            "Lift the lock on %(username)s from %(address)s? They can try their password again "
            "at once."
        ) % {"username": self.object.username, "address": self.object.ip_address}


class LoginLockViewSet(ModelViewSet):
    model = LoginLock
    icon = "lock"
    menu_label = _("Login locks")
    menu_name = "login-locks"
    add_to_settings_menu = True
    url_prefix = "login-locks"
    name = "login_locks"
    permission_policy = UnlockOnly(LoginLock)
    delete_view_class = UnlockView
    inspect_view_enabled = True
    copy_view_enabled = False
    # Read only: the add and edit views are never reached (UnlockOnly), but the viewset
    # builds their forms' fields.
    form_fields = ["username"]
    list_display = [
        "username",
        "ip_address",
        "failures_since_start",
        "attempt_time",
        LockedUntilColumn("locked_until", label=_("Locked until")),
    ]
    inspect_view_fields = [
        "username",
        "ip_address",
        "user_agent",
        "path_info",
        "failures_since_start",
        "attempt_time",
    ]
    search_fields = ["username", "ip_address"]
    search_backend_name = None  # a database search: these rows are not indexed
    ordering = ["-attempt_time"]
    list_per_page = 50
