"""API URLs of the expert panel (joined to voting.api_urls under /api/v1/)."""

from django.urls import path

from voting.panel import api

P = "campaigns/<int:campaign_id>/panel"

urlpatterns = [
    path(f"{P}/settings", api.PanelSettingsView.as_view(), name="panel-settings"),
    path(f"{P}/criteria", api.CriteriaView.as_view(), name="panel-criteria"),
    path(f"{P}/finalists", api.FinalistsView.as_view(), name="panel-finalists"),
    path(f"{P}/reviewers", api.ReviewersView.as_view(), name="panel-reviewers"),
    path(f"{P}/assignments", api.AssignmentsView.as_view(), name="panel-assignments"),
    path(f"{P}/queue", api.QueueView.as_view(), name="panel-queue"),
    path(f"{P}/cases/<int:case_id>/review", api.ReviewView.as_view(), name="panel-review"),
    path(f"{P}/standings", api.StandingsView.as_view(), name="panel-standings"),
    path("panel/reviews/<int:review_id>/reopen", api.ReopenView.as_view(), name="panel-reopen"),
    path("campaigns/<int:campaign_id>/results", api.ResultsView.as_view(), name="results"),
    path("campaigns/<int:campaign_id>/results/<int:version>", api.ResultVersionView.as_view(), name="results-version"),
]
