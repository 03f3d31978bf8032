"""API tokens (django-rest-knox) and the one second-factor rule for the API:
each attack of issue 14, items 2 and 3, as a test.

The matrix walks every route under /api/v1/ with every method its view
answers, so a new endpoint is covered the day it is added."""

from __future__ import annotations

import datetime
import hashlib

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import ApiToken
from tests import factories
from tests.signin import sign_in, totp_now

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["organiser", "dispatcher", "unit_staff", "reviewer"]
UNSAFE = ("post", "put", "patch", "delete")
# Sensitive actions: a read-only token is never enough for them (portal.reauth).
SENSITIVE = {("post", "/api/v1/appeals/999999/contact"), ("post", "/api/v1/campaigns/999999/results")}
AUTH_REFUSALS = {"second_factor_required", "read_only_token", "authentication_failed", "not_authenticated"}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _fill(route: str) -> str:
    for converter, value in (("<int:", "999999"), ("<str:", "DG-NONE"), ("<slug:", "none"), ("<path:", "none")):
        while converter in route:
            start = route.index(converter)
            route = route[:start] + value + route[route.index(">", start) + 1:]
    return "/" + route


def api_endpoints() -> list[tuple[str, str]]:
    """(method, path) of every API view under /api/v1/, ids that match nothing."""
    endpoints = []
    for route, pattern in _walk(get_resolver().url_patterns):
        view = getattr(pattern.callback, "view_class", None)
        if not route.startswith("api/v1/") or view is None:
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method):
                endpoints.append((method, _fill(route)))
    return endpoints


ENDPOINTS = api_endpoints()


def call(client: APIClient, method: str, path: str):
    return getattr(client, method)(path, {}, format="json")


def token_client(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.secret}")
    return client


def code(response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def test_the_matrix_covers_every_api_view():
    assert len(ENDPOINTS) >= 60
    assert ("post", "/api/v1/appeals/999999/contact") in ENDPOINTS
    assert ("post", "/api/v1/campaigns/999999/results") in ENDPOINTS


# --- Tokens at rest --------------------------------------------------------------------


def test_token_is_stored_only_as_its_digest():
    token = factories.ApiTokenFactory()

    row = ApiToken.objects.get()
    assert row.digest == hashlib.sha512(token.secret.encode()).hexdigest()
    assert token.secret.startswith("mxb_")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM portal_apitoken")
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert token.secret not in stored
    assert token.secret[4:] not in stored


def test_database_refuses_a_token_without_expiry_or_beyond_90_days():
    staff = factories.StaffFactory()
    for lifetime in (None, datetime.timedelta(days=91)):
        with pytest.raises(IntegrityError), transaction.atomic():
            ApiToken.objects.create(user=staff, expiry=lifetime, name="x", scope="read")
    assert not ApiToken.objects.exists()


def test_old_authtoken_table_is_gone():
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('authtoken_token')")
        assert cursor.fetchone()[0] is None


# --- Who may call: the second factor, by token and by session ---------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_token_of_staff_without_second_factor_is_refused_everywhere(role):
    staff = factories.StaffFactory(role=role, with_totp=False)
    client = token_client(factories.ApiTokenFactory(user=staff))

    for method, path in ENDPOINTS:
        response = call(client, method, path)
        assert response.status_code == 403, (method, path, response.status_code)
        assert code(response) == "second_factor_required", (method, path)
    assert set(response.json()["error"]) == {"code", "message", "fields", "request_id"}
    assert ApiToken.objects.get().last_used_at is None  # refused before use is recorded


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_session_of_staff_without_second_factor_is_refused_everywhere(role):
    client = APIClient()
    client.force_login(factories.StaffFactory(role=role, with_totp=False))

    for method, path in ENDPOINTS:
        response = call(client, method, path)
        assert response.status_code == 403, (method, path)
        assert code(response) == "second_factor_required", (method, path)


@pytest.mark.parametrize("role", [*STAFF_ROLES, "resident"])
def test_read_write_token_with_second_factor_passes_authentication_everywhere(role):
    user = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role)
    client = token_client(factories.ApiTokenFactory(user=user, scope="read_write"))

    for method, path in ENDPOINTS:
        response = call(client, method, path)
        assert response.status_code != 401, (method, path)
        assert code(response) not in AUTH_REFUSALS, (method, path, response.content[:200])
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_read_only_token_may_read_and_may_not_write(role):
    staff = factories.StaffFactory(role=role)
    client = token_client(factories.ApiTokenFactory(user=staff, scope="read"))

    for method, path in ENDPOINTS:
        response = call(client, method, path)
        if method in UNSAFE or (method, path) in SENSITIVE:
            assert response.status_code == 403, (method, path)
            assert code(response) == "read_only_token", (method, path)
        else:
            assert code(response) not in AUTH_REFUSALS, (method, path)
    for method in UNSAFE:
        response = call(client, method, "/api/v1/me")
        assert (response.status_code, code(response)) == (403, "read_only_token")


