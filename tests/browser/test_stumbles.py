"""What residents and clerks stumbled on (issue 21), each walked through on a
phone (390×844) the way the person would, with a screenshot to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from demo import portal as portal_demo
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_resident_is_greeted_by_name_and_the_appeal_form_prefills_it(phone_page, live_server):
    resident = portal_demo.seed()["accounts"]["resident@demo.minxinbang.cn"]
    page = phone_page
    sign_in_with_cookie(page, resident, live_server)

    page.goto("/")
    expect(page.locator(".whoami")).to_contain_text("你好，陈女士")
    expect(page.locator(".whoami")).not_to_contain_text("已验证")
    check_a11y(page, context="home, signed in")
    screenshot(page, "stumble-04-greeting")

    page.goto("/appeals/new/")
    expect(page.get_by_label("联系人")).to_have_value("陈女士")
    page.get_by_label("联系人").scroll_into_view_if_needed()
    screenshot(page, "stumble-04-appeal-contact")


def test_a_case_whose_photo_file_is_missing_still_shares_a_poster(phone_page, live_server):
    from tests import factories

    campaign = factories.CampaignFactory(title="第三届东莞市民点赞榜",
                                         timeline=factories.campaign_timeline(open_phase="voting"))
    entry = factories.CaseEntryFactory(campaign=campaign, title="持续推进老旧小区改造加装电梯工作")
    photo = factories.EntryImageFactory(entry=entry, position=0)
    photo.image.storage.delete(photo.image.name)
    page = phone_page

    page.goto(entry.get_absolute_url())
    check_a11y(page, context="case page whose photo file is missing")
    page.get_by_role("link", name="查看海报").scroll_into_view_if_needed()
    screenshot(page, "stumble-01-case-photo-missing")
    with page.expect_response(lambda response: "poster.png" in response.url) as poster:
        page.get_by_role("link", name="查看海报").click()
    assert poster.value.status == 200
    assert poster.value.header_value("content-type") == "image/png"
    size = page.evaluate("() => { const img = document.querySelector('img'); return [img.naturalWidth, img.naturalHeight]; }")
    assert size == [750, 1334]
    screenshot(page, "stumble-01-poster-without-photo")


def test_published_results_are_reached_from_the_home_page_and_the_boards(phone_page, live_server):
    from tests import factories
    from tests.voting.test_results_links import published_edition

    organiser = factories.StaffFactory(role="organiser", with_totp=True)
    earlier = published_edition(organiser, "第二届东莞市民点赞榜")
    factories.CampaignFactory(title="第三届东莞市民点赞榜", timeline=factories.campaign_timeline(open_phase="voting"))
    page = phone_page

    page.goto("/")
    results = page.get_by_role("link", name="第二届东莞市民点赞榜 评选结果")
    expect(results).to_be_visible()
    check_a11y(page, context="home with published results")
    results.scroll_into_view_if_needed()
    screenshot(page, "stumble-06-home-results")
    results.click()
    expect(page.get_by_role("heading", name="第二届东莞市民点赞榜 评选结果")).to_be_visible()

    page.goto("/board/")
    expect(page.get_by_role("heading", name="第三届东莞市民点赞榜")).to_be_visible()
    earlier_link = page.get_by_role("link", name="第二届东莞市民点赞榜 评选结果")
    expect(earlier_link).to_be_visible()
    check_a11y(page, context="current board with an earlier edition's results")
    screenshot(page, "stumble-06-board-earlier-results")

    page.goto(earlier.get_absolute_url())
    own = page.get_by_role("link", name="查看最终排名和得分明细")
    expect(own).to_be_visible()
    check_a11y(page, context="edition board with its published results")
    screenshot(page, "stumble-06-edition-board-results")
    own.click()
    expect(page).to_have_url(f"{live_server.url}/results/{earlier.slug}/")


def test_a_vote_on_the_board_updates_the_cards_count_and_marks_it_voted(phone_page, live_server):
    import re

    from tests import factories
    from voting import services

    campaign = factories.CampaignFactory(title="第三届东莞市民点赞榜",
                                         timeline=factories.campaign_timeline(open_phase="voting"))
    voted, other = (factories.CaseEntryFactory(campaign=campaign, title=title)
                    for title in ("持续推进老旧小区改造加装电梯工作", "校园周边护学岗"))
    for _n in range(5):
        services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=voted.pk)
    services.rollup_vote_counts(campaign_id=campaign.pk)
    page = phone_page
    sign_in_with_cookie(page, factories.ResidentFactory(with_phone=True), live_server)

    page.goto("/board/")
    expect(page.locator(f"#case-votes-{voted.pk}")).to_have_text("5 票")
    page.locator(f"#vote-{voted.pk}").get_by_role("button", name=re.compile(voted.title)).click()
    expect(page.locator(f"#vote-{voted.pk}")).to_contain_text("投票成功！")
    expect(page.locator(f"#case-votes-{voted.pk}")).to_have_text("6 票")  # the card's own count, not only the message

    done = page.locator(f"#vote-{voted.pk} button")
    fresh = page.locator(f"#vote-{other.pk} button")
    expect(done).to_contain_text("今日已投")
    expect(done.locator("svg.vote-icon")).to_be_visible()
    expect(done).to_have_attribute("aria-describedby", f"vote-state-{voted.pk}")
    expect(fresh).to_contain_text("投一票")
    # Not by colour alone, but not the same look either: outlined, not filled.
    page.mouse.click(5, 5)  # a phone keeps :hover on the last tapped button
    looks = [el.evaluate("e => getComputedStyle(e).backgroundColor") for el in (done, fresh)]
    assert looks[0] != looks[1], looks
    check_a11y(page, context="board after a vote")
    page.locator(f"#vote-{voted.pk}").scroll_into_view_if_needed()
    screenshot(page, "stumble-05-board-voted")


def test_the_fraud_review_fits_a_phone(phone_page, live_server):
    from tests import factories
    from voting import services

    campaign = factories.CampaignFactory(title="第三届东莞市民点赞榜",
                                         timeline=factories.campaign_timeline(open_phase="voting"))
    cases = [factories.CaseEntryFactory(campaign=campaign, title=f"持续推进老旧小区改造加装电梯工作{n}") for n in range(5)]
    agent = ("Mozilla/5.0 (Linux; Android 9; SM-G960F) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/79.0.3945.136 Mobile Safari/537.36")
    for n in range(60):
        voter = factories.ResidentFactory(with_phone=True)
        services.cast_vote(voter=voter, campaign_id=campaign.pk, case_id=cases[n % 5].pk,
                           ip=f"27.38.105.{n % 7 + 10}", user_agent=agent)
    organiser = factories.StaffFactory(role="organiser", with_totp=True)
    page = phone_page
    sign_in_with_cookie(page, organiser, live_server)

    page.goto(f"/voting/review/{campaign.slug}/")
    expect(page.get_by_role("heading", name="刷票审查")).to_be_visible()
    expect(page.locator("tr.ballot-row")).to_have_count(20)
    expect(page.get_by_text("第 1 / 3 页")).to_be_visible()
    # Nothing wider than the phone: the page does not scroll sideways and no card is cut off.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = page.locator("tr.ballot-row").first
    assert card.bounding_box()["width"] <= 390
    expect(card.locator("td[data-label='浏览器标识']")).to_be_visible()
    screenshot(page, "stumble-02-review-phone")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 10_000, height  # it was about 49,500 px at the demo's size
    check_a11y(page, context="fraud review on a phone")
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot.__globals__["SCREENSHOTS"] / "stumble-02-review-card.png"))
    page.get_by_role("link", name="下一页").click()
    expect(page.get_by_text("第 2 / 3 页")).to_be_visible()


def test_the_organiser_follows_the_panels_progress_at_panel(phone_page, live_server):
    from tests import factories
    from tests.voting.panel_setup import closed_campaign, panel, submit

    organiser = factories.StaffFactory(role="organiser", with_totp=True)
    campaign = closed_campaign(title="第二届东莞市民点赞榜")
    cases, people = panel(campaign, organiser, [12000, 9000, 7000])
    submit(campaign, people[0], cases[0], 91, comment="成效扎实")
    submit(campaign, people[0], cases[1], 77)
    submit(campaign, people[1], cases[0], 85)
    page = phone_page
    sign_in_with_cookie(page, organiser, live_server)

    page.goto("/")
    page.get_by_role("button", name="菜单").click()  # a phone folds the staff header into a menu
    page.get_by_role("link", name="专家评审").click()
    expect(page.get_by_role("heading", name="评审进度")).to_be_visible()
    expect(page.get_by_text("已提交 3 / 9 份评分")).to_be_visible()
    expect(page.get_by_text(f"{people[0].reviewer_profile.name}")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("91.0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check_a11y(page, context="panel progress")
    screenshot(page, "stumble-09-panel-progress")
    page.locator("summary", has_text=people[1].reviewer_profile.name).click()
    opened = page.locator("details[open] .progress-cases")
    expect(opened.locator(".progress-state.submitted")).to_have_count(1)
    expect(opened.locator(".progress-state.todo")).to_have_count(2)
    check_a11y(page, context="panel progress, a reviewer opened")
    screenshot(page, "stumble-09-panel-progress-reviewer")


SMALL_TARGETS_JS = """() => {
  // Controls a finger taps: header links and buttons, buttons, selects, summaries, radios and
  // checkboxes (with the label that activates them). Links inside a sentence are exempt (WCAG 2.5.5).
  const selector = 'header a, header button, main button, main .button, main select, main summary,'
    + ' main input[type=radio], main input[type=checkbox], main input[type=submit], main nav a';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    let width = box.width, height = box.height;
    if (el.matches('input[type=radio], input[type=checkbox]')) {
      if (box.width < 23.5 || box.height < 23.5) small.push('input ' + el.name + ' itself ' + Math.round(box.width) + '×' + Math.round(box.height));
      const label = el.closest('label') || (el.id && document.querySelector('label[for="' + el.id + '"]'));
      if (label) {
        const l = label.getBoundingClientRect();
        width = Math.max(box.right, l.right) - Math.min(box.left, l.left);
        height = Math.max(box.bottom, l.bottom) - Math.min(box.top, l.top);
      }
    }
    if (width < 43.5 || height < 43.5) {
      const name = (el.getAttribute('aria-label') || el.textContent || el.value || el.name || '').trim().slice(0, 24);
      small.push(el.tagName.toLowerCase() + ' "' + name + '" ' + Math.round(width) + '×' + Math.round(height));
    }
  }
  return small;
}"""

CHART_TEXT_JS = """() => Array.from(document.querySelectorAll('svg.pygal-chart text')).filter(t => t.textContent.trim()
  && getComputedStyle(t).visibility !== 'hidden' && t.getBoundingClientRect().width).map(t => {
    const svg = t.ownerSVGElement;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize) * scale];
})"""


def test_tap_targets_are_44_px_and_chart_labels_readable_on_a_phone(phone_page, live_server):
    import re

    from tests import factories
    from voting import services

    campaign = factories.CampaignFactory(title="第三届东莞市民点赞榜",
                                         timeline=factories.campaign_timeline(open_phase="voting"))
    cases = [factories.CaseEntryFactory(campaign=campaign, title=f"老旧小区加装电梯{n}") for n in range(3)]
    for n in range(6):
        services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk,
                           case_id=cases[n % 3].pk)
    services.rollup_vote_counts(campaign_id=campaign.pk)
    services.take_snapshot(campaign_id=campaign.pk)
    page = phone_page

    def small_targets(where):
        found = page.evaluate(SMALL_TARGETS_JS)
        return [f"{where}: {item}" for item in found]

    problems = []
    page.goto("/")
    problems += small_targets("home")
    page.locator("button[name=elder][value='1']").click()
    page.wait_for_load_state()
    problems += small_targets("home (长辈版)")
    screenshot(page, "stumble-10-home-elder")
    page.locator("button[name=elder][value='0']").click()
    page.wait_for_load_state()

    sign_in_with_cookie(page, factories.ResidentFactory(with_phone=True), live_server)
    page.goto("/appeals/new/")
    problems += small_targets("appeal form")
    page.get_by_label("不确定").scroll_into_view_if_needed()
    screenshot(page, "stumble-10-appeal-form")
    page.goto("/board/")
    page.locator(f"#vote-{cases[0].pk}").get_by_role("button", name=re.compile(cases[0].title)).click()
    expect(page.locator(f"#vote-{cases[0].pk}")).to_contain_text("投票成功！")
    problems += small_targets("board")
    page.goto(f"/board/edition/{campaign.slug}/leaderboard/")
    expect(page.locator("#leaderboard-chart svg")).to_be_visible()
    problems += small_targets("leaderboard")
    # The chart's backgrounds are light (they were black, the labels dark on black: "&gt;" in charts.css).
    fills = page.evaluate("""() => ['.graph > .background', '.plot > .background'].map(
        s => getComputedStyle(document.querySelector('#leaderboard-chart svg ' + s)).fill)""")
    assert fills == ["rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"], fills
    labels = page.evaluate(CHART_TEXT_JS)
    assert labels, "no chart text found"
    problems += [f"leaderboard chart: {text!r} at {size:.1f} px" for text, size in labels if size < 14]
    page.locator("#leaderboard-chart").scroll_into_view_if_needed()
    screenshot(page, "stumble-10-leaderboard-chart")
    assert not problems, "\n".join(problems)
