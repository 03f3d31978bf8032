"""Home page, language choice, 长辈版 and the shared 429 answer."""

import pytest
from django.test import RequestFactory

from portal.views import rate_limited


@pytest.mark.django_db
def test_home_is_chinese_by_default_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="zh-Hans"' in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_the_api_answers_in_the_language_its_client_asks_for_unless_a_cookie_chose(client):
    english = client.get("/api/v1/campaigns", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert english["Content-Language"] == "en" and "Accept-Language" in english["Vary"]
    assert client.get("/api/v1/campaigns")["Content-Language"] == "zh-hans"
    client.cookies["portal_language"] = "zh-hans"
    assert client.get("/api/v1/campaigns", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_choosing_english_is_remembered_in_a_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["portal_language"].value == "en"
    page = client.get("/")
    assert '<html lang="en"' in page.content.decode()


@pytest.mark.django_db
def test_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies["portal_language"] = "xx"
    assert '<html lang="zh-Hans"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_elder_mode_is_switched_on_and_off_and_remembered(client):
    response = client.post("/prefs/elder", {"elder": "1", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["portal_elder"].value == "1"
    assert '<html lang="zh-Hans" class="elder">' in client.get("/").content.decode()
    client.post("/prefs/elder", {"elder": "0", "next": "/"})
    assert 'class="elder"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_elder_switch_refuses_to_redirect_off_site(client):
    response = client.post("/prefs/elder", {"elder": "1", "next": "https://evil.example.com/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_rate_limited_answer_is_429_with_retry_after_in_json_and_html():
    factory = RequestFactory()
    api_response = rate_limited(factory.post("/api/v1/anything"))
    assert api_response.status_code == 429
    assert api_response["Retry-After"] == "60"
    page_response = rate_limited(factory.post("/board/"))
    assert page_response.status_code == 429
    assert page_response["Retry-After"] == "60"
    assert "操作太频繁" in page_response.content.decode()


@pytest.mark.django_db
def test_missing_page_uses_the_portal_layout(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "回到首页" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["unit_staff", "reviewer"])
def test_other_staff_cannot_open_the_admin(client, role):
    from tests import factories

    client.force_login(factories.StaffFactory(role=role))
    assert client.get("/admin/portal/unit/").status_code == 302
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_organiser_without_totp_is_sent_to_set_it_up(client):
    from tests import factories

    client.force_login(factories.StaffFactory(role="organiser", with_totp=False))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("unit_staff", ["/cases/mine/", "/appeals/inbox/"], ["/appeals/centre/", "/panel/"]),
        ("dispatcher", ["/appeals/centre/"], ["/cases/mine/", "/panel/"]),
        ("reviewer", ["/panel/"], ["/cases/mine/", "/appeals/centre/"]),
        ("organiser", ["/panel/", "/appeals/stats/"], ["/cases/mine/", "/appeals/centre/"]),
        ("resident", [], ["/cases/mine/", "/appeals/centre/", "/panel/"]),
    ],
)
def test_workspace_links_follow_the_role(client, role, shown, hidden):
    from tests import factories

    user = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role, with_totp=True)
    client.force_login(user)
    html = client.get("/").content.decode()
    for href in shown:
        assert f'href="{href}"' in html
    for href in hidden:
        assert f'href="{href}"' not in html
