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
    path("<int:appeal_id>", api.StaffAppealView.as_view(), name="appeals-staff-detail"),
    path("<int:appeal_id>/suggestion", api.SuggestionView.as_view(), name="appeals-suggestion"),
    path("<int:appeal_id>/dispatch", api.DispatchView.as_view(), name="appeals-dispatch"),
    path("<int:appeal_id>/notes", api.NoteView.as_view(), name="appeals-notes"),
    path("<int:appeal_id>/contact", api.ContactDetailView.as_view(), name="appeals-contact"),
]
