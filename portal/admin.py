"""Admin for organisers: units and role memberships.

Access follows the named permissions of ``portal/rules.py`` (django-rules),
not Django's per-model permission rows.
"""

from django.contrib import admin
from django.utils.translation import gettext, gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin

from portal import services
from portal.masking import mask_email, mask_phone, masked_person
from portal.models import Membership, Unit, User


class PortalModelAdmin(ObjectPermissionsModelAdmin):
    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("portal.access_admin")

    def has_add_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")


@admin.register(Unit)
class UnitAdmin(PortalModelAdmin):
    list_display = ["name", "name_en", "short_name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["name", "name_en", "short_name"]
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


def sees_raw_identity(request) -> bool:
    """Only superusers (the portal's technical administrators) read a
    resident's contact in the admin; organisers go through the logged reveal
    like everyone else, so here they see residents masked."""
    return request.user.is_superuser


def is_resident(user: User) -> bool:
    return not user.roles


class MaskedTitle:
    """Stands in for a resident on the admin's own page furniture (the
    title, the breadcrumbs), which print the object itself."""

    def __init__(self, user: User):
        self._user = user
        self.pk = user.pk

    def __str__(self) -> str:
        return masked_person(self._user)


@admin.register(User)
class UserAdmin(PortalModelAdmin):
    list_display = ["__str__", "email", "phone", "verified_at", "is_active", "date_joined"]
    masked_list_display = ["shown_name", "shown_email", "shown_phone", "verified_at", "is_active", "date_joined"]
    list_filter = ["is_active", "memberships__role"]
    search_fields = ["email", "phone", "display_name"]
    fields = ["email", "phone", "phone_verified", "display_name", "roles", "verified_at", "is_active", "date_joined"]
    masked_fields = ["shown_name", "shown_email", "shown_phone", "phone_verified", "roles", "verified_at",
                     "is_active", "date_joined"]
    readonly_fields = ["roles", "verified_at", "date_joined", "shown_name", "shown_email", "shown_phone"]
    ordering = ["-date_joined", "-pk"]

    @admin.display(description=_("称呼"))
    def shown_name(self, user: User) -> str:
        return str(user) if not is_resident(user) else masked_person(user)

    @admin.display(description=_("邮箱"))
    def shown_email(self, user: User) -> str:
        return (user.email or "") if not is_resident(user) else mask_email(user.email or "")

    @admin.display(description=_("手机号"))
    def shown_phone(self, user: User) -> str:
        return (user.phone or "") if not is_resident(user) else mask_phone(user.phone or "")

    def masks(self, request, obj: User | None) -> bool:
        return not sees_raw_identity(request) and obj is not None and is_resident(obj)

    def get_list_display(self, request):
        return self.list_display if sees_raw_identity(request) else self.masked_list_display

    def get_fields(self, request, obj=None):
        return self.masked_fields if self.masks(request, obj) else self.fields

    def has_change_permission(self, request, obj=None) -> bool:
        # A resident's account is read-only to organisers: a form would hold
        # their raw contact, and a save names them in messages and the log.
        return super().has_change_permission(request, obj) and not self.masks(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        """Organisers find staff, never residents: a search by a resident's
        e-mail, phone or name would answer "has this person an account?".
        The autocomplete of role grants and Open311 keys offers staff only."""
        if not sees_raw_identity(request):
            autocomplete = request.resolver_match and request.resolver_match.url_name == "autocomplete"
            if search_term or autocomplete:
                queryset = queryset.exclude(roles=[])
        return super().get_search_results(request, queryset, search_term)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._masked_page(request, super().change_view(request, object_id, form_url, extra_context), "original")

    def history_view(self, request, object_id, extra_context=None):
        response = self._masked_page(request, super().history_view(request, object_id, extra_context), "object")
        if self._masked_in(response, "object"):
            # Django's own words (and translation), with the masked name.
            response.context_data["title"] = gettext("Change history: %s") % response.context_data["object"]
        return response

    def _masked_in(self, response, key: str) -> bool:
        return isinstance(getattr(response, "context_data", None), dict) and isinstance(
            response.context_data.get(key), MaskedTitle)

    def _masked_page(self, request, response, key: str):
        context = getattr(response, "context_data", None)
        obj = context.get(key) if isinstance(context, dict) else None
        if isinstance(obj, User) and self.masks(request, obj):
            context[key] = MaskedTitle(obj)
            if context.get("subtitle"):
                context["subtitle"] = str(context[key])
        return response
