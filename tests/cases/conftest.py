import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests import factories


def jpeg_bytes(width=640, height=480, colour=(30, 90, 160)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def jpeg_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


@pytest.fixture
def campaign(db):
    return factories.CampaignFactory()


@pytest.fixture
def track(campaign):
    return campaign.tracks.get()


@pytest.fixture
def domain(campaign):
    return campaign.domains.get(name="社区服务")


@pytest.fixture
def staff_unit(unit_staff):
    return unit_staff.memberships.get().unit


@pytest.fixture
def other_staff(db):
    return factories.StaffFactory(role="unit_staff")


def complete_fields(campaign, **overrides) -> dict:
    fields = {
        "track": campaign.tracks.first(),
        "domain": campaign.domains.get(name="社区服务"),
        "title": "持续推进老旧小区改造加装电梯工作",
        "summary": "一梯一策破解上楼难。",
        "story": "街道、社区、业主三方协商。\n\n审批时间压缩到 30 天。",
        "results": "加装电梯 126 台，惠及 3,100 户。",
        "video_url": "https://v.example.cn/elevator",
        "contact_name": "王工",
        "contact_phone": "0769-22830000",
    }
    fields.update(overrides)
    return fields
