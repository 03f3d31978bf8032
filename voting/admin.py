"""Admin: organisers set a campaign's voting rules (through set_rules) and
read ballots and void records; ballots change only through the services."""

from django.contrib import admin, messages

from portal.exceptions import PortalError
from voting import services
from voting.models import Ballot, VoidBatch, VoteSnapshot, VotingRules


@admin.register(VotingRules)
class VotingRulesAdmin(admin.ModelAdmin):
    list_display = ["campaign", "votes_per_day", "votes_per_case_per_day", "allow_unverified", "require_verified_phone", "updated_at"]

    def save_model(self, request, obj, form, change):
        try:
            services.set_rules(actor=request.user, campaign=obj.campaign, votes_per_day=obj.votes_per_day,
                               votes_per_case_per_day=obj.votes_per_case_per_day,
                               allow_unverified=obj.allow_unverified,
                               require_verified_phone=obj.require_verified_phone)
        except PortalError as error:  # the admin shows every refusal as its message
            messages.error(request, error.message)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ["pk", "campaign", "case", "voter", "day", "cast_at", "ip", "voided_at"]
    list_filter = ["campaign", "day"]
    raw_id_fields = ["case", "voter", "voided_by", "void_batch"]
    show_full_result_count = False


@admin.register(VoidBatch)
class VoidBatchAdmin(ReadOnlyAdmin):
    list_display = ["at", "campaign", "actor", "rule", "ballot_count", "reason"]


@admin.register(VoteSnapshot)
class VoteSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "minute", "total_votes", "voided_votes", "voters"]
    list_filter = ["campaign"]
