"""The vote widget's answers (htmx and plain form), rate limits, Redis down,
the board's rules box, the leaderboard and the fraud review pages."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal import pagecache
from tests import factories
from tests.signin import sign_in
from voting import services
from voting.models import Ballot, VoidBatch

HTMX = {"HTTP_HX_REQUEST": "true"}


def vote_url(case):
    return reverse("voting:vote", kwargs={"campaign_id": case.campaign_id, "case_id": case.pk})


@pytest.fixture
def signed_in(client, voter):
    client.force_login(voter)
    return client


def test_htmx_vote_swaps_the_widget_with_count_and_votes_left(signed_in, case):
    response = signed_in.post(vote_url(case), {"token": "t1", "compact": "1", "oob": "1"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="vote-{case.pk}"' in html
    assert "投票成功！这个案例现在有 1 票，你今天还可以投 9 票。" in html
    assert "今日已投" in html
    assert f'id="votes-left-{case.campaign_id}" hx-swap-oob="true">9<' in html
    assert Ballot.objects.count() == 1


def test_htmx_vote_from_a_card_updates_the_cards_own_count(signed_in, case):
    for _n in range(4):
        services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=case.campaign_id, case_id=case.pk)
    response = signed_in.post(vote_url(case), {"token": "t1", "compact": "1", "oob": "1"}, **HTMX)
    html = response.content.decode()
    assert f'<span class="case-votes" id="case-votes-{case.pk}" hx-swap-oob="true">5 票</span>' in html


def test_htmx_vote_from_a_card_counts_one_vote_in_the_singular_in_english(signed_in, case, settings):
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = signed_in.post(vote_url(case), {"token": "t1", "compact": "1", "oob": "1"}, **HTMX).content.decode()
    assert f'id="case-votes-{case.pk}" hx-swap-oob="true">1 vote</span>' in html


def test_a_voted_button_says_so_in_words_an_icon_and_its_description(signed_in, case):
    html = signed_in.post(vote_url(case), {"token": "t1", "compact": "1", "oob": "1"}, **HTMX).content.decode()
    assert 'class="vote-button voted"' in html
    assert 'class="vote-icon"' in html and 'aria-hidden="true"' in html
    assert f'aria-describedby="vote-state-{case.pk}"' in html
    assert f'id="vote-state-{case.pk}"' in html and "你今天已为这个案例投过票，明天可以再投。" in html


def test_a_button_not_yet_voted_carries_no_voted_mark(signed_in, case):
    html = signed_in.get(reverse("cases:board")).content.decode()
    assert "投一票" in html
    assert 'class="vote-button voted"' not in html and "vote-state-" not in html


def test_htmx_second_vote_same_case_is_refused_with_409_and_the_message(signed_in, case):
    signed_in.post(vote_url(case), {"token": "t1"}, **HTMX)
    response = signed_in.post(vote_url(case), {"token": "t2"}, **HTMX)
    assert response.status_code == 409
    assert response["X-Vote-Outcome"] == "already_voted_today"
    assert "你今天已经为这个案例投过票了" in response.content.decode()
    assert Ballot.objects.count() == 1


def test_repeated_form_token_returns_the_first_answer(signed_in, case):
    first = signed_in.post(vote_url(case), {"token": "same"}, **HTMX)
    again = signed_in.post(vote_url(case), {"token": "same"}, **HTMX)
    assert again.status_code == first.status_code == 200
    assert "投票成功" in again.content.decode()
    assert Ballot.objects.count() == 1


def test_plain_form_post_redirects_back_with_a_message(signed_in, case):
    board = reverse("cases:board")
    response = signed_in.post(vote_url(case), {"token": "t1", "next": board}, follow=True)
    assert response.redirect_chain == [(board, 302)]
    assert "投票成功！" in response.content.decode()
    response = signed_in.post(vote_url(case), {"token": "t2", "next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[0][0] == case.get_absolute_url()
    assert "你今天已经为这个案例投过票了" in response.content.decode()


def test_visitor_without_javascript_is_sent_to_sign_in(client, case):
    response = client.post(vote_url(case), {"next": case.get_absolute_url()})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert Ballot.objects.count() == 0


def test_visitor_with_htmx_gets_401_and_a_sign_in_link(client, case):
    response = client.post(vote_url(case), **HTMX)
    assert response.status_code == 401
    assert "请先登录" in response.content.decode()


def test_rate_limit_per_user_answers_429_with_retry_after(signed_in, case, cases, settings):
    settings.VOTING_RATE_PER_USER = "2/m"
    assert signed_in.post(vote_url(cases[0]), **HTMX).status_code == 200
    assert signed_in.post(vote_url(cases[1]), **HTMX).status_code == 200
    response = signed_in.post(vote_url(cases[2]), **HTMX)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "操作太频繁" in response.content.decode()
    assert Ballot.objects.count() == 2


def test_rate_limit_per_ip_covers_many_accounts(client, cases, settings):
    settings.VOTING_RATE_PER_IP = "3/m"
    statuses = []
    for n in range(4):
        client.force_login(factories.ResidentFactory(with_phone=True))
        statuses.append(client.post(vote_url(cases[0]), **HTMX).status_code)
    assert statuses == [200, 200, 200, 429]


@pytest.fixture
def redis_down(settings):
    closed = "redis://127.0.0.1:1/0"
    settings.CACHES = {alias: {**config, "LOCATION": closed} for alias, config in settings.CACHES.items()}


def test_redis_down_voting_fails_closed_with_503_and_browsing_works(client, voter, case, redis_down):
    client.force_login(voter)
    response = client.post(vote_url(case), **HTMX)
    assert response.status_code == 503
    assert "投票服务暂时不可用" in response.content.decode()
    api = client.post(f"/api/v1/campaigns/{case.campaign_id}/cases/{case.pk}/votes")
    assert api.status_code == 503 and api.json()["error"]["code"] == "voting_unavailable"
    assert Ballot.objects.count() == 0
    assert client.get(reverse("cases:board")).status_code == 200
    assert client.get(case.get_absolute_url()).status_code == 200
    assert client.get(reverse("voting:leaderboard")).status_code == 200


def test_redis_down_vote_refusal_says_when_to_retry(client, voter, case, redis_down):
    client.force_login(voter)
    page = client.post(vote_url(case), **HTMX)
    api = client.post(f"/api/v1/campaigns/{case.campaign_id}/cases/{case.pk}/votes")
    assert (page.status_code, api.status_code) == (503, 503)
    assert int(page["Retry-After"]) > 0 and int(api["Retry-After"]) > 0
    assert Ballot.objects.count() == 0


def test_board_shows_rules_votes_left_and_a_vote_button_per_card(signed_in, voter, cases):
    services.cast_vote(voter=voter, campaign_id=cases[0].campaign_id, case_id=cases[0].pk)
    html = signed_in.get(reverse("cases:board")).content.decode()
    assert "每人每天可投 10 票，同一个案例每天最多投 1 票。" in html
    assert f'<strong id="votes-left-{cases[0].campaign_id}">9</strong>' in html
    assert html.count('class="vote-widget compact"') == len(cases)
    assert html.count("今日已投") == 1
    assert f'<span class="case-votes" id="case-votes-{cases[0].pk}">' in html  # what a vote's answer replaces


def test_board_query_count_does_not_grow_with_cards(client, voter, campaign, django_assert_max_num_queries):
    client.force_login(voter)
    factories.CaseEntryFactory(campaign=campaign)
    client.get(reverse("cases:board"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("cases:board"))
    counted = len(few)
    for _n in range(20):
        factories.CaseEntryFactory(campaign=campaign)
    # Warm again: the tallies cached for a few seconds may have expired while
    # the cards were made (a slow machine), which is not what is measured.
    client.get(reverse("cases:board"))
    with django_assert_max_num_queries(counted):
        client.get(reverse("cases:board"))


def test_case_page_shows_the_count_and_the_vote_button(client, voter, case):
    services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=case.campaign_id, case_id=case.pk)
    client.force_login(voter)
    html = client.get(case.get_absolute_url()).content.decode()
    assert '<p class="vote-count"><strong>1</strong> 票</p>' in html
    assert "投一票" in html and "你今天还可以投 10 票。" in html


def test_closed_vote_shows_no_button(client, voter):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="review"))
    case = factories.CaseEntryFactory(campaign=campaign)
    client.force_login(voter)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "投一票" not in html and "投票已结束" in html


def test_leaderboard_page_and_fragment(client, cases, campaign):
    for n, case in enumerate(cases[:3]):
        for _v in range(3 - n):
            services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=case.pk)
    services.take_snapshot(campaign_id=campaign.pk)
    url = reverse("voting:campaign-leaderboard", kwargs={"slug": campaign.slug})
    html = client.get(url).content.decode()
    assert "投票总人数" in html and "已作废票数" in html and "<svg" in html
    assert 'hx-trigger="every 5s"' in html
    assert html.index(cases[0].title) < html.index(cases[1].title) < html.index(cases[2].title)
    assert "50.0%" in html
    assert 'hx-trigger="every 60s"' in html  # the chart: snapshots are taken once a minute
    fragment = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="leaderboard-live").content.decode()
    assert "<html" not in fragment and "投票总人数" in fragment and cases[0].title in fragment
    assert "<svg" not in fragment  # the figures' poll does not carry the chart
    chart = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="leaderboard-chart").content.decode()
    assert "<html" not in chart and "<svg" in chart and "投票总人数" not in chart


def test_leaderboard_query_count_is_constant(client, campaign, cases, django_assert_max_num_queries):
    """Drawn from the database (no shared cache, no page copy), the
    leaderboard reads as many rows with 15 more cases."""
    url = reverse("voting:campaign-leaderboard", kwargs={"slug": campaign.slug})

    def cold_get():
        cache.delete_pattern("*")
        pagecache.clear()
        return client.get(url)

    with django_assert_max_num_queries(12) as few:
        assert cold_get().status_code == 200
    counted = len(few)  # now: the next request empties the connection's query log
    for _n in range(15):
        factories.CaseEntryFactory(campaign=campaign)
    with django_assert_max_num_queries(counted):
        cold_get()


def test_review_page_is_for_organisers_only(client, resident, organiser, campaign, cases):
    url = reverse("voting:review", kwargs={"slug": campaign.slug})
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.force_login(organiser)
    assert client.get(url).status_code == 200


def test_review_filters_that_pass_still_apply_beside_a_refused_one(client, organiser, campaign, cases):
    services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=cases[0].pk, ip="27.38.105.77")
    services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=cases[0].pk, ip="10.1.1.1")
    client.force_login(organiser)
    url = reverse("voting:review", kwargs={"slug": campaign.slug})
    response = client.get(url, {"ip": "10.9.9.9", "voter": "abc"})
    # Before: the bad voter label dropped every filter and the page listed all ballots.
    assert response.context["form"].errors and response.context["page"].paginator.count == 0
    assert client.get(url, {"ip": "10.1.1.1", "voter": "abc"}).context["page"].paginator.count == 1


def test_review_page_voids_by_rule_with_a_reason(client, organiser, campaign, cases):
    for n in range(3):
        services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=cases[0].pk, ip="27.38.105.77")
    sign_in(client, organiser)
    url = reverse("voting:void", kwargs={"slug": campaign.slug})
    response = client.post(url, {"rule": "ip", "ip": "27.38.105.77", "reason": ""}, follow=True)
    assert "请写明作废原因" in response.content.decode()
    assert VoidBatch.objects.count() == 0
    response = client.post(url, {"rule": "ip", "ip": "27.38.105.77", "reason": "同一 IP"}, follow=True)
    assert "已作废 3 张选票" in response.content.decode()
    ids = list(Ballot.objects.values_list("pk", flat=True))
    html = client.get(reverse("voting:review", kwargs={"slug": campaign.slug}) + "?ip=27.38.105.77").content.decode()
    assert "已作废" in html and "同一 IP" in html
    assert client.post(url, {"rule": "selection", "ballot_ids": ids, "reason": "再次"}, follow=True).status_code == 200
    assert VoidBatch.objects.order_by("-pk").first().ballot_count == 0
