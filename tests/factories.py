"""One factory per model (factory-boy)."""

from __future__ import annotations

import datetime as _dt

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from portal import services
from portal.enums import Role, UnitKind, UnitLevel
from portal.enums import TokenScope
from portal.models import ApiToken, AuditEntry, Invitation, Membership, Unit, User

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TEST_PASSWORD = "correct-horse-battery-9"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试单位{n:03d}")
    short_name = factory.LazyAttribute(lambda o: o.name[:20])
    level = UnitLevel.TOWN
    kind = UnitKind.BUREAU


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.user.email)
    verified = True
    primary = True


class ResidentFactory(UserFactory):
    """A resident whose email address is confirmed (``with_phone=True``: and
    a mobile number, verified, as campaigns that require one ask of voters)."""

    class Params:
        with_phone = factory.Trait(
            phone=factory.Sequence(lambda n: f"+86137{n:08d}"),
            phone_verified=True,
        )

    verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def email_address(obj, create, extracted, **kwargs):
        if create and obj.email:
            EmailAddressFactory(user=obj, email=obj.email, verified=obj.verified_at is not None)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A role, granted the way the portal grants it (services.grant_role)."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.UNIT_STAFF
    unit = None

    @classmethod
    def _create(cls, model_class, *args, user, role, unit=None, **kwargs):
        if unit is None and role == Role.UNIT_STAFF:
            unit = UnitFactory()
        return services.grant_role(actor=None, user=user, role=role, unit=unit)


class AuthenticatorFactory(factory.django.DjangoModelFactory):
    """A TOTP authenticator with the known test secret."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP

    @classmethod
    def _create(cls, model_class, *args, user, **kwargs):
        return TOTP.activate(user, TEST_TOTP_SECRET).instance


class StaffFactory(ResidentFactory):
    """A verified user holding one role, with a TOTP authenticator as every
    staff role must hold (``with_totp=False`` for one who has not enrolled)."""

    class Params:
        role = Role.UNIT_STAFF
        unit = None
        with_totp = True

    membership = factory.RelatedFactory(
        MembershipFactory,
        factory_related_name="user",
        role=factory.SelfAttribute("..role"),
        unit=factory.SelfAttribute("..unit"),
    )
    totp = factory.Maybe(
        "with_totp",
        yes_declaration=factory.RelatedFactory(AuthenticatorFactory, factory_related_name="user"),
        no_declaration=None,
    )


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation by SMS to be unit staff; the link's token is
    ``invitation.token`` (only its digest is stored)."""

    class Meta:
        model = Invitation

    channel = "sms"
    contact = factory.Sequence(lambda n: f"+86139{n:08d}")
    name = factory.Sequence(lambda n: f"受邀人{n}")
    role = Role.UNIT_STAFF
    unit = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == Role.UNIT_STAFF),
        yes_declaration=factory.SubFactory(UnitFactory), no_declaration=None,
    )
    invited_by = None
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + _dt.timedelta(hours=72))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        import secrets

        from portal.administration.services import token_digest

        token = secrets.token_urlsafe(32)
        invitation = super()._create(model_class, *args, token_digest=token_digest(token), **kwargs)
        invitation.token = token
        return invitation


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    actor = None
    action = "unit_created"
    unit = factory.SubFactory(UnitFactory)
    details = factory.Dict({})


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A knox token; the string a program sends is ``token.secret`` (only its
    digest is stored)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(StaffFactory)
    name = factory.Sequence(lambda n: f"程序{n}")
    scope = TokenScope.READ_WRITE
    lifetime = _dt.timedelta(days=30)

    @classmethod
    def _create(cls, model_class, *args, lifetime, **kwargs):
        token, secret = model_class.objects.create(expiry=lifetime, **kwargs)
        token.secret = secret
        return token


# --- cases ---
import datetime as _dt  # noqa: E402

from cases.enums import EntryState, PhaseKind  # noqa: E402
from cases.models import Campaign, CaseEntry, Domain, EntryEvent, EntryImage, Phase, Track  # noqa: E402


