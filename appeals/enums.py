"""Choices of the appeals app and the two state machines' transition tables.

Every state change of an appeal or of a unit's part of its work order is
looked up in one of the tables below; nothing else decides what may follow
what (tests walk every state × action pair).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    GENERAL = "general", _("一般")


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    HOURS = "hours", _("小时")


class Channel(models.TextChoices):
    WEB = "web", _("网站/手机")
    API = "api", _("小程序/接口")
    HOTLINE = "hotline", _("12345热线")
    ONLINE_CLUE = "online_clue", _("网络线索")
    OPEN311 = "open311", _("Open311 接口")


# Appeals someone else filed for a caller under the caller's own phone number:
# they follow the account that verifies that number. (A clue's phone is
# whoever the dispatcher reached to check it, not the person who posted it.)
PHONE_FILED_CHANNELS = (Channel.HOTLINE, Channel.OPEN311)


class AppealState(models.TextChoices):
    SUBMITTED = "submitted", _("待派单")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("办理中")
    RETURNED = "returned", _("已退回")
    REPLIED = "replied", _("已答复")
    RESOLVED = "resolved", _("已办结")
    RATED = "rated", _("已评价")
    CLOSED = "closed", _("已归档")
    REOPENED = "reopened", _("重新办理")


class AppealAction(models.TextChoices):
    DISPATCH = "dispatch", _("派单")
    ACCEPT = "accept", _("签收")
    RETURN = "return", _("退回")
    REPLY = "reply", _("答复")
    RESOLVE = "resolve", _("办结")
    RATE = "rate", _("评价")
    CLOSE = "close", _("归档")
    REOPEN = "reopen", _("重新办理")


S, A = AppealState, AppealAction
# (state, action) -> next state. Anything absent is forbidden.
APPEAL_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SUBMITTED, A.DISPATCH): S.DISPATCHED,
    (S.RETURNED, A.DISPATCH): S.DISPATCHED,
    (S.REOPENED, A.DISPATCH): S.DISPATCHED,
    (S.DISPATCHED, A.ACCEPT): S.ACCEPTED,
    (S.DISPATCHED, A.RETURN): S.RETURNED,
    (S.ACCEPTED, A.RETURN): S.RETURNED,
    (S.ACCEPTED, A.REPLY): S.REPLIED,
    (S.REPLIED, A.REPLY): S.REPLIED,
    (S.REPLIED, A.RESOLVE): S.RESOLVED,
    # Ratings, archiving and reopening (issue 7) follow a resolution.
    (S.RESOLVED, A.RATE): S.RATED,
    # The one re-rating after a verified rectification (the service allows it once).
    (S.RATED, A.RATE): S.RATED,
    (S.RESOLVED, A.CLOSE): S.CLOSED,
    (S.RATED, A.CLOSE): S.CLOSED,
    (S.RESOLVED, A.REOPEN): S.REOPENED,
    (S.RATED, A.REOPEN): S.REOPENED,
}
del S, A

# States in which a unit is working on the appeal (deadlines run).
APPEAL_HANDLING_STATES = (AppealState.DISPATCHED, AppealState.ACCEPTED, AppealState.REPLIED)
# States in which the appeal waits for the dispatch centre.
APPEAL_DISPATCH_STATES = (AppealState.SUBMITTED, AppealState.RETURNED, AppealState.REOPENED)


class PartRole(models.TextChoices):
    PRIMARY = "primary", _("主办")
    CO_HANDLER = "co", _("协办")


class PartState(models.TextChoices):
    DISPATCHED = "dispatched", _("待签收")
    ACCEPTED = "accepted", _("办理中")
    REPLIED = "replied", _("已答复")
    RESOLVED = "resolved", _("已办结")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤回")


class PartAction(models.TextChoices):
    ACCEPT = "accept", _("签收")
    RETURN = "return", _("退回")
    REPLY = "reply", _("答复")
    RESOLVE = "resolve", _("办结")
    CANCEL = "cancel", _("撤回")


P, PA = PartState, PartAction
PART_TRANSITIONS: dict[tuple[str, str], str] = {
    (P.DISPATCHED, PA.ACCEPT): P.ACCEPTED,
    (P.DISPATCHED, PA.RETURN): P.RETURNED,
    (P.ACCEPTED, PA.RETURN): P.RETURNED,
    (P.ACCEPTED, PA.REPLY): P.REPLIED,
    (P.REPLIED, PA.REPLY): P.REPLIED,
    (P.REPLIED, PA.RESOLVE): P.RESOLVED,
    (P.DISPATCHED, PA.CANCEL): P.CANCELLED,
    (P.ACCEPTED, PA.CANCEL): P.CANCELLED,
    (P.REPLIED, PA.CANCEL): P.CANCELLED,
}
del P, PA

# A part in one of these states is on the work order (its unit may act and
# see the contact details).
PART_ACTIVE_STATES = (PartState.DISPATCHED, PartState.ACCEPTED, PartState.REPLIED, PartState.RESOLVED)
# A part in one of these states still has work to do (deadlines run).
PART_OPEN_STATES = (PartState.DISPATCHED, PartState.ACCEPTED, PartState.REPLIED)


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("状态变更")
    REPLY = "reply", _("答复")
    NOTE = "note", _("内部备注")
    PART = "part", _("工单分项")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_DECIDED = "extension_decided", _("延期审批")
    ESCALATION = "escalation", _("超期督办")
    CLASSIFIED = "classified", _("重新归类")
    RATING = "rating", _("评价")
    RECTIFICATION = "rectification", _("整改")
    CLUSTER_REPLY = "cluster_reply", _("类案统一答复")
    PUBLIC_TEXT = "public_text", _("公开内容编辑")
    MODERATION = "moderation", _("公开审核")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("撤回公开")
    DEADLINE_MOVED = "deadline_moved", _("时限随节假日调整")


class Moderation(models.TextChoices):
    """Publication review: nothing reaches the wall before a moderator approves it."""

    NONE = "none", _("无需审核")
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已审核公开")
    REFUSED = "refused", _("不予公开")


class ModerationDecision(models.TextChoices):
    PUBLISH = "publish", _("公开到问政墙")
    REFUSE = "refuse", _("不予公开")


class ClueState(models.TextChoices):
    NEW = "new", _("待核实")
    VERIFIED = "verified", _("已核实")
    REJECTED = "rejected", _("不予受理")
    CONVERTED = "converted", _("已转工单")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    GRANTED = "granted", _("已同意")
    REFUSED = "refused", _("未同意")


class EscalationKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")
    DISPATCH_OVERDUE = "dispatch_overdue", _("派单超时")


class Recipient(models.TextChoices):
    UNIT = "unit", _("承办单位")
    DISPATCH_CENTRE = "dispatch_centre", _("派单中心")
    PARENT_UNIT = "parent_unit", _("上级单位")


class PhotoKind(models.TextChoices):
    REPORT = "report", _("反映问题")
    AFTER = "after", _("办理后")


class CatalogueList(models.TextChoices):
    """The two lists the dispatch centre imports and downloads (issue 21)."""

    ITEMS = "items", _("目录清单")
    RESPONSIBILITIES = "responsibilities", _("责任清单")


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class InboxBucket(models.TextChoices):
    NEW = "new", _("待签收")
    IN_PROGRESS = "in_progress", _("办理中")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")


class RectificationState(models.TextChoices):
    OPEN = "open", _("待整改")
    SUBMITTED = "submitted", _("待核实")
    VERIFIED = "verified", _("整改通过")
    REOPENED = "reopened", _("核实未通过，重新办理")


class ClusterState(models.TextChoices):
    SUGGESTED = "suggested", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    HANDLED = "handled", _("已统一答复")
    DISMISSED = "dismissed", _("已拆散")


class Period(models.TextChoices):
    DAY = "day", _("日")
    WEEK = "week", _("周")
    MONTH = "month", _("月")
    YEAR = "year", _("年")


# Ratings: 5 very satisfied … 1 very dissatisfied.
RATING_LABELS = {
    5: _("非常满意"),
    4: _("满意"),
    3: _("基本满意"),
    2: _("不满意"),
    1: _("非常不满意"),
}
GOOD_SCORES = (4, 5)
BAD_SCORES = (1, 2)
