"""Published results are reached from the public pages (issue 21): the home
page, the edition's own board and the current board link an edition's
results once, and only once, they are published."""

import pytest
from django.urls import reverse

from tests import factories
from tests.voting.panel_setup import closed_campaign, open_phase, panel, submit
from voting.panel import services

pytestmark = pytest.mark.django_db


def published_edition(organiser, title="第二届东莞市民点赞榜"):
    campaign = closed_campaign(title=title)
    cases, people = panel(campaign, organiser, [1000, 800])
    for person in people:
        submit(campaign, person, cases[0], 90)
        submit(campaign, person, cases[1], 80)
    open_phase(campaign, "results")
    services.publish_results(actor=organiser, campaign=campaign)
    return campaign


def results_url(campaign):
    return reverse("voting:results", kwargs={"slug": campaign.slug})


def test_home_links_no_results_before_any_are_published(client, organiser):
    campaign = closed_campaign()
    panel(campaign, organiser, [1000, 800])
    html = client.get("/").content.decode()
    assert results_url(campaign) not in html
    assert "评选结果" not in html


def test_home_links_each_published_edition_newest_first(client, organiser):
    older = published_edition(organiser, "第一届东莞市民点赞榜")
    older.year -= 1
    older.save(update_fields=["year"])
    newer = published_edition(organiser, "第二届东莞市民点赞榜")
    html = client.get("/").content.decode()
    assert f'href="{results_url(newer)}"' in html and f'href="{results_url(older)}"' in html
    assert html.index(results_url(newer)) < html.index(results_url(older))
    assert "第二届东莞市民点赞榜" in html


def test_the_edition_board_links_its_published_results(client, organiser):
    campaign = published_edition(organiser)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert f'href="{results_url(campaign)}"' in html
    assert "评选结果已公布" in html


def test_the_edition_board_links_no_results_before_they_are_published(client, organiser):
    campaign = closed_campaign()
    panel(campaign, organiser, [1000, 800])
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert results_url(campaign) not in html


def test_the_current_board_links_an_earlier_editions_published_results(client, organiser):
    earlier = published_edition(organiser)
    factories.CampaignFactory(title="第三届东莞市民点赞榜", timeline=factories.campaign_timeline(open_phase="voting"))
    response = client.get(reverse("cases:board"))
    html = response.content.decode()
    assert response.context["campaign"].title == "第三届东莞市民点赞榜"
    assert f'href="{results_url(earlier)}"' in html
    assert "评选结果已公布" not in html  # the current edition's own results are not out


def test_home_and_board_read_the_published_editions_in_one_query(client, organiser, django_assert_num_queries):
    from voting.panel import selectors

    published_edition(organiser, "第一届东莞市民点赞榜")
    published_edition(organiser, "第二届东莞市民点赞榜")
    with django_assert_num_queries(1):
        editions = selectors.published_editions()
    assert [c.title for c in editions] == ["第二届东莞市民点赞榜", "第一届东莞市民点赞榜"]


def test_the_links_read_in_english(client, organiser, settings):
    campaign = published_edition(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    home = client.get("/").content.decode()
    assert "Results" in home and "The final standings of past editions" in home
    board = client.get(campaign.get_absolute_url()).content.decode()
    assert "The results are published" in board and "See the final standings and the score breakdown" in board
