"""Each role lands on its own workspace after signing in (issue 21, stumble
7): staff landed on the residents' home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.signin import totp_now

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"


def sign_in(client, user, *, next_url: str = "") -> str:
    """Password, then the second factor where the account has one; where the portal sends the user."""
    response = client.post(LOGIN + (f"?next={next_url}" if next_url else ""), {
        "login": user.email, "password": factories.TEST_PASSWORD, "method": "password",
    })
    if response["Location"] == MFA_AUTHENTICATE:
        response = client.post(MFA_AUTHENTICATE, {"code": totp_now()})
    return response["Location"]


@pytest.mark.parametrize(("role", "workspace"), [
    ("unit_staff", "appeals:inbox"),
    ("dispatcher", "appeals:centre"),
    ("organiser", "cases:desk"),
    ("reviewer", "voting:panel-home"),
    ("portal_admin", "administration:home"),
])
def test_staff_land_on_their_own_workspace(client, role, workspace):
    unit = factories.UnitFactory() if role in ("unit_staff", "reviewer") else None
    staff = factories.StaffFactory(role=role, unit=unit, with_totp=True)
    assert sign_in(client, staff) == reverse(workspace)
    assert client.get(reverse(workspace)).status_code in (200, 302)


def test_a_resident_lands_on_the_home_page(client):
    resident = factories.ResidentFactory()
    assert sign_in(client, resident) == reverse("home")


def test_a_next_address_still_wins_over_the_workspace(client):
    dispatcher = factories.StaffFactory(role="dispatcher", with_totp=True)
    assert sign_in(client, dispatcher, next_url="/appeals/wall/") == "/appeals/wall/"


def test_the_organisers_desk_links_each_editions_work_and_is_theirs_only(client, organiser, dispatcher):
    campaign = factories.CampaignFactory(title="第三届东莞市民点赞榜")
    client.force_login(organiser)
    page = client.get(reverse("cases:desk")).content.decode()
    assert "第三届东莞市民点赞榜" in page
    for name in ("cases:screening", "voting:rules", "voting:review", "voting:panel-manage"):
        assert reverse(name, args=[campaign.slug]) in page
    client.force_login(dispatcher)
    assert client.get(reverse("cases:desk")).status_code == 403


def test_the_staff_header_has_a_menu_button_and_the_residents_has_none(client, dispatcher, resident):
    client.force_login(dispatcher)
    page = client.get(reverse("appeals:centre")).content.decode()
    assert 'class="menu-toggle" aria-expanded="true" aria-controls="staff-menu"' in page and 'id="staff-menu"' in page
    client.force_login(resident)
    page = client.get(reverse("home")).content.decode()
    assert "menu-toggle" not in page and "staff-menu" not in page
