"""Admin for organisers: campaigns, phases, tracks, domains, entries and
their screening history, with CSV and XLSX export of entries.

Phase times change through ``services.set_phase`` (recorded, no overlap);
entries change through the screening pages, so they are read-only here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases import selectors, services
from cases.exceptions import CaseError
from cases.models import Campaign, CaseEntry, Domain, EntryEvent, EntryImage, Phase, PhaseChange, Track
from portal.admin import PortalModelAdmin
from portal.exports import csv_response, xlsx_response
from portal.permissions import require
from portal.reauth import require_recent_authentication


class TrackInline(admin.TabularInline):
    model = Track
    extra = 0


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class PhaseReadOnlyInline(admin.TabularInline):
    model = Phase
    extra = 0
    can_delete = False
    fields = ["track", "kind", "starts_at", "ends_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(PortalModelAdmin):
    list_display = ["title", "title_en", "year", "slug", "entry_limit_per_track"]
    search_fields = ["title", "title_en", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PhaseReadOnlyInline, TrackInline, DomainInline]


class PhaseForm(forms.ModelForm):
    reason = forms.CharField(label=_("调整原因"), max_length=300, help_text=_("记入阶段调整记录。"))

    class Meta:
        model = Phase
        fields = ["campaign", "track", "kind", "starts_at", "ends_at"]

    def clean(self):
        data = super().clean()
        campaign = data.get("campaign") or getattr(self.instance, "campaign", None)
        kind = data.get("kind") or self.instance.kind
        track = data.get("track") if "track" in data else getattr(self.instance, "track", None)
        if campaign and kind and data.get("starts_at") and data.get("ends_at"):
            try:
                services.check_phase(campaign=campaign, kind=kind, starts_at=data["starts_at"], ends_at=data["ends_at"],
                                     track=track)
            except CaseError as error:
                raise forms.ValidationError(error.message) from error
        return data

    def validate_constraints(self, exclude=None):
        # The service checks the timeline under a lock; skip the model-level
        # re-check of the exclusion constraint against the row being moved.
        return None


class PhaseChangeInline(admin.TabularInline):
    model = PhaseChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "actor", "old_starts_at", "old_ends_at", "new_starts_at", "new_ends_at", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Phase)
class PhaseAdmin(PortalModelAdmin):
    form = PhaseForm
    list_display = ["campaign", "track", "kind", "starts_at", "ends_at"]
    list_filter = ["campaign", "kind"]
    inlines = [PhaseChangeInline]

    def get_readonly_fields(self, request, obj=None):
        return ["campaign", "track", "kind"] if obj else []

    def save_model(self, request, obj, form, change):
        saved = services.set_phase(
            actor=request.user,
            campaign=form.cleaned_data.get("campaign") or obj.campaign,
            kind=form.cleaned_data.get("kind") or obj.kind,
            track=form.cleaned_data["track"] if "track" in form.cleaned_data else obj.track,
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            reason=form.cleaned_data["reason"],
        )
        obj.pk = saved.pk


class EntryImageInline(admin.TabularInline):
    model = EntryImage
    extra = 0
    can_delete = False
    fields = ["position", "thumbnail", "width", "height"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EntryEventInline(admin.TabularInline):
    model = EntryEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_state", "to_state", "actor", "reason", "deadline"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CaseEntry)
class CaseEntryAdmin(PortalModelAdmin):
    list_display = ["title", "unit", "campaign", "track", "domain", "state", "vote_count", "submitted_at"]
    list_filter = ["campaign", "state", "track", "domain", "unit__level"]
    search_fields = ["title", "unit__name", "summary"]
    list_select_related = ["unit", "campaign", "track", "domain"]
    readonly_fields = [f.name for f in CaseEntry._meta.fields]
    inlines = [EntryImageInline, EntryEventInline]
    actions = ["export_csv", "export_xlsx"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _export(self, request, queryset):
        require(request.user, "cases.export_entries", message=_("只有主办方可以导出案例。"))
        require_recent_authentication(request)  # personal data leaves the portal
        return selectors.EXPORT_HEADER, selectors.export_rows(queryset)

    @admin.action(description=_("导出所选案例（CSV）"), permissions=["view"])
    def export_csv(self, request, queryset):
        header, rows = self._export(request, queryset)
        return csv_response(filename="case-entries", header=header, rows=rows)

    @admin.action(description=_("导出所选案例（Excel）"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        header, rows = self._export(request, queryset)
        return xlsx_response(filename="case-entries", sheet="案例", header=header, rows=rows)


@admin.register(EntryEvent)
class EntryEventAdmin(PortalModelAdmin):
    """The screening history: every decision, who, when and why."""

    list_display = ["at", "entry", "action", "from_state", "to_state", "actor", "reason"]
    list_filter = ["action", "entry__campaign"]
    search_fields = ["entry__title", "reason"]
    list_select_related = ["entry", "actor"]
    readonly_fields = [f.name for f in EntryEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
