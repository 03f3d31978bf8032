"""The fraud review shows voters by pseudonym (issue 14).

Organisers judge a vote farm by its evidence (the /24 network, the browser
identification, the timing, the counts per voter), not by who the voters
are: the page names each voter by a short keyed label, stable within the
campaign, and voids by that label. It never shows a voter's name, e-mail,
phone or account number.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.signin import sign_in
from voting import selectors, services
from voting.models import Ballot, VoidBatch

NAMES = ["陈晓梅", "李建国"]
EMAILS = ["chenxiaomei@example.cn", "lijianguo@example.cn"]
PHONES = ["+8613912345678", "+8613787654321"]


@pytest.fixture
def farm(campaign, cases):
    """Two residents vote from one /24 network with one browser: three
    cases each, and one of them again on a second case from another address."""
    voters = [factories.ResidentFactory(display_name=name, email=email, phone=phone, phone_verified=True)
              for name, email, phone in zip(NAMES, EMAILS, PHONES, strict=True)]
    for index, voter in enumerate(voters):
        for case in cases[:3]:
            services.cast_vote(voter=voter, campaign_id=campaign.pk, case_id=case.pk, ip=f"27.38.105.{index + 10}",
                               user_agent="farm/1")
    return voters


def label(campaign, voter) -> str:
    return selectors.voter_label(campaign_id=campaign.pk, voter_id=voter.pk)


def review(client, campaign, **query):
    return client.get(reverse("voting:review", kwargs={"slug": campaign.slug}), query)


def assert_no_contact(body: str, voters) -> None:
    for raw in NAMES + EMAILS + PHONES + [p[3:] for p in PHONES] + ["chenxiaomei", "lijianguo"]:
        assert raw not in body, raw
    for voter in voters:  # nor the account number the admin would take
        assert f"voter_id={voter.pk}" not in body and f"#{voter.pk}<" not in body


@pytest.mark.parametrize("query", [{}, {"subnet": "27.38.105.0/24"}, {"user_agent": "farm/1"}, {"ip": "27.38.105.10"},
                                   {"show_void": ""}])
def test_review_page_shows_voters_by_pseudonym_and_never_their_contact(client, organiser, campaign, farm, query):
    client.force_login(organiser)
    response = review(client, campaign, **query)
    assert response.status_code == 200
    body = response.content.decode()
    assert_no_contact(body, farm)
    assert label(campaign, farm[0]) in body


def test_review_page_shows_the_evidence_networks_browser_and_counts(client, organiser, campaign, farm):
    client.force_login(organiser)
    body = review(client, campaign).content.decode()
    assert "27.38.105.0/24" in body and "farm/1" in body
    assert "27.38.105.10<" not in body  # a ballot's row shows its network, not the address
    row = re.search(rf"{label(campaign, farm[0])}</a></td>\s*<td[^>]*>([^<]*)</td>", body)
    assert row.group(1) == "3（3）· 1 · 1"  # ballots (valid) · days · addresses


def test_pseudonym_is_stable_in_a_campaign_and_differs_between_campaigns(client, organiser, campaign, farm):
    client.force_login(organiser)
    shown = [b.evidence.label for b in review(client, campaign).context["page"].object_list]
    assert len(shown) == 6 and set(shown) == {label(campaign, voter) for voter in farm}  # one label per voter
    assert all(re.fullmatch(r"V-[A-Z2-7]{10}", each) for each in shown)
    other = factories.CampaignFactory()
    assert label(other, farm[0]) != label(campaign, farm[0])  # not linkable across editions


def test_filtering_by_pseudonym_lists_that_voters_ballots(client, organiser, campaign, farm):
    client.force_login(organiser)
    page = review(client, campaign, voter=label(campaign, farm[1]).lower()).context["page"]
    assert {b.voter_id for b in page.object_list} == {farm[1].pk} and page.paginator.count == 3


def test_a_label_of_another_campaign_finds_nothing(client, organiser, campaign, farm):
    other = factories.CampaignFactory()
    client.force_login(organiser)
    assert review(client, campaign, voter=label(other, farm[0])).context["page"].paginator.count == 0


def test_voiding_by_pseudonym_voids_that_voters_ballots_and_records_the_label(client, organiser, campaign, cases, farm):
    sign_in(client, organiser)
    url = reverse("voting:void", kwargs={"slug": campaign.slug})
    response = client.post(url, {"rule": "account", "voter": label(campaign, farm[0]), "reason": "同一网段批量账号"},
                           follow=True)
    assert "已作废 3 张选票" in response.content.decode()
    assert set(Ballot.objects.filter(voided_at__isnull=False).values_list("voter_id", flat=True)) == {farm[0].pk}
    batch = VoidBatch.objects.get()
    assert batch.params == {"voter": label(campaign, farm[0])}
    assert selectors.tally_check(campaign.pk)["tallied"] == 3
    assert_no_contact(response.content.decode(), farm)  # the void record names the label too


@pytest.mark.parametrize("given", ["V-AAAAAAAAAA", "not a label", ""])
def test_voiding_by_an_unknown_or_bad_pseudonym_changes_nothing(client, organiser, campaign, farm, given):
    sign_in(client, organiser)
    url = reverse("voting:void", kwargs={"slug": campaign.slug})
    response = client.post(url, {"rule": "account", "voter": given, "reason": "x"}, follow=True)
    assert response.status_code == 200
    assert not VoidBatch.objects.exists() and not Ballot.objects.filter(voided_at__isnull=False).exists()


def test_review_page_reads_a_constant_number_of_queries(client, organiser, campaign, cases, farm,
                                                        django_assert_max_num_queries):
    client.force_login(organiser)
    review(client, campaign)  # warm the session and the caches
    with django_assert_max_num_queries(40) as few:
        review(client, campaign)
    counted = len(few)
    for n in range(20):
        voter = factories.ResidentFactory(with_phone=True)
        services.cast_vote(voter=voter, campaign_id=campaign.pk, case_id=cases[n % 5].pk, ip=f"10.0.{n}.1")
    with django_assert_max_num_queries(counted):
        review(client, campaign)


# --- who may review and void: the permission matrix ---------------------------------------------

ROLES = ["anonymous", "resident", "unit_staff", "dispatcher", "reviewer", "organiser"]


@pytest.mark.parametrize("role", ROLES)
def test_review_and_void_are_for_organisers_only(client, campaign, farm, role):
    if role != "anonymous":
        user = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role)
        sign_in(client, user)
    page = review(client, campaign)
    void = client.post(reverse("voting:void", kwargs={"slug": campaign.slug}),
                       {"rule": "account", "voter": label(campaign, farm[0]), "reason": "x"})
    if role == "organiser":
        assert page.status_code == 200 and void.status_code == 302
        assert VoidBatch.objects.get().ballot_count == 3
    else:
        assert page.status_code in (302, 403) and void.status_code in (302, 403)
        if page.status_code == 302:
            assert reverse("account_login") in page["Location"]
        assert not VoidBatch.objects.exists()


VOTING_EXPECTED = {
    "voting.manage_rules": {"organiser"},
    "voting.review_fraud": {"organiser"},
    "voting.void_ballots": {"organiser"},
    "voting.view_votingrules": {"organiser"},
    "voting.change_votingrules": {"organiser"},
    "voting.add_votingrules": {"organiser"},
    "voting.delete_votingrules": set(),
    "voting.view_ballot": {"organiser"},
    "voting.view_voidbatch": {"organiser"},
    "voting.view_votesnapshot": {"organiser"},
}


def test_every_voting_permission_has_a_row_in_the_matrix():
    from voting import rules

    assert set(VOTING_EXPECTED) == set(rules.PERMISSIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", sorted(VOTING_EXPECTED))
def test_role_holds_exactly_its_voting_permissions(role, permission):
    from django.contrib.auth.models import AnonymousUser

    user = {"anonymous": AnonymousUser, "resident": factories.ResidentFactory}.get(
        role, lambda: factories.StaffFactory(role=role))()
    assert user.has_perm(permission) is (role in VOTING_EXPECTED[permission])


# --- on a phone (issue 21): a page at a time, each ballot a labelled card ------------------------

def test_review_page_lists_ballots_a_page_of_20_at_a_time(client, organiser, campaign, cases):
    for n in range(30):
        services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk,
                           case_id=cases[n % 5].pk, ip=f"10.0.{n}.1")
    client.force_login(organiser)
    first = review(client, campaign).content.decode()
    assert first.count('class="ballot-row') == 20
    assert "第 1 / 2 页" in first
    assert review(client, campaign, page=2).content.decode().count('class="ballot-row') == 10


def test_each_ballot_cell_names_its_column_for_the_card_layout(client, organiser, campaign, farm):
    client.force_login(organiser)
    body = review(client, campaign).content.decode()
    row = body[body.index('class="ballot-row'):]
    row = row[:row.index("</tr>")]
    for heading in ("时间", "投票人代号", "注册时间", "案例", "网段", "浏览器标识", "状态"):
        assert f'data-label="{heading}"' in row, heading
