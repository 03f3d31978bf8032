"""Addresses no page or API can use: a NUL character, numbers that are not
ids, page sizes without end. Each is answered with a clear 4xx (or ignored
where the filter is optional), never a server error."""

from __future__ import annotations

import pytest

from portal.parsing import positive_int
from tests import factories


@pytest.mark.parametrize("value, number", [
    ("12", 12), (" 7 ", 7), (12, 12), ("0", None), ("-3", None), ("²", None), ("١٢", None), ("1_000", None),
    ("9" * 18, int("9" * 18)), ("9" * 19, None), ("9" * 5000, None), ("", None), (None, None), ("abc", None),
])
def test_positive_int_reads_only_plain_ids(value, number):
    assert positive_int(value) == number


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/appeals/wall/%00/", "/appeals/picker/?q=%00", "/board/?q=a%00b", "/appeals/wall/?%00=1",
])
def test_a_nul_character_in_a_page_address_is_refused(client, url):
    response = client.get(url)
    assert response.status_code == 400 and "地址中含有不能使用的字符" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/appeals/public/%00", "/api/v1/units?ordering=%00"])
def test_a_nul_character_in_an_api_address_is_refused_in_the_api_format(client, url):
    response = client.get(url)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize("url, kind", [
    ("/open311/v2/services/%00.json", "json"), ("/open311/v2/requests/%00.xml", "xml"),
    ("/open311/v2/tokens/%00.json", "json"), ("/open311/v2/requests.json?api_key=%00", "json"),
    ("/open311/v2/requests.xml?service_code=%00", "xml"),
])
def test_a_nul_character_in_an_open311_address_gets_the_open311_error(client, url, kind):
    response = client.get(url)
    assert response.status_code == 400
    if kind == "json":
        assert response.json() == [{"code": 400, "description": "the address contains a NUL character (%00)"}]
    else:
        assert "<errors><error><code>400</code>" in response.content.decode()


@pytest.mark.django_db
def test_an_api_page_is_at_most_two_hundred_rows(client):
    factories.UnitFactory.create_batch(205)
    for limit in ("99999999999999999999", "1000"):  # the first was a server error (bigint out of range)
        response = client.get(f"/api/v1/units?limit={limit}")
        assert response.status_code == 200 and len(response.json()["results"]) == 200
