import pytest
from django.test import Client

from demo import portal as portal_demo
from portal.models import User
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

STATUS_WORDS = {"已验证", "未验证", "市民", "单位", "主办方", "派单员", "评审专家"}


def test_demo_accounts_are_named_as_people_not_by_their_status():
    seeded = portal_demo.seed()
    for user in seeded["accounts"].values():
        assert user.display_name
        assert user.display_name not in STATUS_WORDS
    resident = seeded["accounts"]["resident@demo.minxinbang.cn"]
    assert resident.display_name == "陈女士"


def test_the_demo_resident_is_greeted_by_name_and_the_appeal_form_prefills_it():
    resident = portal_demo.seed()["accounts"]["resident@demo.minxinbang.cn"]
    client = Client()
    sign_in(client, resident)
    home = client.get("/").content.decode()
    assert "你好，陈女士" in home
    assert "你好，已验证" not in home
    form = client.get("/appeals/new/").content.decode()
    assert 'name="contact_name" value="陈女士"' in form


def test_seeding_again_renames_a_resident_named_by_an_earlier_seed_for_the_status():
    User.objects.create_user(email="resident@demo.minxinbang.cn", password="x", display_name="已验证")
    resident = portal_demo.seed()["accounts"]["resident@demo.minxinbang.cn"]
    resident.refresh_from_db()
    assert resident.display_name == "陈女士"
