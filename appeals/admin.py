"""Admin: organisers maintain the catalogue, areas, responsibility list and
holidays, with XLSX/CSV export; the import is the dispatch centre's page
(preview, then apply); appeals are read-only here."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _

from appeals.enums import CatalogueList
from appeals.models import (
    Appeal,
    Area,
    Category,
    ContactView,
    Escalation,
    Holiday,
    Item,
    OnlineClue,
    Responsibility,
)
from appeals.selectors import catalogue_lists as catalogue_selectors
from appeals.selectors import privacy as privacy_selectors
from portal.admin import PortalModelAdmin
from portal.exports import csv_response, xlsx_response
from portal.masking import masked_person, person_for_staff


class ImportExportMixin:
    """Adds export/ to a changelist, and a link to the dispatch centre's
    import page (appeals.services.catalogue_io: preview, then apply)."""

    change_list_template = "appeals/admin/change_list_io.html"
    io_header: list[str] = []
    io_sheet = ""
    io_kind = ""

    def io_rows(self):
        raise NotImplementedError

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name=f"{name}_export"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "io_kind": self.io_kind}
        return super().changelist_view(request, extra_context=extra_context)

    def export_view(self, request):
        if not request.user.has_perm("appeals.export_catalogue"):
            return redirect("admin:index")
        if request.GET.get("format") == "csv":
            return csv_response(filename=self.io_sheet, header=self.io_header, rows=self.io_rows())
        return xlsx_response(filename=self.io_sheet, sheet=self.io_sheet, header=self.io_header, rows=self.io_rows())


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = ["code", "name", "name_en", "default_urgency", "deadline_value", "deadline_unit", "publishable", "active"]


@admin.register(Category)
class CategoryAdmin(PortalModelAdmin):
    list_display = ["code", "name", "name_en", "position"]
    search_fields = ["code", "name", "name_en"]
    inlines = [ItemInline]


@admin.register(Item)
class ItemAdmin(ImportExportMixin, PortalModelAdmin):
    list_display = ["code", "name", "name_en", "category", "default_urgency", "deadline_value", "deadline_unit", "publishable", "active"]
    list_filter = ["category", "default_urgency", "deadline_unit", "publishable", "active"]
    search_fields = ["code", "name", "name_en", "keywords"]
    list_select_related = ["category"]
    io_header = catalogue_selectors.ITEM_HEADER
    io_sheet = "catalogue"
    io_kind = CatalogueList.ITEMS

    def io_rows(self):
        return catalogue_selectors.item_rows()


@admin.register(Area)
class AreaAdmin(PortalModelAdmin):
    list_display = ["code", "name", "name_en", "unit", "position"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["unit"]


@admin.register(Responsibility)
class ResponsibilityAdmin(ImportExportMixin, PortalModelAdmin):
    list_display = ["item", "area", "primary_unit", "auto_dispatch"]
    list_filter = ["auto_dispatch", "item__category", "area"]
    search_fields = ["item__name", "item__code", "primary_unit__name"]
    autocomplete_fields = ["item", "area", "primary_unit", "co_units"]
    list_select_related = ["item__category", "area", "primary_unit"]
    io_header = catalogue_selectors.RESPONSIBILITY_HEADER
    io_sheet = "responsibility"
    io_kind = CatalogueList.RESPONSIBILITIES

    def io_rows(self):
        return catalogue_selectors.responsibility_rows()


@admin.register(Holiday)
class HolidayAdmin(PortalModelAdmin):
    list_display = ["date", "name", "kind"]
    list_filter = ["kind"]
    date_hierarchy = "date"


class ReadOnlyAdmin(PortalModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["tracking_number", "title", "state", "channel", "area", "primary_unit", "submitted_at"]
    list_filter = ["state", "channel", "urgency"]
    search_fields = ["tracking_number", "title"]
    list_select_related = ["area", "primary_unit"]
    # The resident's identity stays out of the admin (organisers are not on the
    # work order): accounts and contact masked, the exact address left out.
    exclude = ["contact_name", "contact_phone", "address", "latitude", "longitude", "idempotency_key",
               "resident", "submitted_by"]
    readonly_fields = ["masked_resident", "masked_submitter", "masked_contact"]

    @admin.display(description=_("市民账号"))
    def masked_resident(self, appeal) -> str:
        return masked_person(appeal.resident)

    @admin.display(description=_("提交人"))
    def masked_submitter(self, appeal) -> str:
        return person_for_staff(appeal.submitted_by)

    @admin.display(description=_("联系人"))
    def masked_contact(self, appeal) -> str:
        contact = privacy_selectors.masked_contact(appeal)
        return f"{contact.name} · {contact.phone} · {contact.location}"


@admin.register(OnlineClue)
class OnlineClueAdmin(ReadOnlyAdmin):
    list_display = ["platform", "summary", "state", "captured_at"]
    list_filter = ["state"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "kind", "recipient", "recipient_unit", "deadline", "created_at"]
    list_filter = ["kind", "recipient"]


@admin.register(ContactView)
class ContactViewAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "viewer", "viewer_unit", "via", "reason", "viewed_at"]
    list_filter = ["via"]


# --- Issue 7: ratings settings, Open311 keys, award tracks; read-only follow-up rows.
from appeals.models import AppealSettings, Cluster, Open311Key, Rating, Rectification, UnitRankingAward  # noqa: E402


@admin.register(AppealSettings)
class AppealSettingsAdmin(PortalModelAdmin):
    list_display = ["__str__", "rating_window_days", "auto_rate_after_window", "auto_rate_score", "rectification_working_days"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not AppealSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Open311Key)
class Open311KeyAdmin(PortalModelAdmin):
    list_display = ["name", "account", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["key", "created_at"]
    autocomplete_fields = ["account"]
    search_fields = ["name"]


@admin.register(UnitRankingAward)
class UnitRankingAwardAdmin(PortalModelAdmin):
    list_display = ["track", "period_start", "period_end", "min_received", "winners"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "track" and field is not None:
            from cases.enums import TrackKind

            field.queryset = field.queryset.filter(kind=TrackKind.BEST_UNIT)
        return field


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "round", "score", "automatic", "unit", "created_at"]
    list_filter = ["score", "automatic", "round"]
    exclude = ["resident"]  # the rater is the resident: masked, as on the appeal
    readonly_fields = ["masked_resident"]

    @admin.display(description=_("评价人"))
    def masked_resident(self, rating) -> str:
        return masked_person(rating.resident)


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "unit", "state", "due_at", "submitted_at", "checked_at"]
    list_filter = ["state"]


@admin.register(Cluster)
class ClusterAdmin(ReadOnlyAdmin):
    list_display = ["label", "item", "area", "state", "size", "me_too_total", "last_at"]
    list_filter = ["state"]