def test_read_only_token_changes_nothing(dispatcher):
    from appeals.models import Appeal

    client = token_client(factories.ApiTokenFactory(user=dispatcher, scope="read"))
    before = Appeal.objects.count()

    response = client.post("/api/v1/appeals/hotline", {
        "area": 1, "title": "路灯不亮", "description": "一整条街", "address": "南城",
        "caller_name": "张三", "caller_phone": "13800138000",
    }, format="json")

    assert (response.status_code, code(response)) == (403, "read_only_token")
    assert Appeal.objects.count() == before


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_expired_token_is_refused_with_401(role):
    staff = factories.StaffFactory(role=role)
    token = factories.ApiTokenFactory(user=staff, lifetime=datetime.timedelta(days=1))
    client = token_client(token)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        for method, path in ENDPOINTS:
            response = call(client, method, path)
            assert response.status_code == 401, (method, path)
            assert code(response) == "authentication_failed"
            assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_revoked_token_is_refused_with_401(client, role):
    staff = factories.StaffFactory(role=role)
    token = factories.ApiTokenFactory(user=staff)
    api = token_client(token)
    assert api.get("/api/v1/me").status_code == 200
    sign_in(client, staff)

    client.post("/tokens/revoke", {"token": token.pk})

    assert not ApiToken.objects.exists()
    for method, path in ENDPOINTS:
        response = call(api, method, path)
        assert response.status_code == 401, (method, path)
        assert response["WWW-Authenticate"] == "Token"


def test_missing_and_malformed_tokens_answer_401_in_the_error_shape():
    client = APIClient()
    assert client.get("/api/v1/me").status_code == 401
    for header in ("Token", "Token a b", "Token mxb_not-a-token"):
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert set(response.json()["error"]) == {"code", "message", "fields", "request_id"}


def test_token_of_staff_with_second_factor_is_served(organiser):
    body = token_client(factories.ApiTokenFactory(user=organiser, scope="read")).get("/api/v1/me").json()
    assert body["roles"] == ["organiser"]


# --- The token page ------------------------------------------------------------------------


def test_token_page_lists_tokens_with_created_expiry_and_last_use(client, unit_staff):
    token = factories.ApiTokenFactory(user=unit_staff, name="统计脚本")
    token_client(token).get("/api/v1/me")
    other = factories.ApiTokenFactory(name="别人的令牌")
    sign_in(client, unit_staff)

    html = client.get("/tokens/").content.decode()

    assert "统计脚本" in html and "别人的令牌" not in html
    assert timezone.localtime(token.expiry).strftime("%Y-%m-%d") in html
    assert "从未使用" not in html
    assert token.secret not in html and other.secret not in html


def test_creating_a_token_shows_it_once(client, dispatcher):
    sign_in(client, dispatcher)

    response = client.post("/tokens/new", {"name": "派单看板", "scope": "read", "expiry_days": "90"})

    assert response.status_code == 201
    token = ApiToken.objects.get(user=dispatcher)
    assert (token.name, token.scope) == ("派单看板", "read")
    assert datetime.timedelta(days=89, hours=23) < token.expiry - token.created <= datetime.timedelta(days=90)
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert secret not in client.get("/tokens/").content.decode()
    assert token_client(type("T", (), {"secret": secret})).get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("data", [
    {"name": "", "scope": "read", "expiry_days": "30"},
    {"name": "x", "scope": "admin", "expiry_days": "30"},
    {"name": "x", "scope": "read", "expiry_days": "91"},
    {"name": "x", "scope": "read", "expiry_days": "0"},
])
def test_bad_token_request_creates_nothing(client, organiser, data):
    sign_in(client, organiser)
    response = client.post("/tokens/new", data)
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_creating_a_token_asks_for_the_second_factor_again_after_15_minutes(client, organiser):
    sign_in(client, organiser, minutes_ago=16)

    response = client.post("/tokens/new", {"name": "脚本", "scope": "read_write", "expiry_days": "7"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert not ApiToken.objects.exists()


def test_token_is_created_after_reauthenticating_with_the_second_factor(client, organiser):
    sign_in(client, organiser, minutes_ago=16)
    reauth = client.post("/tokens/new", {"name": "脚本", "scope": "read_write", "expiry_days": "7"})["Location"]

    response = client.post(reauth, {"code": totp_now()})

    assert ApiToken.objects.filter(user=organiser, name="脚本", scope="read_write").exists()
    assert response.status_code == 201


def test_resident_has_no_token_page(client, resident):
    sign_in(client, resident)
    assert client.get("/tokens/").status_code == 403
    assert client.post("/tokens/new", {"name": "x", "scope": "read", "expiry_days": "1"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_staff_without_second_factor_cannot_reach_the_token_page(client):
    sign_in(client, factories.StaffFactory(role="unit_staff", with_totp=False))
    assert client.get("/tokens/")["Location"] == "/accounts/2fa/totp/activate/"
    client.post("/tokens/new", {"name": "x", "scope": "read", "expiry_days": "1"})
    assert not ApiToken.objects.exists()


def test_one_cannot_revoke_someone_elses_token(client, unit_staff):
    other = factories.ApiTokenFactory()
    sign_in(client, unit_staff)

    client.post("/tokens/revoke", {"token": other.pk})

    assert ApiToken.objects.filter(pk=other.pk).exists()
