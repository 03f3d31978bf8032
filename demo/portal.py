"""Demo data of the core: Dongguan's units and one account per role.

Re-runnable: every row is looked up by its natural key before it is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction
from django.utils import timezone

from portal import services
from portal.enums import Role, UnitKind, UnitLevel
from portal.models import Unit, User

CITY = "东莞市人民政府"
# Towns and streets (镇街) of Dongguan, all under the city.
TOWNS = [
    "南城街道", "东城街道", "莞城街道", "万江街道", "石龙镇", "石排镇", "茶山镇", "企石镇",
    "桥头镇", "东坑镇", "横沥镇", "常平镇", "虎门镇", "长安镇", "沙田镇", "厚街镇",
    "寮步镇", "大岭山镇", "大朗镇", "黄江镇", "樟木头镇", "谢岗镇", "塘厦镇", "清溪镇",
    "凤岗镇", "麻涌镇", "中堂镇", "高埗镇", "石碣镇", "望牛墩镇", "洪梅镇", "道滘镇",
]
# City bureaus and other units.
BUREAUS = [
    ("东莞市税务局", UnitKind.BUREAU),
    ("东莞市政务服务数据管理局", UnitKind.BUREAU),
    ("东莞市工业和信息化局", UnitKind.BUREAU),
    ("东莞市住房和城乡建设局", UnitKind.BUREAU),
    ("东莞市城市管理和综合执法局", UnitKind.BUREAU),
    ("东莞市教育局", UnitKind.BUREAU),
    ("东莞市卫生健康局", UnitKind.BUREAU),
    ("东莞市文化广电旅游体育局", UnitKind.BUREAU),
    ("东莞市人力资源和社会保障局", UnitKind.BUREAU),
    ("东莞市公安局", UnitKind.BUREAU),
    ("东莞市交通运输局", UnitKind.BUREAU),
    ("东莞市生态环境局", UnitKind.BUREAU),
    ("东莞市市场监督管理局", UnitKind.BUREAU),
    ("东莞市民政局", UnitKind.BUREAU),
    ("东莞市应急管理局", UnitKind.BUREAU),
    ("东莞市水务局", UnitKind.BUREAU),
    ("东莞市自然资源局", UnitKind.BUREAU),
    ("东莞市医疗保障局", UnitKind.BUREAU),
    ("东莞市12345政务服务便民热线中心", UnitKind.PUBLIC_INSTITUTION),
    ("东莞市人民医院", UnitKind.PUBLIC_INSTITUTION),
    ("东莞市供水有限公司", UnitKind.COMPANY),
    ("东莞市志愿者协会", UnitKind.SOCIAL_ORGANISATION),
]
# Sub-units below a town or bureau (town-level bureaus and communities).
SUB_UNITS = [
    ("南城街道住房和城乡建设局", "南城街道", UnitLevel.TOWN, UnitKind.BUREAU),
    ("大朗镇城市管理和综合执法分局", "大朗镇", UnitLevel.TOWN, UnitKind.BUREAU),
    ("南城街道石鼓社区", "南城街道", UnitLevel.COMMUNITY, UnitKind.TOWN),
    ("东城街道主山社区", "东城街道", UnitLevel.COMMUNITY, UnitKind.TOWN),
    ("莞城街道罗沙社区", "莞城街道", UnitLevel.COMMUNITY, UnitKind.TOWN),
]

DEMO_PASSWORD = "minxin-demo-2026"
# A fixed TOTP secret so that the demo staff can sign in (every staff role must
# hold a second factor): add it to an authenticator app, or run
# `manage.py demo_totp` for the current code.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    note: str  # role · unit (or state), printed with the demo accounts
    display_name: str  # how the portal greets the person; never part of the note
    totp: bool = False


DEMO_ACCOUNTS = [
    DemoAccount(Role.ORGANISER, "organiser@demo.minxinbang.cn", "主办方 · 东莞市政务服务数据管理局", "周敏", totp=True),
    DemoAccount(Role.DISPATCHER, "dispatcher@demo.minxinbang.cn", "派单员 · 12345热线中心", "何晓东", totp=True),
    DemoAccount(Role.UNIT_STAFF, "nancheng@demo.minxinbang.cn", "单位 · 南城街道住房和城乡建设局", "梁家豪", totp=True),
    DemoAccount(Role.UNIT_STAFF, "dalang@demo.minxinbang.cn", "单位 · 大朗镇城市管理和综合执法分局", "邓慧", totp=True),
    DemoAccount(Role.REVIEWER, "reviewer@demo.minxinbang.cn", "评审专家 · 市人大代表", "林志明", totp=True),
    DemoAccount(Role.PORTAL_ADMIN, "admin@demo.minxinbang.cn", "平台管理员 · 账号与单位", "郑雅文", totp=True),
    DemoAccount("resident", "resident@demo.minxinbang.cn", "市民 · 已验证", "陈女士"),
]
STAFF_UNITS = {
    "organiser@demo.minxinbang.cn": "东莞市政务服务数据管理局",
    "dispatcher@demo.minxinbang.cn": "东莞市12345政务服务便民热线中心",
    "nancheng@demo.minxinbang.cn": "南城街道住房和城乡建设局",
    "dalang@demo.minxinbang.cn": "大朗镇城市管理和综合执法分局",
    "reviewer@demo.minxinbang.cn": "东莞市教育局",
}


def seed_units() -> dict[str, Unit]:
    city, _ = Unit.objects.get_or_create(
        name=CITY, defaults={"short_name": "东莞市", "level": UnitLevel.CITY, "kind": UnitKind.BUREAU}
    )
    units = {city.name: city}
    for name in TOWNS:
        units[name], _ = Unit.objects.get_or_create(
            name=name, defaults={"short_name": name, "level": UnitLevel.TOWN, "kind": UnitKind.TOWN, "parent": city}
        )
    for name, kind in BUREAUS:
        short = name.removeprefix("东莞市")
        units[name], _ = Unit.objects.get_or_create(
            name=name, defaults={"short_name": short, "level": UnitLevel.CITY, "kind": kind, "parent": city}
        )
    for name, parent, level, kind in SUB_UNITS:
        units[name], _ = Unit.objects.get_or_create(
            name=name, defaults={"short_name": name, "level": level, "kind": kind, "parent": units[parent]}
        )
    return units


def seed_account(account: DemoAccount, units: dict[str, Unit]) -> User:
    user = User.objects.filter(email=account.email).first()
    if user is None:
        user = User.objects.create_user(email=account.email, password=DEMO_PASSWORD, display_name=account.display_name)
    elif user.display_name in ("", account.note.split(" · ")[-1]):
        # Earlier seeds named each account after the last part of its note
        # (the resident was greeted "你好，已验证"); a later seed puts that right.
        user.display_name = account.display_name
        user.save(update_fields=["display_name"])
    EmailAddress.objects.get_or_create(
        user=user, email=account.email, defaults={"verified": True, "primary": True}
    )
    services.mark_verified(user=user)
    if account.role != "resident":
        unit_name = STAFF_UNITS.get(account.email)
        unit = units[unit_name] if account.role in (Role.UNIT_STAFF, Role.REVIEWER) else None
        services.grant_role(actor=None, user=user, role=account.role, unit=unit)
    if account.totp and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


@transaction.atomic
def seed(*, stdout=None) -> dict:
    units = seed_units()
    accounts = {account.email: seed_account(account, units) for account in DEMO_ACCOUNTS}
    # A resident who signed up with a phone number only.
    phone_user = User.objects.filter(phone="+8613800138000").first()
    if phone_user is None:
        phone_user = User.objects.create_user(phone="+8613800138000", phone_verified=True, display_name="手机用户")
    if phone_user.verified_at is None:
        services.mark_verified(user=phone_user)
    return {"units": units, "accounts": accounts, "phone_resident": phone_user, "seeded_at": timezone.now()}


def account_lines() -> list[str]:
    lines = [f"  {a.email:<34} {a.note}{'  (TOTP)' if a.totp else ''}" for a in DEMO_ACCOUNTS]
    lines.append(f"  {'+8613800138000 (手机号, 验证码登录)':<30} 市民 · 手机号已验证")
    return lines
