"""An error page on a phone shows the request id to quote (the X-Request-ID
of the answer), in Chinese and English, and passes axe-core."""

from __future__ import annotations

import pytest

from tests.browser.conftest import check_a11y, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_missing_page_shows_its_request_id_on_a_phone(phone_page):
    answer = phone_page.goto("/board/case/999999/", timeout=60_000)
    assert answer.status == 404
    request_id = answer.headers["x-request-id"]
    assert phone_page.locator("p.muted code").inner_text() == request_id
    assert "请求编号" in phone_page.locator("main").inner_text()
    check_a11y(phone_page, context="404 page")
    screenshot(phone_page, "error-404-request-id-zh")

    phone_page.context.add_cookies([{"name": "portal_language", "value": "en", "url": phone_page.url}])
    answer = phone_page.goto("/board/case/999999/", timeout=60_000)
    assert "Request ID" in phone_page.locator("main").inner_text()
    assert phone_page.locator("p.muted code").inner_text() == answer.headers["x-request-id"] != request_id
    screenshot(phone_page, "error-404-request-id-en")
