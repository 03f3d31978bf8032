"""Page URLs of the expert panel (joined to voting.urls, namespace "voting")."""

from django.urls import path, re_path

from voting.panel import views

urlpatterns = [
    path("panel/", views.panel_home, name="panel-home"),
    path("panel/<slug:slug>/", views.panel_queue, name="panel-queue"),
    path("panel/<slug:slug>/case/<int:case_id>/", views.panel_case, name="panel-case"),
    path("panel/<slug:slug>/manage/", views.panel_manage, name="panel-manage"),
    path("panel/<slug:slug>/manage/settings/", views.panel_settings, name="panel-settings"),
    path("panel/<slug:slug>/manage/criteria/", views.panel_criteria, name="panel-criteria"),
    path("panel/<slug:slug>/manage/finalists/", views.panel_finalists, name="panel-finalists"),
    path("panel/<slug:slug>/manage/invite/", views.panel_invite, name="panel-invite"),
    path("panel/<slug:slug>/manage/assign/", views.panel_assign, name="panel-assign"),
    path("panel/<slug:slug>/manage/reviews/<int:review_id>/reopen/", views.panel_reopen, name="panel-reopen"),
    path("panel/<slug:slug>/manage/publish/", views.panel_publish, name="panel-publish"),
    path("panel/<slug:slug>/standings/", views.panel_standings, name="panel-standings"),
    path("results/<slug:slug>/", views.results, name="results"),
    path("results/<slug:slug>/v<int:version>/", views.results, name="results-version"),
    re_path(r"^results/(?P<slug>[-\w]+)/v(?P<version>\d+)/export\.(?P<fmt>csv|xlsx)$", views.results_export,
            name="results-export"),
]
