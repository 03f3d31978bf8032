"""Public pages shared by visitors who are not signed in (portal.pagecache):
one rendering per second and process, each visitor with their own CSRF
token, nothing cached for anyone signed in."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests import factories
from voting import services


def leaderboard_url(campaign):
    return reverse("voting:campaign-leaderboard", kwargs={"slug": campaign.slug})


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)) | set(
        re.findall(r'"X-CSRFToken": "([^"]+)"', html))


def test_second_visitor_gets_the_kept_page_without_a_query(campaign, cases, django_assert_num_queries):
    first = Client().get(leaderboard_url(campaign))
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = Client().get(leaderboard_url(campaign))
    assert second["X-Page-Cache"] == "hit"
    assert cases[0].title in second.content.decode()


def test_each_visitor_gets_their_own_working_csrf_token(campaign, cases):
    one, two = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    html_one = one.get(leaderboard_url(campaign)).content.decode()
    html_two = two.get(leaderboard_url(campaign)).content.decode()
    (token_one,), (token_two,) = tokens(html_one), tokens(html_two)
    assert "__portal_csrf_token__" not in html_one + html_two
    assert token_one != token_two
    # Each token works with its visitor's own cookie (the language switch form).
    answer = one.post(reverse("set_language"), {"language": "en", "next": "/"}, HTTP_X_CSRFTOKEN=token_one)
    assert answer.status_code == 302
    answer = two.post(reverse("set_language"), {"language": "en", "next": "/"}, HTTP_X_CSRFTOKEN=token_two)
    assert answer.status_code == 302


def test_signed_in_resident_never_gets_a_kept_page(client, campaign, cases, voter):
    Client().get(leaderboard_url(campaign))  # a visitor fills the copy
    client.force_login(voter)
    response = client.get(leaderboard_url(campaign))
    assert "X-Page-Cache" not in response
    assert "退出登录" in response.content.decode()


def test_kept_page_is_per_language(campaign, cases):
    Client().get(leaderboard_url(campaign))
    english = Client()
    english.cookies["portal_language"] = "en"
    html = english.get(leaderboard_url(campaign)).content.decode()
    assert '<html lang="en"' in html
    assert "投票总人数" not in html


def test_kept_page_follows_the_votes_once_its_second_is_up(campaign, cases, next_second):
    Client().get(leaderboard_url(campaign))
    services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=cases[0].pk)
    assert Client().get(leaderboard_url(campaign))["X-Page-Cache"] == "hit"
    next_second()
    cache.delete(f"voting:leaderboard-live:{campaign.slug}:zh-hans")  # the shared copy's two seconds are up too
    response = Client().get(leaderboard_url(campaign))
    assert response["X-Page-Cache"] == "miss"
    assert '<td class="num">1</td>' in response.content.decode()


@pytest.mark.parametrize("cookie", ["sessionid", "messages"])
def test_visitor_with_a_session_or_messages_is_rendered_afresh(campaign, cases, cookie):
    Client().get(leaderboard_url(campaign))
    visitor = Client()
    visitor.cookies[cookie] = "x"
    assert "X-Page-Cache" not in visitor.get(leaderboard_url(campaign))