def campaign_timeline(now=None, *, open_phase: str = "call") -> dict:
    """Five back-to-back phases of 10 days with `open_phase` running now."""
    from cases.enums import PHASE_ORDER

    now = now or timezone.now()
    index = PHASE_ORDER.index(open_phase)
    start = now - _dt.timedelta(days=5) - _dt.timedelta(days=10) * index
    spans = {}
    for kind in PHASE_ORDER:
        spans[kind] = (start, start + _dt.timedelta(days=10))
        start += _dt.timedelta(days=10)
    return spans


class CampaignFactory(factory.django.DjangoModelFactory):
    """A campaign with the 9 domains, a typical-case track and its call for
    entries open now (``timeline=campaign_timeline(open_phase="voting")`` for
    another phase, ``timeline={}`` for none)."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"edition-{n}")
    title = factory.Sequence(lambda n: f"第{n}届市民点赞榜")
    year = 2021

    @factory.post_generation
    def timeline(obj, create, extracted, **kwargs):
        if not create:
            return
        from cases.services import DEFAULT_DOMAINS

        spans = campaign_timeline() if extracted is None else extracted
        Phase.objects.bulk_create(Phase(campaign=obj, kind=k, starts_at=s, ends_at=e) for k, (s, e) in spans.items())
        Track.objects.create(campaign=obj, name="典型案例", position=0)
        Domain.objects.bulk_create(Domain(campaign=obj, name=name, position=i) for i, name in enumerate(DEFAULT_DOMAINS))


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    campaign = factory.SubFactory(CampaignFactory, timeline={})
    kind = PhaseKind.CALL
    starts_at = factory.LazyFunction(lambda: timezone.now() - _dt.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + _dt.timedelta(days=1))


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"奖项{n}")


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"领域{n}")


class CaseEntryFactory(factory.django.DjangoModelFactory):
    """An entry written straight to the table (tests of services go through
    the services); ``state`` defaults to accepted, i.e. on the board."""

    class Meta:
        model = CaseEntry

    campaign = factory.SubFactory(CampaignFactory)
    track = factory.LazyAttribute(lambda o: o.campaign.tracks.first())
    domain = factory.LazyAttribute(lambda o: o.campaign.domains.first())
    unit = factory.SubFactory(UnitFactory)
    slot = factory.Sequence(lambda n: n % 20 + 1)
    title = factory.Sequence(lambda n: f"为群众办实事案例{n}")
    summary = "摘要"
    story = "<p>正文</p>"
    results = "惠及居民 1,000 户"
    contact_name = "王工"
    contact_phone = "0769-22830000"
    state = EntryState.ACCEPTED
    submitted_at = factory.LazyFunction(timezone.now)
    accepted_at = factory.LazyAttribute(lambda o: timezone.now() if o.state == EntryState.ACCEPTED else None)
    changes_deadline = factory.LazyAttribute(
        lambda o: timezone.now() + _dt.timedelta(days=2) if o.state == EntryState.CHANGES_REQUESTED else None
    )
    created_by = factory.SubFactory(UserFactory)


class EntryImageFactory(factory.django.DjangoModelFactory):
    """A photo of an entry with real JPEG files in the (test) media root."""

    class Meta:
        model = EntryImage

    entry = factory.SubFactory(CaseEntryFactory)
    position = factory.Sequence(lambda n: n % 9)
    image = factory.django.ImageField(filename="photo.jpg", width=640, height=480, color=(30, 90, 160), format="JPEG")
    thumbnail = factory.django.ImageField(filename="photo_thumb.jpg", width=160, height=120, color=(30, 90, 160),
                                          format="JPEG")
    width = 640
    height = 480


class EntryEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntryEvent

    entry = factory.SubFactory(CaseEntryFactory)
    action = "create"
    to_state = EntryState.DRAFT


# --- appeals ---
import datetime as _appeals_dt  # noqa: E402

from appeals import deadlines as _appeals_deadlines  # noqa: E402
from appeals.enums import AppealState as _AppealState, PartRole as _PartRole, PartState as _PartState  # noqa: E402
from appeals.models import (  # noqa: E402
    Appeal as _Appeal,
    Area as _Area,
    Category as _Category,
    Holiday as _Holiday,
    Item as _Item,
    OnlineClue as _OnlineClue,
    Responsibility as _Responsibility,
    WorkOrder as _WorkOrder,
)


class AppealCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.Sequence(lambda n: f"大类{n}")
    position = factory.Sequence(lambda n: n)


class AppealItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _Item
        django_get_or_create = ("code",)

    category = factory.SubFactory(AppealCategoryFactory)
    code = factory.Sequence(lambda n: f"I{n:04d}")
    name = factory.Sequence(lambda n: f"事项{n}")
    default_urgency = "general"
    deadline_value = 5
    deadline_unit = "working_days"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _Area
        django_get_or_create = ("name",)

    code = factory.Sequence(lambda n: f"A{n:03d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    position = factory.Sequence(lambda n: n)


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _Responsibility
        skip_postgeneration_save = True

    item = factory.SubFactory(AppealItemFactory)
    area = None
    primary_unit = factory.SubFactory(UnitFactory)
    auto_dispatch = True

    @factory.post_generation
    def co_units(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.co_units.set(extracted)


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _Holiday
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: _appeals_dt.date(2030, 1, 1) + _appeals_dt.timedelta(days=n))
    name = "节假日"
    kind = "holiday"


class AppealFactory(factory.django.DjangoModelFactory):
    """A submitted appeal written straight to the table (lists, bulk data);
    flows go through appeals.services."""

    class Meta:
        model = _Appeal

    tracking_number = factory.Sequence(lambda n: f"DG-2026-9{n:05d}")
    resident = factory.SubFactory(ResidentFactory)
    submitted_by = factory.LazyAttribute(lambda o: o.resident)
    idempotency_key = factory.Sequence(lambda n: f"factory-key-{n:06d}")
    item = factory.SubFactory(AppealItemFactory)
    area = factory.SubFactory(AreaFactory)
    title = factory.Sequence(lambda n: f"测试诉求{n}")
    description = "路灯坏了好几天了，晚上很黑，请尽快修理。"
    address = "东莞市南城街道测试路1号"
    contact_name = "陈女士"
    contact_phone = "13800138000"
    state = _AppealState.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    dispatch_due_at = factory.LazyAttribute(lambda o: _appeals_deadlines.dispatch_due(o.submitted_at, "general"))


class WorkOrderFactory(factory.django.DjangoModelFactory):
    """A unit's part of an appeal (主办 by default), written straight to the
    table with the deadlines dispatch would give it; flows go through
    appeals.services.dispatch_appeal."""

    class Meta:
        model = _WorkOrder

    appeal = factory.SubFactory(AppealFactory, state=_AppealState.DISPATCHED)
    unit = factory.SubFactory(UnitFactory)
    role = _PartRole.PRIMARY
    state = _PartState.DISPATCHED
    dispatched_at = factory.LazyFunction(timezone.now)
    return_until = factory.LazyAttribute(lambda o: o.dispatched_at + _appeals_dt.timedelta(hours=24))
    due_soon_at = factory.LazyAttribute(lambda o: o.dispatched_at + _appeals_dt.timedelta(days=4))
    due_at = factory.LazyAttribute(lambda o: o.dispatched_at + _appeals_dt.timedelta(days=5))


class OnlineClueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _OnlineClue

    platform = "微博"
    url = factory.Sequence(lambda n: f"https://weibo.example.cn/post/{n}")
    summary = "网友反映某路段井盖缺失多日，晚上很危险。"
    captured_by = factory.SubFactory(UserFactory)


# --- voting ---
from voting.models import Ballot as _Ballot, VotingRules as _VotingRules  # noqa: E402


class VotingRulesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _VotingRules
        django_get_or_create = ("campaign",)

    campaign = factory.SubFactory(CampaignFactory, timeline=factory.LazyFunction(lambda: campaign_timeline(open_phase="voting")))
    votes_per_day = 10
    votes_per_case_per_day = 1
    allow_unverified = False


class BallotFactory(factory.django.DjangoModelFactory):
    """A ballot written straight to the table (fraud-review data); votes go
    through voting.services.cast_vote, which also keeps the tallies."""

    class Meta:
        model = _Ballot

    case = factory.SubFactory(CaseEntryFactory)
    campaign = factory.LazyAttribute(lambda o: o.case.campaign)
    voter = factory.SubFactory(ResidentFactory)
    day = factory.LazyFunction(lambda: timezone.localdate())
    slot = 1
    cast_at = factory.LazyFunction(timezone.now)
    ip = "113.100.1.1"
    user_agent = "Mozilla/5.0 (test)"


# --- voting: expert panel ---
from voting.panel.models import Criterion, PanelSeat, ReviewAssignment, ReviewerProfile  # noqa: E402
from voting.panel.enums import ReviewerCategory  # noqa: E402


class ReviewerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewerProfile

    user = factory.SubFactory(StaffFactory, role=Role.REVIEWER)
    name = factory.Sequence(lambda n: f"评委{n}")
    title = "教授"
    category = ReviewerCategory.DOMAIN_EXPERT


class PanelSeatFactory(factory.django.DjangoModelFactory):
    """A reviewer (with profile) on a campaign's panel."""

    class Meta:
        model = PanelSeat

    campaign = factory.SubFactory(CampaignFactory)
    reviewer = factory.LazyAttribute(lambda o: ReviewerProfileFactory().user)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"标准{n}")
    weight = 40
    max_mark = 40
    position = factory.Sequence(int)


class ReviewAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewAssignment

    case = factory.SubFactory(CaseEntryFactory)
    campaign = factory.LazyAttribute(lambda o: o.case.campaign)
    reviewer = factory.LazyAttribute(lambda o: ReviewerProfileFactory().user)


# --- appeals (issue 7: ratings, Open311 keys, award tracks) ---
from appeals.models import Open311Key as _Open311Key, Rating as _Rating, UnitRankingAward as _UnitRankingAward  # noqa: E402
from appeals.models import Rectification as _Rectification  # noqa: E402


class RatingFactory(factory.django.DjangoModelFactory):
    """A rating written straight to the table (statistics data); residents rate through appeals.services.rate_appeal."""

    class Meta:
        model = _Rating

    appeal = factory.SubFactory(AppealFactory)
    unit = factory.LazyAttribute(lambda o: o.appeal.primary_unit)
    resident = factory.LazyAttribute(lambda o: o.appeal.resident)
    round = 1
    score = 5


class RectificationFactory(factory.django.DjangoModelFactory):
    """An open rectification of a bad rating, written straight to the table
    (statistics data); flows go through appeals.services.rate_appeal."""

    class Meta:
        model = _Rectification

    rating = factory.SubFactory(RatingFactory, score=1, comment="不满意",
                                appeal__primary_unit=factory.SubFactory(UnitFactory))
    appeal = factory.LazyAttribute(lambda o: o.rating.appeal)
    unit = factory.LazyAttribute(lambda o: o.rating.unit)
    created_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: _appeals_deadlines.add_working_days(o.created_at, 5))


