from django.urls import path

from voting.setup import views

urlpatterns = [
    path("campaign-setup/", views.campaigns, name="setup-campaigns"),
    path("campaign-setup/new", views.new, name="setup-new"),
    path("campaign-setup/copy", views.copy, name="setup-copy"),
    path("campaign-setup/<int:pk>/", views.edit, name="setup-edit"),
    path("campaign-setup/<int:pk>/phases", views.phases, name="setup-phases"),
]
