from django.urls import path

from appeals import views

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
    path("s/<int:appeal_id>/dispatch/", views.dispatch, name="dispatch"),
    path("s/<int:appeal_id>/note/", views.add_note, name="note"),
    path("parts/<int:assignment_id>/<slug:action>/", views.part_action, name="part-action"),
    path("extensions/<int:extension_id>/decide/", views.decide_extension, name="decide-extension"),
]
