from django.urls import path

from appeals.views import calendar, catalogue, centre, public, resident, staff, unit

app_name = "appeals"

urlpatterns = [
    path("", resident.home, name="home"),
    path("new/", resident.new_appeal, name="new"),
    path("picker/", resident.item_picker, name="picker"),
    path("t/<str:tracking_number>/", resident.track, name="track"),
    path("inbox/", unit.inbox, name="inbox"),
    path("centre/", centre.centre, name="centre"),
    path("centre/hotline/", centre.caller_intake, name="caller"),
    path("centre/clues/", centre.clues, name="clues"),
    path("centre/calendar/", calendar.calendar, name="calendar"),
    path("centre/calendar/day", calendar.calendar_day, name="calendar-day"),
    path("centre/calendar/import", calendar.calendar_import, name="calendar-import"),
    path("centre/calendar/import/apply", calendar.calendar_import_apply, name="calendar-import-apply"),
    # The catalogue and the responsibility list: download, upload, preview, apply (issue 21).
    path("centre/catalogue/", catalogue.catalogue, name="catalogue"),
    path("centre/catalogue/preview/", catalogue.preview, name="catalogue-preview"),
    path("centre/catalogue/apply/", catalogue.apply, name="catalogue-apply"),
    path("centre/catalogue/<slug:kind>.<slug:fmt>", catalogue.download, name="catalogue-download"),
    path("centre/clues/<int:clue_id>/", centre.clue_detail, name="clue"),
    path("s/<int:appeal_id>/", staff.staff_detail, name="staff-detail"),
    path("s/<int:appeal_id>/contact/", staff.reveal_contact, name="contact"),
    path("contact-log/", staff.contact_log, name="contact-log"),
    path("s/<int:appeal_id>/dispatch/", centre.dispatch, name="dispatch"),
    path("s/<int:appeal_id>/note/", staff.add_note, name="note"),
    path("parts/<int:work_order_id>/<slug:action>/", unit.part_action, name="part-action"),
    path("extensions/<int:extension_id>/decide/", centre.decide_extension, name="decide-extension"),
    path("t/<str:tracking_number>/rate/", resident.rate, name="rate"),
    path("photos/<int:photo_id>/", resident.photo, name="photo"),
    path("photos/<int:photo_id>/thumbnail/", resident.photo, {"thumbnail": True}, name="photo-thumbnail"),
    # The public wall (问政墙), the dashboards, the ranking.
    path("wall/", public.wall, name="wall"),
    path("wall/<str:tracking_number>/", public.wall_detail, name="wall-detail"),
    path("wall/<str:tracking_number>/me-too/", public.me_too, name="me-too"),
    path("stats/", public.dashboard, name="dashboard"),
    path("stats/units/<int:unit_id>/", public.unit_dashboard, name="unit-dashboard"),
    path("stats/export.xlsx", public.stats_export, name="stats-export"),
    path("stats/awards/<int:track_id>/", public.award, name="award"),
    # Follow-up work of staff.
    path("s/<int:appeal_id>/public-text/", centre.public_text, name="public-text"),
    # Moderation before publication.
    path("centre/moderation/", centre.queue, name="moderation"),
    path("centre/moderation/<int:appeal_id>/", centre.review, name="moderation-review"),
    path("t/<str:tracking_number>/withdraw-consent/", resident.withdraw_consent, name="withdraw-consent"),
    path("rectifications/<int:rectification_id>/submit/", unit.submit_rectification, name="rectification-submit"),
    path("rectifications/<int:rectification_id>/check/", centre.check_rectification, name="rectification-check"),
    path("centre/clusters/", centre.clusters, name="clusters"),
    path("centre/clusters/<int:cluster_id>/", centre.cluster_detail, name="cluster"),
]