class Open311KeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _Open311Key

    name = factory.Sequence(lambda n: f"Open311 客户端 {n}")
    account = factory.SubFactory(StaffFactory, role=Role.DISPATCHER)


class UnitRankingAwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _UnitRankingAward

    track = factory.SubFactory(TrackFactory, kind="best_unit", name="最佳回复单位")
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(month=1, day=1))
    period_end = factory.LazyFunction(timezone.localdate)
    min_received = 1
    winners = 15


from appeals.enums import ClusterState as _ClusterState  # noqa: E402
from appeals.models import Cluster as _Cluster  # noqa: E402


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = _Cluster

    item = factory.SubFactory(AppealItemFactory)
    area = factory.SubFactory(AreaFactory)
    label = factory.Sequence(lambda n: f"类案{n:03d}：路灯不亮")
    state = _ClusterState.CONFIRMED
    size = 6
    me_too_total = 3
    first_at = factory.LazyFunction(lambda: timezone.now() - _appeals_dt.timedelta(days=3))
    last_at = factory.LazyFunction(timezone.now)


class CatalogueImportFactory(factory.django.DjangoModelFactory):
    """A preview of an uploaded list (appeals.services.catalogue_io)."""

    class Meta:
        model = "appeals.CatalogueImport"

    kind = "items"
    created_by = factory.SubFactory(StaffFactory, role="dispatcher")
    file_name = "catalogue.xlsx"
    rows = factory.List([])
    digest = "0" * 64
