"""Privacy per role: contact details and exact location, the logged views, the resident's timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appeals import services
from appeals.models import ContactView
from portal.exceptions import PermissionDeniedError
from tests import factories
from tests.appeals.conftest import part_of
from tests.signin import sign_in


def test_dispatcher_and_units_on_the_work_order_see_contact_and_each_view_is_logged(world, resident, dispatcher):
    appeal = services.file_appeal(resident=resident, **world.report(item_id=world.item_town.pk)).appeal
    for viewer in (dispatcher, world.town_staff, world.eco_staff):
        contact = services.reveal_contact(viewer=viewer, appeal_id=appeal.pk, reason="回访联系市民")
        assert (contact.name, contact.phone, contact.address) == ("陈女士", "13800138000", "测试镇测试路与示范街交叉口东北角")
        assert str(contact.latitude) == "23.020000"
    logged = list(ContactView.objects.order_by("pk").values_list("viewer", "viewer_unit", "via"))
    assert logged == [(dispatcher.pk, None, "page"), (world.town_staff.pk, world.town.pk, "page"),
                      (world.eco_staff.pk, world.eco.pk, "page")]


@pytest.mark.parametrize("who", ["organiser", "reviewer", "other_unit", "other_resident", "owner"])
def test_everyone_else_is_refused_and_nothing_is_logged(world, resident, dispatched, organiser, reviewer, who):
    viewer = {
        "organiser": organiser, "reviewer": reviewer, "other_unit": world.other_staff,
        "other_resident": factories.ResidentFactory(), "owner": resident,
    }[who]
    with pytest.raises(PermissionDeniedError) as info:
        services.reveal_contact(viewer=viewer, appeal_id=dispatched.pk, reason="回访联系市民")
    assert info.value.status == 403
    assert not ContactView.objects.exists()


def test_unit_loses_contact_access_after_returning(world, dispatched):
    part = part_of(dispatched, world.bureau)
    services.return_part(actor=world.bureau_staff, work_order_id=part.pk, reason="不属于本单位职责")
    with pytest.raises(PermissionDeniedError):
        services.reveal_contact(viewer=world.bureau_staff, appeal_id=dispatched.pk, reason="回访联系市民")
    # It keeps read access to the history of what it handled.
    assert world.bureau_staff.has_perm("appeals.view_staff_appeal", dispatched)


def test_staff_page_masks_contact_until_revealed(client, world, dispatched):
    sign_in(client, world.bureau_staff)
    page = client.get(reverse("appeals:staff-detail", args=[dispatched.pk])).content.decode()
    assert "138****8000" in page and "13800138000" not in page and "测试镇测试路与示范街交叉口东北角" not in page
    assert ContactView.objects.count() == 0
    revealed = client.post(reverse("appeals:contact", args=[dispatched.pk]), {"purpose": "site"}).content.decode()
    assert "13800138000" in revealed and "测试镇测试路与示范街交叉口东北角" in revealed
    assert ContactView.objects.count() == 1


def test_organiser_page_shows_no_contact_and_no_reveal_button(client, world, dispatched, organiser):
    sign_in(client, organiser)
    page = client.get(reverse("appeals:staff-detail", args=[dispatched.pk])).content.decode()
    assert "13800138000" not in page and reverse("appeals:contact", args=[dispatched.pk]) not in page
    assert client.post(reverse("appeals:contact", args=[dispatched.pk]), {"purpose": "site"}).status_code == 403
    assert ContactView.objects.count() == 0


def test_other_unit_cannot_open_the_staff_page(client, world, dispatched):
    client.force_login(world.other_staff)
    assert client.get(reverse("appeals:staff-detail", args=[dispatched.pk])).status_code == 404


def test_resident_cannot_read_another_residents_appeal(client, dispatched):
    client.force_login(factories.ResidentFactory())
    assert client.get(reverse("appeals:track", args=[dispatched.tracking_number])).status_code == 404
    assert client.get(f"/api/v1/appeals/track/{dispatched.tracking_number}").status_code == 404


def test_resident_timeline_has_no_internal_notes_or_staff_names(client, world, resident, dispatcher, dispatched):
    part = part_of(dispatched, world.bureau)
    services.add_internal_note(actor=world.bureau_staff, appeal_id=dispatched.pk, body="内部：产权不清需协调")
    services.accept_part(actor=world.bureau_staff, work_order_id=part.pk)
    services.reply_to_appeal(actor=world.bureau_staff, work_order_id=part.pk, body="已安排维修人员今天到场。")
    services.request_extension(actor=world.bureau_staff, work_order_id=part.pk, extra_working_days=2, reason="内部：等待配件")
    client.force_login(resident)
    page = client.get(reverse("appeals:track", args=[dispatched.tracking_number])).content.decode()
    assert "已安排维修人员今天到场。" in page and world.bureau.name in page
    for secret in ("内部：产权不清需协调", "内部：等待配件", str(world.bureau_staff), world.bureau_staff.email, str(dispatcher)):
        assert secret not in page
    data = client.get(f"/api/v1/appeals/track/{dispatched.tracking_number}").json()
    texts = " ".join(e["text"] + e["by"] for e in data["timeline"])
    assert "内部" not in texts and str(world.bureau_staff) not in texts
    assert {e["by"] for e in data["timeline"]} <= {"市民", "系统", "派单中心", world.bureau.name}


def test_staff_timeline_is_complete(client, world, dispatched):
    services.add_internal_note(actor=world.bureau_staff, appeal_id=dispatched.pk, body="内部：产权不清需协调")
    client.force_login(world.bureau_staff)
    page = client.get(reverse("appeals:staff-detail", args=[dispatched.pk])).content.decode()
    assert "内部：产权不清需协调" in page and str(world.bureau_staff) in page
