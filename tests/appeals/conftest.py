"""Fixtures of the appeals tests: a small city with units, staff, a catalogue
and a responsibility list, and helpers to file appeals through the services."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from appeals import services
from portal.enums import UnitLevel
from tests import factories


def jpeg(name: str = "photo.jpg", *, size=(640, 480), colour=(200, 40, 40), gps: bool = False) -> SimpleUploadedFile:
    picture = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (23.0, 1.0, 30.0), 3: "E", 4: (113.0, 45.0, 10.0)}
        picture.save(buffer, format="JPEG", exif=exif)
    else:
        picture.save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def fake_image(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 this is not a picture at all" * 20, content_type="image/jpeg")


@dataclass
class World:
    city: object
    town: object
    bureau: object
    eco: object
    other: object
    area: object
    area2: object
    item: object
    item_town: object
    item_manual: object
    item_unrouted: object
    town_staff: object
    bureau_staff: object
    eco_staff: object
    other_staff: object

    def report(self, **overrides) -> dict:
        data = {
            "idempotency_key": uuid.uuid4().hex,
            "item_id": self.item.pk,
            "area_id": self.area.pk,
            "title": "路口井盖缺失",
            "description": "测试路与示范街交叉口的井盖不见了，晚上很危险，请尽快处理。",
            "address": "测试镇测试路与示范街交叉口东北角",
            "latitude": "23.020000",
            "longitude": "113.750000",
            "contact_name": "陈女士",
            "contact_phone": "13800138000",
            "publish_consent": True,
        }
        data.update(overrides)
        return data


@pytest.fixture
def world(db) -> World:
    city = factories.UnitFactory(name="测试市人民政府", level=UnitLevel.CITY)
    town = factories.UnitFactory(name="测试镇人民政府", parent=city)
    bureau = factories.UnitFactory(name="测试市城市管理局", parent=city)
    eco = factories.UnitFactory(name="测试市生态环境局", parent=city)
    other = factories.UnitFactory(name="无关单位", parent=city)
    area = factories.AreaFactory(name="测试镇", unit=town)
    area2 = factories.AreaFactory(name="示范镇")
    category = factories.AppealCategoryFactory(code="CG", name="城市管理")
    item = factories.AppealItemFactory(category=category, code="CG-01", name="井盖缺失", deadline_value=3)
    item_town = factories.AppealItemFactory(category=category, code="CG-02", name="夜间施工噪音",
                                            default_urgency="urgent", deadline_value=24, deadline_unit="hours")
    item_manual = factories.AppealItemFactory(category=category, code="CG-03", name="拖欠工资")
    item_unrouted = factories.AppealItemFactory(category=category, code="CG-04", name="其他问题")
    factories.ResponsibilityFactory(item=item, area=None, primary_unit=bureau)
    factories.ResponsibilityFactory(item=item_town, area=None, primary_unit=bureau)
    factories.ResponsibilityFactory(item=item_town, area=area, primary_unit=town, co_units=[eco])
    factories.ResponsibilityFactory(item=item_manual, area=None, primary_unit=bureau, auto_dispatch=False)
    return World(
        city=city, town=town, bureau=bureau, eco=eco, other=other, area=area, area2=area2, item=item,
        item_town=item_town, item_manual=item_manual, item_unrouted=item_unrouted,
        town_staff=factories.StaffFactory(role="unit_staff", unit=town),
        bureau_staff=factories.StaffFactory(role="unit_staff", unit=bureau),
        eco_staff=factories.StaffFactory(role="unit_staff", unit=eco),
        other_staff=factories.StaffFactory(role="unit_staff", unit=other),
    )


@pytest.fixture
def file_appeal(world, resident):
    """Files an appeal for `resident` (or `by=`) through the service; one waiting for
    moderation is published as redacted by a moderator unless `moderated=False`."""

    def make(by=None, photos=(), moderated=True, **overrides):
        appeal = services.file_appeal(resident=by or resident, photos=photos, **world.report(**overrides)).appeal
        return approve(appeal) if moderated else appeal

    return make


@pytest.fixture
def unrouted(file_appeal, world):
    """An appeal waiting in the dispatch centre (no routing for its item)."""
    return file_appeal(item_id=world.item_unrouted.pk)


@pytest.fixture
def dispatched(file_appeal, world):
    """An appeal routed automatically to the bureau (primary, no co-handlers)."""
    return file_appeal()


def approve(appeal):
    """A moderator publishes the automatic redaction as it is (the system actor)."""
    appeal.refresh_from_db()
    if appeal.moderation != "pending":
        return appeal
    return services.moderate_appeal(
        actor=None, appeal_id=appeal.pk, publish=True, title=appeal.public_title, description=appeal.public_description,
    )


def part_of(appeal, unit):
    return appeal.work_orders.filter(unit=unit).order_by("-pk").first()


def work_through(appeal, staff, unit, *, reply="已到现场核查，安排维修人员处理。", summary="井盖已更换，现场恢复正常，已回访反映人。"):
    """Accept, reply and resolve the unit's part through the services."""
    part = part_of(appeal, unit)
    if part.state == "dispatched":
        services.accept_part(actor=staff, work_order_id=part.pk)
    services.reply_to_appeal(actor=staff, work_order_id=part.pk, body=reply)
    services.resolve_appeal(actor=staff, work_order_id=part.pk, summary=summary)
    appeal.refresh_from_db()
    return appeal


@pytest.fixture
def resolved(world, dispatched):
    """An appeal of `resident` resolved by the bureau (primary)."""
    return work_through(dispatched, world.bureau_staff, world.bureau)
