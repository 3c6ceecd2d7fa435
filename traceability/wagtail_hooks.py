"""Traceability in the Wagtail admin: batches (with events inline) scoped per cooperative,
their stamp screen, and the operator's reports (anomaly flags, inspections, scans)."""

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView, SnippetViewSet, SnippetViewSetGroup

from catalog.permissions import (
    CooperativeScopedEditView,
    CooperativeScopedHistoryView,
    CooperativeScopedPermissionPolicy,
    CooperativeScopedUsageView,
    FoldedSearchIndexView,
    ScopedChooserMixin,
    scoped_queryset,
)

from . import admin_views, input_views, recall_views
from .forms import BatchForm
from .models import AnomalyFlag, Batch, Inspection
from .permissions import batch_permission_policy


class ReadOnlyScopedPolicy(CooperativeScopedPermissionPolicy):
    """Reports: rows are written by the system, never edited in the admin."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and super().user_has_permission(user, "view")

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and super().user_has_permission_for_instance(user, action, instance)


class BatchDeleteView(DeleteView):
    """Wagtail's delete view checks the model permission only: ask the policy per batch."""

    def get_object(self, *args, **kwargs):
        batch = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, "delete", batch
        ):
            raise PermissionDenied
        return batch


class BatchViewSet(ScopedChooserMixin, SnippetViewSet):
    model = Batch
    icon = "tasks"
    menu_label = _("Batches & stamps")
    list_display = ["lot", "variant", "production_date", "status", "cooperative"]
    list_filter = ["status"]
    search_fields = ["lot", "variant__page__title", "variant__sku"]
    index_view_class = FoldedSearchIndexView
    edit_view_class = CooperativeScopedEditView
    history_view_class = CooperativeScopedHistoryView
    usage_view_class = CooperativeScopedUsageView
    delete_view_class = BatchDeleteView

    @cached_property
    def edit_handler(self):
        from wagtail.admin.panels import ObjectList

        return ObjectList(Batch.panels, base_form_class=BatchForm)

    @cached_property
    def permission_policy(self):
        return batch_permission_policy()

    def get_queryset(self, request):
        return scoped_queryset(self, request).select_related("variant__page", "cooperative")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("stamps/<int:pk>/", admin_views.batch_stamps, name="stamps"),
            path("stamps/<int:pk>/order/", admin_views.batch_order_stamps, name="order"),
            path("stamps/<int:pk>/release/", admin_views.batch_release_view, name="release"),
            path("stamps/<int:pk>/recall/", admin_views.batch_recall_view, name="recall"),
            path("stamps/<int:pk>/void/", admin_views.batch_void_view, name="void"),
            path("stamps/<int:pk>/epcis/", admin_views.batch_epcis_download, name="epcis"),
            path("stamps/<int:pk>/inputs/", input_views.batch_input_add, name="input_add"),
            path(
                "stamps/<int:pk>/inputs/<int:row_pk>/remove/",
                input_views.batch_input_remove,
                name="input_remove",
            ),
            path("recall/<int:pk>/", recall_views.reach_view, name="recall_reach"),
            path("recall/<int:pk>/report/", recall_views.report_view, name="recall_report"),
            path("recall/<int:pk>/report.csv", recall_views.report_csv, name="recall_csv"),
            path("recall/<int:pk>/report.xlsx", recall_views.report_xlsx, name="recall_xlsx"),
            path("recall/<int:pk>/drill/", recall_views.drill_view, name="recall_drill"),
            path("recall/<int:pk>/runs/", recall_views.runs_view, name="recall_runs"),
            path(
                "orders/<int:order_pk>/retry/",
                admin_views.stamp_order_retry_view,
                name="order_retry",
            ),
            path(
                "orders/<int:order_pk>/progress/",
                admin_views.stamp_order_progress,
                name="order_progress",
            ),
            path(
                "orders/<int:order_pk>/<str:kind>/",
                admin_views.stamp_order_download,
                name="order_download",
            ),
        ]


class AnomalyFlagViewSet(ScopedChooserMixin, SnippetViewSet):
    model = AnomalyFlag
    icon = "warning"
    menu_label = _("Anomaly report")
    list_display = ["stamp", "rule", "detail", "occurrences", "last_seen", "outcome"]
    list_filter = ["outcome", "rule"]
    ordering = ["-last_seen"]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("review/<int:pk>/", admin_views.flag_review_view, name="review"),
        ]

    @cached_property
    def permission_policy(self):
        return ReadOnlyScopedPolicy(
            AnomalyFlag,
            cooperative_lookup="batch__cooperative",
            cooperative_of=lambda f: f.batch.cooperative_id,
        )

    def get_queryset(self, request):
        return scoped_queryset(self, request).select_related("stamp__batch")


class InspectionViewSet(ScopedChooserMixin, SnippetViewSet):
    model = Inspection
    icon = "form"
    menu_label = _("Inspections")
    list_display = ["inspected_at", "result", "server_verdict", "inspector", "code"]
    list_filter = ["result", "server_verdict"]
    inspect_view_enabled = True

    @cached_property
    def permission_policy(self):
        return ReadOnlyScopedPolicy(
            Inspection,
            cooperative_lookup="stamp__batch__cooperative",
            cooperative_of=lambda i: i.stamp.batch.cooperative_id if i.stamp_id else None,
        )

    def get_queryset(self, request):
        return scoped_queryset(self, request).select_related("inspector", "stamp")


class TraceabilityGroup(SnippetViewSetGroup):
    items = (BatchViewSet, AnomalyFlagViewSet, InspectionViewSet)
    menu_icon = "tasks"
    menu_label = _("Traceability")
    menu_order = 220


register_snippet(TraceabilityGroup)


@hooks.register("register_snippet_listing_buttons")
def batch_stamps_button(snippet, user, next_url=None):
    if isinstance(snippet, Batch):
        yield ListingButton(
            _("Stamps & actions"),
            url=reverse(f"{admin_views.URL_NAMESPACE}:stamps", args=[snippet.pk]),
            priority=5,
        )
    if isinstance(snippet, AnomalyFlag) and admin_views.is_operator(user):
        yield ListingButton(
            _("Review"),
            url=reverse(f"{admin_views.FLAG_NAMESPACE}:review", args=[snippet.pk]),
            priority=5,
        )


@hooks.register("construct_homepage_panels")
def traceability_panels(request, panels):
    from marketplace.dashboard import add_panels

    from .dashboard import PANELS

    add_panels(request, panels, PANELS)


@hooks.register("register_ocop_reports")
def ocop_reports():
    from .reports import reports

    return reports()
