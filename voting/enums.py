"""Choices of public voting."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Refusal(models.TextChoices):
    """Why a vote was not counted; the value is the API's error code."""

    WINDOW_CLOSED = "window_closed", _("不在投票时间内")
    NOT_SIGNED_IN = "not_signed_in", _("未登录")
    NOT_VERIFIED = "not_verified", _("账号未验证")
    PHONE_NOT_VERIFIED = "phone_not_verified", _("手机号未验证")
    DAILY_QUOTA_USED = "daily_quota_used", _("今日票数已用完")
    ALREADY_VOTED_TODAY = "already_voted_today", _("今天已为该案例投过票")
    NOT_ON_BOARD = "not_on_board", _("案例不在榜上")
    RATE_LIMITED = "rate_limited", _("操作太频繁")
    UNAVAILABLE = "voting_unavailable", _("投票服务暂不可用")


# HTTP status of each refusal in the API (and in the page's answer).
REFUSAL_STATUS = {
    Refusal.WINDOW_CLOSED: 403,
    Refusal.NOT_SIGNED_IN: 401,
    Refusal.NOT_VERIFIED: 403,
    Refusal.PHONE_NOT_VERIFIED: 403,
    Refusal.DAILY_QUOTA_USED: 409,
    Refusal.ALREADY_VOTED_TODAY: 409,
    Refusal.NOT_ON_BOARD: 404,
    Refusal.RATE_LIMITED: 429,
    Refusal.UNAVAILABLE: 503,
}


class VoidRule(models.TextChoices):
    SELECTION = "selection", _("按勾选")
    IP = "ip", _("按 IP 地址")
    SUBNET = "subnet", _("按 /24 网段")
    ACCOUNT = "account", _("按账号")
    USER_AGENT = "user_agent", _("按浏览器标识")
    TIME_RANGE = "time_range", _("按时间段")
