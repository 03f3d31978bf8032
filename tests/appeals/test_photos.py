"""Appeal photos are private: only the resident who filed the appeal and the
staff who may see it get them, through a view that checks; never by a public
media URL. Published case photos stay public files."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from appeals import services
from tests import factories
from tests.appeals.conftest import jpeg, part_of


@pytest.fixture
def photo(file_appeal):
    appeal = file_appeal(photos=[jpeg()])
    return appeal.photos.get()


@pytest.fixture
def handling_staff(world):
    return factories.StaffFactory(role="unit_staff", unit=world.bureau, with_totp=True)


def fetch(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_photo_is_stored_outside_the_public_media_folder(photo):
    stored = Path(photo.image.path)
    assert stored.is_file() and Path(photo.thumbnail.path).is_file()
    assert Path(settings.PRIVATE_MEDIA_ROOT) in stored.parents
    assert Path(settings.MEDIA_ROOT) not in stored.parents


def test_photo_urls_point_to_the_checking_view_not_to_media(photo):
    assert photo.url == reverse("appeals:photo", args=[photo.pk])
    assert photo.thumbnail_url == reverse("appeals:photo-thumbnail", args=[photo.pk])
    assert not photo.url.startswith(settings.MEDIA_URL)


def test_the_old_media_url_of_a_photo_is_not_served(client, photo):
    response = client.get(f"{settings.MEDIA_URL}{photo.image.name}")
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "other_resident", "unrelated_unit_staff"])
def test_photo_is_refused_to_whoever_may_not_see_the_appeal(client, world, photo, who):
    user = {
        "anonymous": None,
        "other_resident": factories.ResidentFactory(),
        "unrelated_unit_staff": factories.StaffFactory(role="unit_staff", unit=world.other, with_totp=True),
    }[who]
    for url in (photo.url, photo.thumbnail_url):
        response = fetch(client, user, url)
        assert response.status_code == 404
        assert b"\xff\xd8" not in b"".join(response.streaming_content if response.streaming else [response.content])


def test_resident_who_filed_the_appeal_gets_the_photo(client, resident, photo):
    response = fetch(client, resident, photo.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body == Path(photo.image.path).read_bytes()


def test_handling_unit_staff_and_dispatcher_get_the_photo(client, photo, handling_staff, dispatcher):
    for user in (handling_staff, dispatcher):
        client.force_login(user)
        response = client.get(photo.thumbnail_url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == Path(photo.thumbnail.path).read_bytes()


def test_tracking_and_staff_pages_link_the_checking_view(client, world, resident, photo, handling_staff):
    client.force_login(resident)
    page = client.get(reverse("appeals:track", args=[photo.appeal.tracking_number])).content.decode()
    assert photo.url in page and photo.thumbnail_url in page
    assert settings.MEDIA_URL not in page
    client.force_login(handling_staff)
    page = client.get(reverse("appeals:staff-detail", args=[photo.appeal.pk])).content.decode()
    assert photo.url in page and settings.MEDIA_URL not in page


def test_api_gives_the_checking_view_as_the_photo_url(client, resident, photo):
    client.force_login(resident)
    body = client.get(reverse("v1:appeals-track", args=[photo.appeal.tracking_number])).json()
    assert body["photos"][0]["url"].endswith(photo.url)
    assert body["photos"][0]["thumbnail"].endswith(photo.thumbnail_url)


def test_accel_redirect_mode_hands_the_file_to_nginx_without_a_body(client, settings, resident, photo):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    response = fetch(client, resident, photo.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{photo.image.name}"
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == b""


def test_accel_redirect_mode_still_refuses_other_residents(client, settings, photo):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    response = fetch(client, factories.ResidentFactory(), photo.url)
    assert response.status_code == 404
    assert not response.has_header("X-Accel-Redirect")


def test_resolution_photos_of_the_unit_are_private_too(client, world, resident, dispatched, handling_staff):
    part = part_of(dispatched, world.bureau)
    services.accept_part(actor=world.bureau_staff, work_order_id=part.pk)
    services.reply_to_appeal(actor=world.bureau_staff, work_order_id=part.pk, body="已到现场核查，安排维修人员处理。")
    services.resolve_appeal(actor=world.bureau_staff, work_order_id=part.pk, summary="井盖已更换，现场恢复正常。",
                            photos=[jpeg()])
    after = dispatched.photos.get(kind="after")
    assert fetch(client, factories.ResidentFactory(), after.url).status_code == 404
    assert fetch(client, resident, after.url).status_code == 200
    assert fetch(client, handling_staff, after.url).status_code == 200


def test_public_case_photos_stay_reachable_by_anyone(client, db):
    from cases.models import EntryImage
    from portal.images import process_upload

    processed = process_upload(jpeg("case.jpg"))
    image = EntryImage.objects.create(entry=factories.CaseEntryFactory(), position=0,
                                      image=processed.image, thumbnail=processed.thumbnail)
    assert image.thumbnail.url.startswith(settings.MEDIA_URL)
    response = client.get(image.thumbnail.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(image.thumbnail.path).read_bytes()
