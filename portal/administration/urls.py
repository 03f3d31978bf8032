from django.urls import path

from portal.administration import views

app_name = "administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("units/new", views.create_unit, name="unit-create"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/rename", views.rename_unit, name="unit-rename"),
    path("units/<int:pk>/move", views.move_unit, name="unit-move"),
    path("units/<int:pk>/active", views.set_unit_active, name="unit-active"),
    path("units/<int:pk>/delete", views.delete_unit, name="unit-delete"),
    path("invite", views.invite, name="invite"),
    path("invitations/<int:pk>/revoke", views.revoke_invitation, name="invitation-revoke"),
    path("join/", views.accept, name="accept"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/grant", views.grant_role, name="person-grant"),
    path("people/<int:pk>/move", views.move_person, name="person-move"),
    path("people/<int:pk>/active", views.set_person_active, name="person-active"),
    path("roles/<int:pk>/revoke", views.revoke_role, name="role-revoke"),
    path("audit/", views.audit, name="audit"),
]
