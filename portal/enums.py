"""Choices shared by the whole portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    UNIT_STAFF = "unit_staff", _("单位工作人员")
    DISPATCHER = "dispatcher", _("派单员")
    REVIEWER = "reviewer", _("评审专家")
    ORGANISER = "organiser", _("主办方")
    PORTAL_ADMIN = "portal_admin", _("平台管理员")


class ConflictReason(models.TextChoices):
    """Why a reviewer may not review a unit's case (conflict of interest)."""

    OWN_UNIT = "own_unit", _("本单位")
    DECLARED = "declared", _("申报的关联单位")
    PARENT_UNIT = "parent_unit", _("上级单位")
    CHILD_UNIT = "child_unit", _("下级单位")


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("区县级")
    TOWN = "town", _("镇街级")
    COMMUNITY = "community", _("村社区级")


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("政府部门")
    TOWN = "town", _("镇街")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    COMPANY = "company", _("企业")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")


class NotificationState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class TokenScope(models.TextChoices):
    READ = "read", _("只读")
    READ_WRITE = "read_write", _("读写")


class AuditAction(models.TextChoices):
    """What a portal administrator (or a superuser) changed, the dispatch
    centre's imports of the catalogue and organisers' campaign set-ups: one
    row each."""

    UNIT_CREATED = "unit_created", _("新建单位")
    UNIT_RENAMED = "unit_renamed", _("单位改名")
    UNIT_MOVED = "unit_moved", _("单位调整上级")
    UNIT_DEACTIVATED = "unit_deactivated", _("停用单位")
    UNIT_REACTIVATED = "unit_reactivated", _("恢复单位")
    UNIT_DELETED = "unit_deleted", _("删除单位")
    INVITATION_SENT = "invitation_sent", _("发出邀请")
    INVITATION_REVOKED = "invitation_revoked", _("撤回邀请")
    INVITATION_ACCEPTED = "invitation_accepted", _("接受邀请")
    ROLE_GRANTED = "role_granted", _("授予角色")
    ROLE_REVOKED = "role_revoked", _("撤销角色")
    STAFF_MOVED = "staff_moved", _("调整所属单位")
    ACCOUNT_DEACTIVATED = "account_deactivated", _("停用账号")
    ACCOUNT_REACTIVATED = "account_reactivated", _("恢复账号")
    # The dispatch centre's working-day calendar (appeals.services.calendar).
    CALENDAR_HOLIDAY_SET = "calendar_holiday_set", _("设为放假")
    CALENDAR_WORKDAY_SET = "calendar_workday_set", _("设为调休上班")
    CALENDAR_DAY_CLEARED = "calendar_day_cleared", _("清除节假日")
    CALENDAR_IMPORTED = "calendar_imported", _("导入全年节假日")
    # The dispatch centre's imports of the catalogue and responsibility list (appeals).
    CATALOGUE_IMPORTED = "catalogue_imported", _("导入目录清单")
    RESPONSIBILITIES_IMPORTED = "responsibilities_imported", _("导入责任清单")
    # Organisers' campaign set-up (voting.setup).
    CAMPAIGN_CREATED = "campaign_created", _("新建活动")
    CAMPAIGN_COPIED = "campaign_copied", _("复制往届活动")
    CAMPAIGN_CHANGED = "campaign_changed", _("修改活动设置")
    # An organiser's change of an award track's rules (cases.services.tracks).
    TRACK_RULES_CHANGED = "track_rules_changed", _("修改奖项规则")
    # An organiser's move of a phase, with its reason (cases.services.set_phase).
    PHASE_MOVED = "phase_moved", _("调整活动阶段")
