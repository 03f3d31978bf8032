from django.urls import path

from voting import api

urlpatterns = [
    path("campaigns/<int:campaign_id>/cases/<int:case_id>/votes", api.VoteView.as_view(), name="voting-vote"),
    path("campaigns/<int:campaign_id>/leaderboard", api.LeaderboardView.as_view(), name="voting-leaderboard"),
]

# The expert panel's API (issue 5).
from voting.panel.api_urls import urlpatterns as panel_urlpatterns  # noqa: E402

urlpatterns += panel_urlpatterns
