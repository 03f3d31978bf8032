"""Admin: organisers set a campaign's voting rules (through set_rules) and
read ballots and void records; ballots change only through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from portal.exceptions import PortalError
from voting import selectors, services
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
    """Voters appear by their pseudonym in the campaign, as on the fraud
    review page: the admin is no way around it to a voter's account."""

    list_display = ["pk", "campaign", "case", "voter_label", "day", "cast_at", "ip", "voided_at"]
    list_filter = ["campaign", "day"]
    raw_id_fields = ["case", "voided_by", "void_batch"]
    exclude = ["voter"]
    readonly_fields = ["voter_label"]
    show_full_result_count = False

    @admin.display(description=_("投票人代号"))
    def voter_label(self, ballot: Ballot) -> str:
        return selectors.voter_label(campaign_id=ballot.campaign_id, voter_id=ballot.voter_id)


@admin.register(VoidBatch)
class VoidBatchAdmin(ReadOnlyAdmin):
    list_display = ["at", "campaign", "actor", "rule", "ballot_count", "reason"]


@admin.register(VoteSnapshot)
class VoteSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "minute", "total_votes", "voided_votes", "voters"]
    list_filter = ["campaign"]
