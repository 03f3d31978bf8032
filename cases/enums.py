"""Choices of the case registry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhaseKind(models.TextChoices):
    """A campaign's phases, in the order they happen."""

    CALL = "call", _("案例征集")
    SCREENING = "screening", _("初审筛选")
    VOTING = "voting", _("公众投票")
    REVIEW = "review", _("专家评审")
    RESULTS = "results", _("结果公布")


PHASE_ORDER = [PhaseKind.CALL, PhaseKind.SCREENING, PhaseKind.VOTING, PhaseKind.REVIEW, PhaseKind.RESULTS]


class TrackKind(models.TextChoices):
    TYPICAL_CASE = "typical_case", _("典型案例")
    BEST_UNIT = "best_unit", _("最佳回复单位")
    BEST_WORKER = "best_worker", _("最佳网络工作者")
    OTHER = "other", _("其他")


class EntryState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待筛选")
    CHANGES_REQUESTED = "changes_requested", _("待修改")
    ACCEPTED = "accepted", _("已上榜")
    REJECTED = "rejected", _("未入选")
    WITHDRAWN = "withdrawn", _("已撤回")


class EntryAction(models.TextChoices):
    CREATE = "create", _("创建")
    EDIT = "edit", _("修改")
    SUBMIT = "submit", _("提交")
    WITHDRAW = "withdraw", _("撤回")
    ACCEPT = "accept", _("通过上榜")
    REJECT = "reject", _("不予入选")
    REQUEST_CHANGES = "request_changes", _("要求修改")


class BoardSort(models.TextChoices):
    NEWEST = "newest", _("最新上榜")
    VOTES = "votes", _("票数最多")


# The one table of allowed state changes: action -> {from state: to state}.
TRANSITIONS: dict[str, dict[str, str]] = {
    EntryAction.SUBMIT: {
        EntryState.DRAFT: EntryState.SUBMITTED,
        EntryState.CHANGES_REQUESTED: EntryState.SUBMITTED,
    },
    EntryAction.WITHDRAW: {
        EntryState.DRAFT: EntryState.WITHDRAWN,
        EntryState.SUBMITTED: EntryState.WITHDRAWN,
        EntryState.CHANGES_REQUESTED: EntryState.WITHDRAWN,
    },
    EntryAction.ACCEPT: {
        EntryState.SUBMITTED: EntryState.ACCEPTED,
        EntryState.CHANGES_REQUESTED: EntryState.ACCEPTED,
        EntryState.REJECTED: EntryState.ACCEPTED,
    },
    EntryAction.REJECT: {
        EntryState.SUBMITTED: EntryState.REJECTED,
        EntryState.CHANGES_REQUESTED: EntryState.REJECTED,
        EntryState.ACCEPTED: EntryState.REJECTED,
    },
    EntryAction.REQUEST_CHANGES: {
        EntryState.SUBMITTED: EntryState.CHANGES_REQUESTED,
        EntryState.ACCEPTED: EntryState.CHANGES_REQUESTED,
    },
}

SCREENING_ACTIONS = (EntryAction.ACCEPT, EntryAction.REJECT, EntryAction.REQUEST_CHANGES)
# States in which a unit may still change its entry's content (phase rules
# in services decide when).
UNIT_EDITABLE_STATES = (EntryState.DRAFT, EntryState.SUBMITTED, EntryState.CHANGES_REQUESTED)
