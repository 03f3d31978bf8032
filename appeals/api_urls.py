"""API routes, mounted at /api/v1/appeals/ (names prefixed ``appeals-``)."""

from django.urls import path

from appeals import api

urlpatterns = [
    path("", api.AppealCollectionView.as_view(), name="appeals-collection"),
    path("catalogue", api.CatalogueView.as_view(), name="appeals-catalogue"),
    path("areas", api.AreaListView.as_view(), name="appeals-areas"),
    path("track/<str:tracking_number>", api.TrackView.as_view(), name="appeals-track"),
    path("inbox", api.InboxView.as_view(), name="appeals-inbox"),
    path("parts/<int:assignment_id>/<slug:action>", api.PartActionView.as_view(), name="appeals-part-action"),
    path("queue", api.QueueView.as_view(), name="appeals-queue"),
    path("hotline", api.HotlineView.as_view(), name="appeals-hotline"),
    path("extensions/<int:extension_id>/decide", api.ExtensionDecisionView.as_view(), name="appeals-extension-decide"),
    path("stats", api.StatsView.as_view(), name="appeals-stats"),
    path("stats/breakdown", api.BreakdownView.as_view(), name="appeals-stats-breakdown"),
    path("stats/ranking", api.RankingView.as_view(), name="appeals-ranking"),
    path("public", api.WallView.as_view(), name="appeals-wall"),
    path("public/<str:tracking_number>", api.WallDetailView.as_view(), name="appeals-wall-detail"),
    path("public/<str:tracking_number>/me-too", api.MeTooView.as_view(), name="appeals-me-too"),
    path("track/<str:tracking_number>/rate", api.RateView.as_view(), name="appeals-rate"),
    path("track/<str:tracking_number>/withdraw-consent", api.WithdrawConsentView.as_view(), name="appeals-withdraw-consent"),
    path("moderation", api.ModerationQueueView.as_view(), name="appeals-moderation"),
    path("<int:appeal_id>/moderation", api.ModerationView.as_view(), name="appeals-moderation-review"),
    path("rectifications/<int:rectification_id>/submit", api.RectificationSubmitView.as_view(), name="appeals-rectification-submit"),
    path("rectifications/<int:rectification_id>/check", api.RectificationCheckView.as_view(), name="appeals-rectification-check"),
    path("<int:appeal_id>", api.StaffAppealView.as_view(), name="appeals-staff-detail"),
    path("<int:appeal_id>/suggestion", api.SuggestionView.as_view(), name="appeals-suggestion"),
    path("<int:appeal_id>/dispatch", api.DispatchView.as_view(), name="appeals-dispatch"),
    path("<int:appeal_id>/notes", api.NoteView.as_view(), name="appeals-notes"),
    path("<int:appeal_id>/contact", api.ContactDetailView.as_view(), name="appeals-contact"),
]
