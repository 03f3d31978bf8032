from django.urls import path

from voting import views

app_name = "voting"

urlpatterns = [
    path("voting/vote/<int:campaign_id>/<int:case_id>/", views.vote, name="vote"),
    path("board/leaderboard/", views.leaderboard, name="leaderboard"),
    path("board/edition/<slug:slug>/leaderboard/", views.leaderboard, name="campaign-leaderboard"),
    path("voting/review/<slug:slug>/", views.review, name="review"),
    path("voting/review/<slug:slug>/void/", views.void, name="void"),
    path("voting/rules/<slug:slug>/", views.rules, name="rules"),
]

# The expert panel's pages (issue 5).
from voting.panel.urls import urlpatterns as panel_urlpatterns  # noqa: E402

urlpatterns += panel_urlpatterns

# The organisers' campaign set-up (issue 21).
from voting.setup.urls import urlpatterns as setup_urlpatterns  # noqa: E402

urlpatterns += setup_urlpatterns
