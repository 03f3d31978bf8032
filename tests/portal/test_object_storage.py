"""Uploads on S3-compatible object storage (MEDIA_STORAGE=s3), against a real
S3 server on this machine: moto in server mode on a free port.

Public files (case photos) are public-read objects anyone can fetch;
private ones (appeal photos) are private objects in their own bucket that
only a signed URL reaches, and only the permission-checking view hands one
out. moto refuses an unsigned read of a private object, but it checks
neither the signature nor the expiry of a signed URL (moto 5.2.5; real S3,
MinIO, OSS and OBS do), so expiry is asserted as the URL the portal signs.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from django.core.files.storage import default_storage, storages
from django.urls import reverse
from PIL import Image

from appeals.models import AppealPhoto
from cases.models import CaseEntry, EntryImage
from portal import backups
from portal import settings as portal_settings
from tests import factories
from tests.appeals.conftest import jpeg, world  # noqa: F401 (a fixture)
from tests.cases.conftest import campaign, complete_fields  # noqa: F401 (a fixture)

PUBLIC = "portal-media"
PRIVATE = "portal-private"
KEY, SECRET = "portal-test", "portal-test-secret"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY,
                          aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket=PUBLIC)
    client.create_bucket(Bucket=PRIVATE)
    yield endpoint
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    """The portal configured as the README says (MEDIA_STORAGE=s3 and the
    AWS_* variables), read through portal.settings.s3_settings."""
    env = {
        "MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": PUBLIC, "AWS_PRIVATE_STORAGE_BUCKET_NAME": PRIVATE,
        "AWS_S3_ENDPOINT_URL": s3_endpoint, "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    public, private, _origins = portal_settings.s3_settings()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": public},
        "private": {"BACKEND": "portal.objectstorage.PrivateS3Storage", "OPTIONS": private},
    }
    # The photo fields took their storage when the models were imported.
    for name in ("image", "thumbnail"):
        monkeypatch.setattr(AppealPhoto._meta.get_field(name), "storage", storages["private"])
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id=KEY,
                        aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}))


def fetch(url: str) -> tuple[int, bytes]:
    """An anonymous GET straight to the storage server (no credentials)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, b""


def keys(client, bucket: str) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_a_case_photo_sent_through_the_form_is_a_public_object(client, s3, unit_staff, campaign):  # noqa: F811
    client.force_login(unit_staff)
    data = complete_fields(campaign)
    data |= {"track": data["track"].pk, "domain": data["domain"].pk, "action": "draft",
             "images": [jpeg("case.jpg")]}
    response = client.post(reverse("cases:entry-new", kwargs={"slug": campaign.slug}), data)
    assert response.status_code == 302
    image = CaseEntry.objects.get().images.get()
    assert image.image.name in keys(s3, PUBLIC)
    assert image.thumbnail.name in keys(s3, PUBLIC)
    assert not keys(s3, PRIVATE) or image.image.name not in keys(s3, PRIVATE)
    # Anyone reaches it at its plain URL, straight from the bucket.
    url = image.thumbnail.url
    assert url.startswith(f"{s3.meta.endpoint_url}/{PUBLIC}/") and "Signature" not in url
    status, body = fetch(url)
    assert status == 200
    assert Image.open(io.BytesIO(body)).format == "JPEG"


def test_an_appeal_photo_sent_through_the_form_is_a_private_object(client, s3, world, resident):  # noqa: F811
    client.force_login(resident)
    data = {"item": world.item.pk, "area": world.area.pk, "title": "路口井盖缺失",
            "description": "测试路与示范街交叉口的井盖不见了，晚上很危险。", "address": "测试镇测试路1号",
            "latitude": "", "longitude": "", "contact_name": "陈女士", "contact_phone": "13800138000",
            "publish_consent": "on", "idempotency_key": "object-storage-1", "photos": [jpeg()]}
    assert client.post(reverse("appeals:new"), data).status_code == 302
    photo = AppealPhoto.objects.get()
    stored = keys(s3, PRIVATE)
    assert photo.image.name in stored and photo.thumbnail.name in stored
    assert photo.image.name not in keys(s3, PUBLIC)
    # Never readable without a signature.
    assert fetch(f"{s3.meta.endpoint_url}/{PRIVATE}/{photo.image.name}")[0] == 403


@pytest.fixture
def private_photo(s3, world, resident):  # noqa: F811
    from appeals import services

    report = world.report()
    appeal = services.file_appeal(resident=resident, photos=[jpeg()], **report).appeal
    return appeal.photos.get()


def test_the_checking_view_redirects_its_reader_to_a_signed_url_that_expires(client, s3, resident, private_photo,
                                                                           settings):
    client.force_login(resident)
    response = client.get(reverse("appeals:photo", args=[private_photo.pk]))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    assert signed.startswith(f"{s3.meta.endpoint_url}/{PRIVATE}/")
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == [str(settings.PRIVATE_MEDIA_URL_SECONDS)]
    assert query["X-Amz-Signature"]
    status, body = fetch(signed)
    assert status == 200
    assert Image.open(io.BytesIO(body)).format == "JPEG"
    thumbnail = client.get(reverse("appeals:photo-thumbnail", args=[private_photo.pk]))
    assert thumbnail.status_code == 302 and fetch(thumbnail["Location"])[0] == 200


@pytest.mark.parametrize("who", ["anonymous", "other resident"])
def test_the_checking_view_gives_no_signed_url_to_anyone_else(client, s3, private_photo, who):
    if who == "other resident":
        client.force_login(factories.ResidentFactory())
    response = client.get(reverse("appeals:photo", args=[private_photo.pk]))
    assert response.status_code in (302, 404)
    assert PRIVATE not in response.get("Location", "")


def test_a_private_object_cannot_be_fetched_with_a_made_up_or_altered_signature(s3, private_photo):
    url = storages["private"].url(private_photo.image.name)
    other = url.replace(private_photo.image.name, private_photo.thumbnail.name)
    # moto checks no signature: the object stays private because it is
    # private, which is what an altered URL falls back to on real S3.
    assert fetch(url.split("?")[0])[0] == 403
    assert fetch(other.split("?")[0])[0] == 403


def test_the_share_poster_reads_its_cover_from_the_bucket(client, s3, campaign):  # noqa: F811
    from portal.images import process_upload

    processed = process_upload(jpeg("cover.jpg"))
    entry = factories.CaseEntryFactory(campaign=campaign)
    EntryImage.objects.create(entry=entry, position=0, image=processed.image, thumbnail=processed.thumbnail)
    assert default_storage.exists(entry.images.get().image.name)
    response = client.get(reverse("cases:poster", kwargs={"pk": entry.pk}))
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_backups_name_the_object_storages_they_do_not_copy(s3):
    assert backups.object_storages() == ["default: S3Storage", "private: PrivateS3Storage"]


def test_the_private_storage_refuses_to_be_configured_public(s3_endpoint, monkeypatch):
    from portal.objectstorage import PrivateS3Storage

    with pytest.raises(ValueError):
        PrivateS3Storage(bucket_name=PRIVATE, endpoint_url=s3_endpoint, default_acl="public-read")
