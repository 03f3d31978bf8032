"""Moderation on a phone: the dispatch centre compares the original with the
redacted text, masks a shop name the redaction left, publishes; the resident
later withdraws consent and the appeal leaves the wall."""

from __future__ import annotations

from playwright.sync_api import expect

from appeals import services
from appeals.models import Appeal
from tests import factories
from tests.browser.conftest import check_a11y, screenshot, sign_in_with_cookie

DESCRIPTION = "我叫李秀英，住旗峰花园3栋1203，电话139 1234 5678。楼下老李烧腊店每天凌晨在鸿福路上剁肉，噪音很大。"


def test_moderator_reviews_on_a_phone_and_the_resident_withdraws(phone_page, new_phone_page, live_server):
    unit = factories.UnitFactory(name="南城街道综合行政执法办", level="town")
    area = factories.AreaFactory(name="南城街道", unit=unit)
    category = factories.AppealCategoryFactory(code="ZS", name="噪音扰民")
    item = factories.AppealItemFactory(category=category, code="ZS-02", name="商铺噪音", deadline_value=2)
    factories.ResponsibilityFactory(item=item, area=area, primary_unit=unit)
    resident = factories.ResidentFactory(display_name="李秀英")
    dispatcher = factories.StaffFactory(role="dispatcher", with_totp=True)
    appeal = services.file_appeal(
        resident=resident, idempotency_key="browser-moderation-1", item_id=item.pk, area_id=area.pk,
        title="烧腊店凌晨剁肉噪音", description=DESCRIPTION, address="南城街道鸿福路旗峰花园3栋1203",
        contact_name="李秀英", contact_phone="13912345678", publish_consent=True,
    ).appeal
    assert appeal.moderation == "pending" and not appeal.is_public

    # Nothing on the wall before a moderator approves it.
    reader = new_phone_page()
    reader.goto("/appeals/wall/")
    expect(reader.get_by_role("link", name="烧腊店凌晨剁肉噪音")).to_have_count(0)

    # 1. The moderator's queue on a phone.
    page = phone_page
    sign_in_with_cookie(page, dispatcher, live_server)
    page.goto("/appeals/centre/moderation/")
    expect(page.get_by_role("heading", name="公开审核")).to_be_visible()
    check_a11y(page, context="moderation queue")
    screenshot(page, "moderation-1-queue")
    page.get_by_role("link", name="烧腊店凌晨剁肉噪音").click()

    # 2. Original and redacted text side by side, the masked spans marked on both.
    original = page.locator("section", has=page.get_by_role("heading", name="原文（不公开）"))
    redacted = page.locator("section", has=page.get_by_role("heading", name="自动隐去后"))
    expect(original.locator("mark.masked")).to_have_text(["李秀英", "3", "1203", "139 1234 5678"])
    expect(redacted.locator("mark.masked")).to_have_text(["***", "*", "***", "139****5678"])
    check_a11y(page, context="moderation review")
    screenshot(page, "moderation-2-review")

    # 3. The shop sign names a neighbour: the moderator masks it and publishes.
    text = page.get_by_label("公开内容")
    text.fill(text.input_value().replace("老李烧腊店", "某烧腊店"))
    page.get_by_role("button", name="公开到问政墙").click()
    expect(page.get_by_text("已公开到问政墙。")).to_be_visible()
    expect(page.get_by_text("没有待审核的诉求。")).to_be_visible()
    screenshot(page, "moderation-3-published")

    reader.goto(f"/appeals/wall/{appeal.tracking_number}/")
    expect(reader.locator("#public-description")).to_have_text(
        "我叫***，住旗峰花园*栋***，电话139****5678。楼下某烧腊店每天凌晨在鸿福路上剁肉，噪音很大。")
    body = reader.content()
    assert "李秀英" not in body and "老李" not in body and "1234" not in body

    # 4. The resident withdraws consent; the appeal leaves the wall at once.
    mine = new_phone_page()
    sign_in_with_cookie(mine, resident, live_server)
    mine.goto(f"/appeals/t/{appeal.tracking_number}/")
    mine.get_by_role("button", name="撤回公开同意").click()
    expect(mine.get_by_text("已撤回公开同意，这条诉求不再在问政墙展示。")).to_be_visible()
    check_a11y(mine, context="tracking page after withdrawal")
    screenshot(mine, "moderation-4-withdrawn")
    assert not Appeal.objects.get(pk=appeal.pk).is_public
    assert reader.goto(f"/appeals/wall/{appeal.tracking_number}/").status == 404
