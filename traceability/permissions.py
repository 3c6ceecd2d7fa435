"""Who may do what with a batch in the admin: one policy for the snippet views and the
batch's stamp screen."""

from catalog.permissions import CooperativeScopedPermissionPolicy

from .models import Batch


class BatchPermissionPolicy(CooperativeScopedPermissionPolicy):
    """Model permissions, the cooperative's own batches only; and a batch with stamps stays:
    printed labels point at it (the database protects it too)."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and instance.stamps.exists():
            return False
        return super().user_has_permission_for_instance(user, action, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        actions = [a for a in actions if a != "delete" or not instance.stamps.exists()]
        return bool(actions) and super().user_has_any_permission_for_instance(
            user, actions, instance
        )


def batch_permission_policy() -> BatchPermissionPolicy:
    return BatchPermissionPolicy(
        Batch, cooperative_lookup="cooperative", cooperative_of=lambda b: b.cooperative_id
    )
