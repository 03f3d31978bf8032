"""One factory per model (factory-boy)."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from portal import services
from portal.enums import Role, UnitKind, UnitLevel
from portal.models import Membership, Unit, User

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
    """A resident whose email address is confirmed."""

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
    """A verified user holding one role; organisers and dispatchers usually
    with a TOTP authenticator (``with_totp=True``)."""

    class Params:
        role = Role.UNIT_STAFF
        unit = None
        with_totp = False

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
