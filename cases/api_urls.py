from django.urls import path

from cases import api, api_tracks

urlpatterns = [
    path("campaigns", api.CampaignListView.as_view(), name="cases-campaigns"),
    path("campaigns/<slug:slug>", api.CampaignDetailView.as_view(), name="cases-campaign"),
    path("campaigns/<slug:slug>/tracks/<int:track_id>", api_tracks.TrackRulesView.as_view(), name="cases-track-rules"),
    path("campaigns/<slug:slug>/board", api.BoardListView.as_view(), name="cases-board"),
    path("campaigns/<slug:slug>/screening", api.ScreeningListView.as_view(), name="cases-screening"),
    path("campaigns/<slug:slug>/screening/bulk", api.BulkScreenView.as_view(), name="cases-screen-bulk"),
    path("board-cases/<int:pk>", api.BoardCaseView.as_view(), name="cases-board-case"),
    path("case-entries", api.EntryListCreateView.as_view(), name="cases-entries"),
    path("case-entries/<int:pk>", api.EntryDetailView.as_view(), name="cases-entry"),
    path("case-entries/<int:pk>/submit", api.EntryActionView.as_view(action="submit"), name="cases-entry-submit"),
    path("case-entries/<int:pk>/withdraw", api.EntryActionView.as_view(action="withdraw"), name="cases-entry-withdraw"),
    path("case-entries/<int:pk>/screen", api.ScreenEntryView.as_view(), name="cases-entry-screen"),
]
