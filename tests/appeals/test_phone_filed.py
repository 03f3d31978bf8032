"""Appeals filed for a caller by phone (hotline, Open311) follow the account
that verified the caller's number, never one that only typed it in; they
attach when an account verifies the number later, and are listed as filed by
phone. Residents are told about their appeals only on verified contacts."""

from __future__ import annotations

import pytest

from appeals import services
from appeals.models import Appeal, Rating
from appeals.services.open311 import post_request
from portal.exceptions import PermissionDeniedError
from portal.models import Notification
from portal import services as portal_services
from tests import factories
from tests.appeals.conftest import work_through

E164 = "+8613800138000"
MOBILE = "13800138000"


def hotline_call(world, dispatcher, *, key="hotline-0001", phone=MOBILE) -> Appeal:
    return services.file_for_caller(
        actor=dispatcher, idempotency_key=key, item_id=world.item.pk, area_id=world.area.pk, urgency=None,
        title="路口井盖缺失", description="来电人反映测试路口的井盖不见了，晚上很危险。", address="测试镇测试路口",
        caller_name="陈女士", caller_phone=phone,
    ).appeal


def queued_to(recipient: str) -> int:
    """Notifications queued for delivery to an address or number."""
    return Notification.objects.filter(recipient=recipient).count()


@pytest.fixture
def squatter(db):
    """Signed up with the neighbour's number and never confirmed its code."""
    return factories.ResidentFactory(email="squatter@example.cn", phone=E164, phone_verified=False)


def test_hotline_appeal_under_a_number_only_claimed_is_not_the_claimants(world, dispatcher, squatter, client):
    appeal = hotline_call(world, dispatcher)

    assert appeal.resident is None
    client.force_login(squatter)
    assert client.get(f"/appeals/t/{appeal.tracking_number}/").status_code == 404
    assert appeal.title not in client.get("/appeals/").content.decode()


def test_claimant_cannot_rate_or_hear_about_the_hotline_appeal(world, dispatcher, squatter,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = work_through(hotline_call(world, dispatcher), world.bureau_staff, world.bureau)

    with pytest.raises(PermissionDeniedError):
        services.rate_appeal(resident=squatter, appeal_id=appeal.pk, score=5)

    assert Rating.objects.count() == 0
    assert queued_to(squatter.email) == 0
    assert queued_to(E164) == 0


def test_open311_appeal_under_a_number_only_claimed_is_not_the_claimants(world, squatter):
    key = factories.Open311KeyFactory()
    posted = post_request(api_key=key.key, service_code=world.item.code, area_code=world.area.code,
                          description="测试路口的井盖不见了，晚上很危险。", lat="23.02", long="113.75", phone=MOBILE)
    assert posted.result.appeal.resident is None


def test_verifying_the_number_later_attaches_the_appeals_filed_by_phone(world, dispatcher, squatter, client):
    first = hotline_call(world, dispatcher, key="hotline-0001")
    second = hotline_call(world, dispatcher, key="hotline-0002", phone="138 0013 8000")
    someone_else = hotline_call(world, dispatcher, key="hotline-0003", phone="13900139000")
    owner = factories.ResidentFactory()

    portal_services.verify_phone(user=owner, phone=E164)

    assert set(Appeal.objects.filter(resident=owner)) == {first, second}
    someone_else.refresh_from_db()
    assert someone_else.resident is None
    squatter.refresh_from_db()
    assert squatter.phone is None
    client.force_login(owner)
    home = client.get("/appeals/").content.decode()
    assert home.count("由12345热线按你的手机号代为登记（") == 2
    track = client.get(f"/appeals/t/{first.tracking_number}/").content.decode()
    assert "由12345热线按你的手机号代为登记（" in track


def test_hotline_appeal_goes_to_the_account_that_verified_the_number(world, dispatcher, squatter):
    owner = factories.ResidentFactory(phone=E164, phone_verified=True)

    appeal = hotline_call(world, dispatcher)

    assert appeal.resident == owner


def test_resident_with_an_unverified_email_is_told_by_sms_on_the_verified_phone(world, dispatcher,
                                                                                 django_capture_on_commit_callbacks):
    owner = factories.ResidentFactory(email="owner@example.cn", phone=E164, phone_verified=True)
    owner.emailaddress_set.update(verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        work_through(hotline_call(world, dispatcher), world.bureau_staff, world.bureau)

    assert queued_to("owner@example.cn") == 0
    assert queued_to(E164) > 0


def test_resident_without_any_verified_contact_is_told_nothing(world, file_appeal, resident,
                                                               django_capture_on_commit_callbacks):
    appeal = file_appeal()
    resident.emailaddress_set.update(verified=False)
    before = queued_to(resident.email)

    with django_capture_on_commit_callbacks(execute=True):
        work_through(appeal, world.bureau_staff, world.bureau)

    assert queued_to(resident.email) == before


def test_resident_with_a_verified_email_is_told_by_email(world, file_appeal, resident,
                                                         django_capture_on_commit_callbacks):
    appeal = file_appeal()

    with django_capture_on_commit_callbacks(execute=True):
        work_through(appeal, world.bureau_staff, world.bureau)

    assert queued_to(resident.email) > 0
