from django.urls import path

from appeals import views, views_moderation, views_public

app_name = "appeals"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_appeal, name="new"),
    path("picker/", views.item_picker, name="picker"),
    path("t/<str:tracking_number>/", views.track, name="track"),
    path("inbox/", views.inbox, name="inbox"),
    path("centre/", views.centre, name="centre"),
    path("centre/hotline/", views.caller_intake, name="caller"),
    path("centre/clues/", views.clues, name="clues"),
    path("centre/clues/<int:clue_id>/", views.clue_detail, name="clue"),
    path("s/<int:appeal_id>/", views.staff_detail, name="staff-detail"),
    path("s/<int:appeal_id>/contact/", views.reveal_contact, name="contact"),
    path("contact-log/", views.contact_log, name="contact-log"),
    path("s/<int:appeal_id>/dispatch/", views.dispatch, name="dispatch"),
    path("s/<int:appeal_id>/note/", views.add_note, name="note"),
    path("parts/<int:assignment_id>/<slug:action>/", views.part_action, name="part-action"),
    path("extensions/<int:extension_id>/decide/", views.decide_extension, name="decide-extension"),
    path("t/<str:tracking_number>/rate/", views.rate, name="rate"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("photos/<int:photo_id>/thumbnail/", views.photo, {"thumbnail": True}, name="photo-thumbnail"),
    # The public wall (问政墙), the dashboards, the ranking.
    path("wall/", views_public.wall, name="wall"),
    path("wall/<str:tracking_number>/", views_public.wall_detail, name="wall-detail"),
    path("wall/<str:tracking_number>/me-too/", views_public.me_too, name="me-too"),
    path("stats/", views_public.dashboard, name="dashboard"),
    path("stats/units/<int:unit_id>/", views_public.unit_dashboard, name="unit-dashboard"),
    path("stats/export.xlsx", views_public.stats_export, name="stats-export"),
    path("stats/awards/<int:track_id>/", views_public.award, name="award"),
    # Follow-up work of staff.
    path("s/<int:appeal_id>/public-text/", views_public.public_text, name="public-text"),
    # Moderation before publication.
    path("centre/moderation/", views_moderation.queue, name="moderation"),
    path("centre/moderation/<int:appeal_id>/", views_moderation.review, name="moderation-review"),
    path("t/<str:tracking_number>/withdraw-consent/", views_moderation.withdraw_consent, name="withdraw-consent"),
    path("rectifications/<int:rectification_id>/submit/", views_public.submit_rectification, name="rectification-submit"),
    path("rectifications/<int:rectification_id>/check/", views_public.check_rectification, name="rectification-check"),
    path("centre/clusters/", views_public.clusters, name="clusters"),
    path("centre/clusters/<int:cluster_id>/", views_public.cluster_detail, name="cluster"),
]
