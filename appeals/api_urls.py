"""API routes, mounted at /api/v1/appeals/ (names prefixed ``appeals-``)."""

from django.urls import path

from appeals.api import centre, public, resident, staff, unit

urlpatterns = [
    path("", resident.AppealCollectionView.as_view(), name="appeals-collection"),
    path("catalogue", public.CatalogueView.as_view(), name="appeals-catalogue"),
    path("areas", public.AreaListView.as_view(), name="appeals-areas"),
    path("track/<str:tracking_number>", resident.TrackView.as_view(), name="appeals-track"),
    path("inbox", unit.InboxView.as_view(), name="appeals-inbox"),
    *[path(f"parts/<int:assignment_id>/{action}", view.as_view(), name=f"appeals-part-{action}")
      for action, view in unit.PART_ACTIONS.items()],
    path("queue", centre.QueueView.as_view(), name="appeals-queue"),
    path("hotline", centre.HotlineView.as_view(), name="appeals-hotline"),
    path("extensions/<int:extension_id>/decide", centre.ExtensionDecisionView.as_view(), name="appeals-extension-decide"),
    path("stats", public.StatsView.as_view(), name="appeals-stats"),
    path("stats/breakdown", public.BreakdownView.as_view(), name="appeals-stats-breakdown"),
    path("stats/ranking", public.RankingView.as_view(), name="appeals-ranking"),
    path("public", public.WallView.as_view(), name="appeals-wall"),
    path("public/<str:tracking_number>", public.WallDetailView.as_view(), name="appeals-wall-detail"),
    path("public/<str:tracking_number>/me-too", public.MeTooView.as_view(), name="appeals-me-too"),
    path("track/<str:tracking_number>/rate", resident.RateView.as_view(), name="appeals-rate"),
    path("track/<str:tracking_number>/withdraw-consent", resident.WithdrawConsentView.as_view(), name="appeals-withdraw-consent"),
    path("moderation", centre.ModerationQueueView.as_view(), name="appeals-moderation"),
    path("<int:appeal_id>/moderation", centre.ModerationView.as_view(), name="appeals-moderation-review"),
    path("rectifications/<int:rectification_id>/submit", unit.RectificationSubmitView.as_view(), name="appeals-rectification-submit"),
    path("rectifications/<int:rectification_id>/check", centre.RectificationCheckView.as_view(), name="appeals-rectification-check"),
    path("<int:appeal_id>", staff.StaffAppealView.as_view(), name="appeals-staff-detail"),
    path("<int:appeal_id>/suggestion", centre.SuggestionView.as_view(), name="appeals-suggestion"),
    path("<int:appeal_id>/dispatch", centre.DispatchView.as_view(), name="appeals-dispatch"),
    path("<int:appeal_id>/notes", staff.NoteView.as_view(), name="appeals-notes"),
    path("<int:appeal_id>/contact", staff.ContactDetailView.as_view(), name="appeals-contact"),
]
