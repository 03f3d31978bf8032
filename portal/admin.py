"""Admin for organisers: units and role memberships.

Access follows the named permissions of ``portal/rules.py`` (django-rules),
not Django's per-model permission rows.
"""

from django.contrib import admin
from rules.contrib.admin import ObjectPermissionsModelAdmin

from portal import services
from portal.models import Membership, Unit, User


class PortalModelAdmin(ObjectPermissionsModelAdmin):
    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("portal.access_admin")

    def has_add_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")


@admin.register(Unit)
class UnitAdmin(PortalModelAdmin):
    list_display = ["name", "short_name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]


@admin.register(Membership)
class MembershipAdmin(PortalModelAdmin):
    """Roles are granted and revoked through the services, which keep the
    user's role list and admin access in step."""

    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__phone", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a role is revoked and granted anew, never edited

    def save_model(self, request, obj, form, change) -> None:
        membership = services.grant_role(actor=request.user, user=obj.user, role=obj.role, unit=obj.unit)
        obj.pk = membership.pk

    def delete_model(self, request, obj) -> None:
        services.revoke_role(actor=request.user, user=obj.user, role=obj.role, unit=obj.unit)

    def delete_queryset(self, request, queryset) -> None:
        for membership in queryset.select_related("user", "unit"):
            self.delete_model(request, membership)


@admin.register(User)
class UserAdmin(PortalModelAdmin):
    list_display = ["__str__", "email", "phone", "verified_at", "is_active", "date_joined"]
    list_filter = ["is_active", "memberships__role"]
    search_fields = ["email", "phone", "display_name"]
    fields = ["email", "phone", "phone_verified", "display_name", "roles", "verified_at", "is_active", "date_joined"]
    readonly_fields = ["roles", "verified_at", "date_joined"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
