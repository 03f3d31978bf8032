"""One translation of refusals (portal.exceptions) into answers: every
status through each path — the error page, the htmx fragment, a form
error, the API's error body — with nothing mapped by hand in the views."""

import pytest

from tests.portal.refusal_urls import REFUSALS

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.refusal_urls")]

STATUS = {
    "invalid": 400,
    "permission_denied": 403,
    "not_found": 404,
    "conflict": 409,
    "rate_limited": 429,
    "service_unavailable": 503,
}
RETRY_AFTER = {"rate_limited": "42", "service_unavailable": "30"}


def test_every_refusal_class_carries_its_status_and_code():
    assert {kind: (make().status, make().code) for kind, make in REFUSALS.items()} == {
        kind: (status, kind) for kind, status in STATUS.items()
    }


@pytest.mark.parametrize("kind", STATUS)
def test_refusal_in_a_page_answers_the_error_page_with_its_status(client, kind):
    refusal = REFUSALS[kind]()

    response = client.get(f"/refuse/{kind}")

    assert response.status_code == STATUS[kind]
    assert response.templates[0].name == "portal/error.html"
    assert str(refusal.message) in response.content.decode()
    assert response.get("Retry-After") == RETRY_AFTER.get(kind)


@pytest.mark.parametrize("kind", STATUS)
def test_refusal_to_htmx_answers_a_fragment_with_its_status(client, kind):
    refusal = REFUSALS[kind]()

    response = client.get(f"/refuse/{kind}", headers={"HX-Request": "true"})

    assert response.status_code == STATUS[kind]
    assert [t.name for t in response.templates] == ["portal/_refusal.html"]
    body = response.content.decode()
    assert 'role="alert"' in body and str(refusal.message) in body and "<html" not in body
    assert response.get("Retry-After") == RETRY_AFTER.get(kind)


@pytest.mark.parametrize("kind", STATUS)
def test_refusal_in_the_api_answers_the_shared_error_body(client, kind):
    refusal = REFUSALS[kind]()

    response = client.get(f"/api/v1/refuse/{kind}")

    assert response.status_code == STATUS[kind]
    fields = {"name": [str(refusal.message)]} if refusal.field else {}
    assert response.json() == {"error": {"code": kind, "message": str(refusal.message), "fields": fields,
                                         "request_id": response["X-Request-ID"]}}
    assert response.get("Retry-After") == RETRY_AFTER.get(kind)


@pytest.mark.parametrize("kind", STATUS)
def test_page_refusal_asked_as_json_answers_the_shared_error_body(client, kind):
    response = client.get(f"/refuse/{kind}", headers={"Accept": "application/json"})

    assert response.status_code == STATUS[kind]
    assert response.json()["error"]["code"] == kind


@pytest.mark.parametrize("kind", ["invalid", "conflict"])
def test_refusal_of_the_input_becomes_the_forms_error(client, kind):
    refusal = REFUSALS[kind]()

    response = client.get(f"/refuse-form/{kind}")

    assert response.status_code == 400
    body = response.content.decode()
    if refusal.field:  # beside its field, else above the form
        assert f'<ul class="errorlist" id="id_name_error"><li>{refusal.message}</li></ul>' in body
    else:
        assert f'<ul class="errorlist nonfield"><li>{refusal.message}</li></ul>' in body
    assert "portal/error.html" not in [t.name for t in response.templates]


@pytest.mark.parametrize("kind", ["permission_denied", "not_found", "rate_limited", "service_unavailable"])
def test_refusal_of_the_request_in_a_form_view_answers_the_error_page(client, kind):
    response = client.get(f"/refuse-form/{kind}")

    assert response.status_code == STATUS[kind]
    assert response.templates[0].name == "portal/error.html"
