from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/edition/<slug:slug>/", views.board, name="campaign-board"),
    path("board/case/<int:pk>/", views.case_page, name="case"),
    path("board/case/<int:pk>/poster.png", views.case_poster, name="poster"),
    path("cases/mine/", views.my_entries, name="mine"),
    path("cases/desk/", views.organiser_desk, name="desk"),
    path("cases/new/<slug:slug>/", views.entry_new, name="entry-new"),
    path("cases/entry/<int:pk>/", views.entry_detail, name="entry"),
    path("cases/entry/<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path("cases/entry/<int:pk>/<str:action>/", views.entry_action, name="entry-action"),
    path("cases/screening/<slug:slug>/", views.screening, name="screening"),
    path("cases/screening/<slug:slug>/export.csv", views.screening_export, {"fmt": "csv"}, name="screening-csv"),
    path("cases/screening/<slug:slug>/export.xlsx", views.screening_export, {"fmt": "xlsx"}, name="screening-xlsx"),
    path("cases/screening/entry/<int:pk>/", views.screen_entry, name="screen"),
]
