"""Admin permission policies that keep each cooperative to its own rows."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import EditView, HistoryView, IndexView, UsageView

from marketplace.roles import member_cooperative_ids, views_every_cooperative
from marketplace.text import folded_search


class CooperativeScopedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, and on top: members act only on their own cooperative's rows.

    ``cooperative_lookup`` is the ORM path to the cooperative id (``variant__page__cooperative``)
    and ``cooperative_of`` reads it from an instance.
    """

    def __init__(self, model, *, cooperative_lookup: str, cooperative_of: Callable):
        super().__init__(model)
        self.cooperative_lookup = cooperative_lookup
        self.cooperative_of = cooperative_of

    def _in_scope(self, user, instance, actions) -> bool:
        ids = member_cooperative_ids(user)
        if ids is None or self.cooperative_of(instance) in ids:
            return True
        return set(actions) == {"view"} and views_every_cooperative(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return super().user_has_permission_for_instance(user, action, instance) and self._in_scope(
            user, instance, [action]
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        # Each action on its own: an inspector may view another cooperative's row, not change it.
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        qs = super().instances_user_has_any_permission_for(user, actions)
        ids = member_cooperative_ids(user)
        if ids is None:
            return qs
        own = qs.filter(**{f"{self.cooperative_lookup}__in": ids})
        if "view" in actions and views_every_cooperative(user):
            return super().instances_user_has_any_permission_for(user, ["view"]) | own
        return own


def scoped_queryset(viewset, request):
    """The listing shows the rows the viewset's permission policy lets this user see."""
    return viewset.permission_policy.instances_user_has_any_permission_for(
        request.user, ["change", "view"]
    )


class CooperativeScopedObjectMixin:
    """Wagtail's object views check model permissions only; this adds the per-row check."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_any_permission_for_instance(
            self.request.user, ["change", "view"], obj
        ):
            raise PermissionDenied
        return obj


class CooperativeScopedEditView(CooperativeScopedObjectMixin, EditView):
    pass


class CooperativeScopedHistoryView(CooperativeScopedObjectMixin, HistoryView):
    pass


class CooperativeScopedUsageView(CooperativeScopedObjectMixin, UsageView):
    pass


class StockEditView(CooperativeScopedEditView):
    """Counted stock goes through ``stock_set_on_hand``: row lock, never below reservations."""

    def save_instance(self):
        from .stock import stock_set_on_hand

        return stock_set_on_hand(
            variant_id=self.object.pk, on_hand=self.form.cleaned_data["on_hand"]
        )

    def form_valid(self, form):
        from .stock import InsufficientStock

        try:
            return super().form_valid(form)
        except InsufficientStock:
            form.add_error(
                "on_hand", _("Orders have reserved more than this; count again or wait.")
            )
            return self.form_invalid(form)


def scoped_chooser_viewset_class(policy):
    """A snippet chooser that lists and returns only the rows ``policy`` lets the user see.

    Wagtail's default chooser lists ``Model.objects.all()`` to anyone with admin access.
    """
    from wagtail.snippets.views.chooser import (
        ChooseResultsView,
        ChooseView,
        SnippetChooserViewSet,
        SnippetChosenMultipleView,
        SnippetChosenView,
    )

    def visible(view):
        return policy.instances_user_has_any_permission_for(view.request.user, ["change", "view"])

    class ScopedChooseView(ChooseView):
        def get_object_list(self):
            return visible(self)

    class ScopedChooseResultsView(ChooseResultsView):
        def get_object_list(self):
            return visible(self)

    class ScopedChosenView(SnippetChosenView):
        def get_object(self, pk):
            return visible(self).get(pk=pk)

    class ScopedChosenMultipleView(SnippetChosenMultipleView):
        def get_objects(self, pks):
            return visible(self).filter(pk__in=pks)

    return type(
        "ScopedSnippetChooserViewSet",
        (SnippetChooserViewSet,),
        {
            "choose_view_class": ScopedChooseView,
            "choose_results_view_class": ScopedChooseResultsView,
            "chosen_view_class": ScopedChosenView,
            "chosen_multiple_view_class": ScopedChosenMultipleView,
        },
    )


class ScopedChooserMixin:
    """For snippet viewsets with a cooperative-scoped permission policy: the chooser too."""

    @property
    def chooser_viewset_class(self):
        return scoped_chooser_viewset_class(self.permission_policy)


class FoldedSearchIndexView(IndexView):
    """A snippet listing whose search ignores accents and case, as the storefront's does
    (``che bup la bang`` finds ``Chè búp La Bằng``), within the rows the listing shows (the
    user's own cooperative's)."""

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return folded_search(queryset, self.search_fields, self.search_query)
