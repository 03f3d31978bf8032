"""The Content-Security-Policy holds in a real browser: the main pages, for a
visitor, a resident and a dispatcher, and the API docs, load and work without
one violation (reported as a securitypolicyviolation event or in the console)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appeals import services as appeal_services
from appeals.services import stats as stats_services
from cases.models import EntryImage
from portal.images import process_upload
from tests import factories
from tests.appeals.conftest import jpeg
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie
from voting import services as voting_services

# Added before any page script runs (through the DevTools protocol, so the
# policy under test does not apply to it).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watch:
    """Collects CSP violations and script errors of every page in a context."""

    def __init__(self, page):
        self.messages: list[str] = []
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text or "Refused to" in text:
            self.messages.append(f"console: {text}")

    def visit(self, page, url: str, name: str, *, wait_for: str | None = None, expected: str = "\0",
              seconds: int = 15, shoot: bool = True):
        page.goto(url)
        if wait_for:
            expect(page.locator(wait_for).first).to_be_visible(timeout=seconds * 1000)
        page.wait_for_load_state("networkidle")
        reported = page.evaluate("() => window.__cspViolations")
        found = [f"{url}: {line}" for line in reported + self.messages if expected not in line]
        self.messages.clear()
        assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)
        if shoot:
            screenshot(page, f"csp-{name}")


@pytest.mark.django_db(transaction=True)
def test_main_pages_load_without_a_content_security_policy_violation(phone_page, new_phone_page, live_server):
    campaign = factories.CampaignFactory(title="第三届东莞市民点赞榜", timeline=factories.campaign_timeline(open_phase="voting"))
    case = factories.CaseEntryFactory(campaign=campaign, title="持续推进老旧小区改造加装电梯工作")
    processed = process_upload(jpeg("lift.jpg"))
    EntryImage.objects.create(entry=case, position=0, image=processed.image, thumbnail=processed.thumbnail,
                              width=processed.width, height=processed.height)
    for _n in range(3):
        voting_services.cast_vote(voter=factories.ResidentFactory(with_phone=True), campaign_id=campaign.pk, case_id=case.pk)
    voting_services.rollup_vote_counts(campaign_id=campaign.pk)

    unit = factories.UnitFactory(name="南城街道住房和城乡建设局")
    area = factories.AreaFactory(name="南城街道", unit=unit)
    item = factories.AppealItemFactory(code="SW-04", name="井盖缺失破损")
    factories.ResponsibilityFactory(item=item, area=area, primary_unit=unit)
    resident = factories.ResidentFactory(display_name="陈女士")
    appeal = appeal_services.file_appeal(
        resident=resident, idempotency_key="browser-csp-1", item_id=item.pk, area_id=area.pk, title="鸿福路口井盖缺失",
        description="鸿福路88号门口的井盖不见了，晚上很危险。", address="南城街道鸿福路88号", contact_name="陈女士",
        contact_phone="13800138000", publish_consent=True, photos=[jpeg()],
    ).appeal
    stats_services.recompute_recent(days=2)
    dispatcher = factories.StaffFactory(role="dispatcher", with_totp=True)

    # A visitor: home, the board, a case, the leaderboard (chart), the wall, the dashboard (charts), sign-in, API docs.
    page = phone_page
    watch = Watch(page)
    watch.visit(page, "/", "home")
    watch.visit(page, "/board/", "board", wait_for=f"#vote-{case.pk}")
    watch.visit(page, case.get_absolute_url(), "case", wait_for="img")
    watch.visit(page, "/board/leaderboard/", "leaderboard", wait_for="#leaderboard-chart svg")
    watch.visit(page, "/appeals/wall/", "wall")
    watch.visit(page, "/appeals/stats/", "dashboard", wait_for=".chart svg")
    watch.visit(page, "/appeals/new/", "appeal-form-signed-out")
    watch.visit(page, "/accounts/login/", "sign-in", wait_for="form")
    check_a11y(page, context="sign-in under the CSP")
    watch.visit(page, "/api/docs/", "api-docs", wait_for=".swagger-ui .info")
    # ReDoc's menu always shows Redocly's logo from its CDN (no option turns it
    # off): the policy blocks that one picture, as it should; nothing else.
    watch.visit(page, "/api/redoc/", "api-redoc", wait_for="h1", seconds=60, shoot=False,
                expected="https://cdn.redoc.ly/redoc/logo-mini.svg")

    # The resident: the appeal form (htmx item picker, location script) and their appeal with its photo.
    mine = new_phone_page()
    watch_mine = Watch(mine)
    sign_in_with_cookie(mine, resident, live_server)
    watch_mine.visit(mine, "/appeals/new/", "appeal-form", wait_for="form")
    mine.get_by_role("searchbox").first.fill("井盖")
    expect(mine.get_by_text("井盖缺失破损").first).to_be_visible()
    watch_mine.visit(mine, f"/appeals/t/{appeal.tracking_number}/", "appeal-tracking", wait_for=".photos img")
    assert mine.locator(".photos img").first.evaluate("img => img.naturalWidth") > 0

    # A dispatcher: the centre and the appeal with the resident's photo.
    staff = new_phone_page()
    watch_staff = Watch(staff)
    sign_in_with_cookie(staff, dispatcher, live_server)
    watch_staff.visit(staff, "/appeals/centre/", "dispatch-centre")
    watch_staff.visit(staff, f"/appeals/s/{appeal.pk}/", "staff-appeal", wait_for=".photos img")
    assert staff.locator(".photos img").first.evaluate("img => img.naturalWidth") > 0
