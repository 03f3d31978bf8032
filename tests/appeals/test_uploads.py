"""Hostile uploads on the appeal intake (page and API): each is refused with
a clear error and nothing is stored."""

from __future__ import annotations

import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from appeals.models import Appeal, AppealPhoto
from tests.appeals.conftest import jpeg
from tests.appeals.test_api import body
from tests.appeals.test_views import form_data


def _png(size, mode="1", name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _nothing_stored():
    assert Appeal.objects.count() == 0 and AppealPhoto.objects.count() == 0


def _api(resident):
    api = APIClient()
    api.force_authenticate(resident)
    return api


def test_a_decompression_bomb_among_the_photos_is_refused_by_the_page(client, world, resident):
    client.force_login(resident)
    response = client.post(reverse("appeals:new"), {**form_data(world), "photos": [jpeg(), _png((7500, 7500))]})
    assert response.status_code == 200 and "第 2 张照片" in response.content.decode()
    assert "万像素" in response.content.decode()
    _nothing_stored()


def test_a_decompression_bomb_is_refused_by_the_api(world, resident):
    response = _api(resident).post("/api/v1/appeals/", {**body(world), "photos": [_png((7500, 7500))]},
                                   format="multipart", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 400 and response.json()["error"]["code"] == "image_too_big"
    _nothing_stored()


def test_an_image_lying_about_its_type_is_refused(world, resident):
    svg = SimpleUploadedFile("photo.jpg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                             content_type="image/jpeg")
    response = _api(resident).post("/api/v1/appeals/", {**body(world), "photos": [svg]}, format="multipart",
                                   HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_an_image"
    _nothing_stored()


def test_photos_over_the_request_budget_are_refused_together(world, resident, settings):
    settings.PORTAL_IMAGE_REQUEST_PIXELS = 1_000_000
    photos = [_png((800, 800), "RGB", f"p{n}.png") for n in range(2)]
    response = _api(resident).post("/api/v1/appeals/", {**body(world), "photos": photos}, format="multipart",
                                   HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 400 and response.json()["error"]["code"] == "images_too_big"
    _nothing_stored()


def test_more_than_nine_photos_are_refused(world, resident):
    photos = [jpeg(f"p{n}.jpg", size=(40, 40)) for n in range(10)]
    response = _api(resident).post("/api/v1/appeals/", {**body(world), "photos": photos}, format="multipart",
                                   HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    # The body's schema states the limit (maxItems), so the API refuses it there, naming the field.
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["photos"]
    _nothing_stored()


def test_a_flood_of_files_is_refused_before_it_is_parsed(client, world, resident):
    client.force_login(resident)
    photos = [jpeg(f"p{n}.jpg", size=(8, 8)) for n in range(25)]
    response = client.post(reverse("appeals:new"), {**form_data(world), "photos": photos})
    assert response.status_code == 400
    _nothing_stored()


def test_an_oversized_request_is_refused_with_413_before_it_is_read(client, world, resident, settings):
    settings.PORTAL_REQUEST_MAX_BYTES = 1024 * 1024
    client.force_login(resident)
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (2 * 1024 * 1024), content_type="image/jpeg")
    page = client.post(reverse("appeals:new"), {**form_data(world), "photos": [big]})
    assert page.status_code == 413 and "一次最多 1 MB" in page.content.decode()
    big.seek(0)
    api = _api(resident).post("/api/v1/appeals/", {**body(world), "photos": [big]}, format="multipart",
                              HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert api.status_code == 413 and api.json()["error"]["code"] == "request_too_large"
    _nothing_stored()


def test_a_flood_of_files_to_the_api_is_refused_in_the_api_format(world, resident):
    # Found by schemathesis: Django's own 400 page (HTML) answered the API before any view ran.
    photos = [jpeg(f"p{n}.jpg", size=(8, 8)) for n in range(25)]
    response = _api(resident).post("/api/v1/appeals/", {**body(world), "photos": photos}, format="multipart",
                                   HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "invalid" and response.json()["error"]["message"]
    _nothing_stored()
