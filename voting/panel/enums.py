"""Choices of the expert panel and the final standings."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Aggregate(models.TextChoices):
    """How the reviewers' totals for one case become its panel score."""

    TRIMMED_MEAN = "trimmed_mean", _("去掉一个最高分和一个最低分后取平均")
    MEAN = "mean", _("平均分")
    MEDIAN = "median", _("中位数")
    ZSCORE = "zscore", _("按评委标准化（z 分数）后取平均")


class VoteMethod(models.TextChoices):
    """How a finalist's valid votes become its 0–100 vote score."""

    MAX_RATIO = "max_ratio", _("票数 ÷ 最高票数 × 100")
    LOG_MINMAX = "log_minmax", _("对数压缩后按最高、最低票数换算")
    RANK_POINTS = "rank_points", _("按票数名次计分")


class ReviewerCategory(models.TextChoices):
    NPC_DEPUTY = "npc_deputy", _("人大代表")
    CPPCC_MEMBER = "cppcc_member", _("政协委员")
    DOMAIN_EXPERT = "domain_expert", _("领域专家")
    RESIDENT_REP = "resident_rep", _("市民代表")


class AssignmentMode(models.TextChoices):
    ALL_TO_ALL = "all", _("每位评委评审全部入围案例")
    BALANCED = "balanced", _("均衡分配（每个案例至少 K 位评委）")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class PanelAction(models.TextChoices):
    """Recorded decisions of the panel's life (append-only log)."""

    FINALISTS_SELECTED = "finalists_selected", _("确定入围案例")
    FINALISTS_RECOMPUTED = "finalists_recomputed", _("重新计算入围案例")
    REVIEW_SUBMITTED = "review_submitted", _("评委提交评分")
    REVIEW_REOPENED = "review_reopened", _("重新开放评分")
    ASSIGNED = "assigned", _("分配评审任务")
    RESULTS_PUBLISHED = "results_published", _("发布结果")
    RESULTS_CORRECTED = "results_corrected", _("发布更正版本")
