"""Choices shared by the whole portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    UNIT_STAFF = "unit_staff", _("单位工作人员")
    DISPATCHER = "dispatcher", _("派单员")
    REVIEWER = "reviewer", _("评审专家")
    ORGANISER = "organiser", _("主办方")


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
