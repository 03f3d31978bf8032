"""Pages: the board, case pages, posters, units' forms, screening, exports."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from cases.enums import EntryAction, EntryState, PhaseKind
from cases.models import CaseEntry, EntryEvent, EntryImage
from portal.enums import UnitLevel
from tests import factories
from tests.cases.conftest import complete_fields, jpeg_upload
from tests.signin import sign_in

pytestmark = pytest.mark.django_db


def board_cases(campaign, n, **kwargs):
    entries = []
    for i in range(n):
        entry = factories.CaseEntryFactory(campaign=campaign, domain=campaign.domains.all()[i % 9], **kwargs)
        EntryImage.objects.create(entry=entry, position=0, image=f"cases/{i}.jpg", thumbnail=f"cases/{i}_thumb.jpg")
        EntryImage.objects.create(entry=entry, position=1, image=f"cases/{i}b.jpg", thumbnail=f"cases/{i}b_thumb.jpg")
        entries.append(entry)
    return entries


@pytest.mark.parametrize("n", [1, 80])
def test_board_renders_with_a_constant_number_of_queries(client, campaign, django_assert_max_num_queries, n):
    board_cases(campaign, n)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("cases:board"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == n


def test_a_refused_board_filter_is_named_and_the_others_still_apply(client, campaign):
    factories.CaseEntryFactory(campaign=campaign, title="持续推进老旧小区改造加装电梯工作")
    factories.CaseEntryFactory(campaign=campaign, title="为城市美容师延长亮灯20分钟")
    response = client.get(reverse("cases:board"), {"q": "电梯", "domain": "999999"})
    html = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in html and "领域：" in html
    assert [e.title for e in response.context["entries"]] == ["持续推进老旧小区改造加装电梯工作"]  # the search still applies


def test_board_shows_only_accepted_cases(client, campaign):
    shown = factories.CaseEntryFactory(campaign=campaign, title="已上榜的案例")
    for state in (EntryState.DRAFT, EntryState.SUBMITTED, EntryState.REJECTED, EntryState.WITHDRAWN):
        factories.CaseEntryFactory(campaign=campaign, state=state, title=f"不应出现{state}")
    html = client.get(reverse("cases:board")).content.decode()
    assert shown.title in html and "不应出现" not in html


def test_search_in_chinese_finds_a_word_inside_the_title(client, campaign):
    factories.CaseEntryFactory(campaign=campaign, title="持续推进老旧小区改造加装电梯工作")
    factories.CaseEntryFactory(campaign=campaign, title="为城市美容师延长亮灯20分钟")
    response = client.get(reverse("cases:board"), {"q": "电梯"})
    assert [e.title for e in response.context["entries"]] == ["持续推进老旧小区改造加装电梯工作"]


def test_search_matches_unit_and_summary(client, campaign):
    unit = factories.UnitFactory(name="东莞市税务局")
    factories.CaseEntryFactory(campaign=campaign, unit=unit, title="码上办")
    factories.CaseEntryFactory(campaign=campaign, title="其他", summary="热线座席扩容至300席")
    assert [e.title for e in client.get(reverse("cases:board"), {"q": "税务"}).context["entries"]] == ["码上办"]
    assert [e.title for e in client.get(reverse("cases:board"), {"q": "座席"}).context["entries"]] == ["其他"]


def test_filters_by_domain_and_unit_level(client, campaign):
    town = factories.UnitFactory(level=UnitLevel.TOWN)
    city = factories.UnitFactory(level=UnitLevel.CITY)
    education = campaign.domains.get(name="教育")
    factories.CaseEntryFactory(campaign=campaign, unit=town, domain=education, title="镇教育")
    factories.CaseEntryFactory(campaign=campaign, unit=city, domain=education, title="市教育")
    factories.CaseEntryFactory(campaign=campaign, unit=city, domain=campaign.domains.get(name="交通"), title="市交通")
    titles = lambda params: sorted(e.title for e in client.get(reverse("cases:board"), params).context["entries"])  # noqa: E731
    assert titles({"domain": education.pk}) == ["市教育", "镇教育"]
    assert titles({"level": UnitLevel.CITY}) == ["市交通", "市教育"]
    assert titles({"domain": education.pk, "level": UnitLevel.TOWN}) == ["镇教育"]


def test_sort_by_votes_once_voting_has_started(client):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase=PhaseKind.VOTING))
    factories.CaseEntryFactory(campaign=campaign, title="少", vote_count=5)
    factories.CaseEntryFactory(campaign=campaign, title="多", vote_count=500)
    response = client.get(reverse("cases:campaign-board", kwargs={"slug": campaign.slug}), {"sort": "votes"})
    assert [e.title for e in response.context["entries"]] == ["多", "少"]
    assert "500 票" in response.content.decode()


def test_htmx_filter_returns_only_the_results(client, campaign):
    factories.CaseEntryFactory(campaign=campaign, title="加装电梯")
    response = client.get(reverse("cases:board"), {"q": "电梯"}, headers={"HX-Request": "true", "HX-Target": "board-results"})
    assert "<html" not in response.content.decode() and "加装电梯" in response.content.decode()


def test_case_page_has_open_graph_meta_and_gallery(client, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign)
    first = factories.EntryImageFactory(entry=entry, position=0)  # with their files in storage
    factories.EntryImageFactory(entry=entry, position=1)
    html = client.get(reverse("cases:case", kwargs={"pk": entry.pk})).content.decode()
    assert f'<meta property="og:title" content="{entry.title}">' in html
    assert f'<meta property="og:image" content="http://testserver{first.image.url}">' in html
    assert '<meta property="og:description"' in html
    assert html.count('class="gallery-item"') == 2
    assert entry.contact_phone not in html  # contact is private


def test_case_page_of_an_entry_not_on_the_board_is_not_found_for_the_public(client, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED)
    assert client.get(reverse("cases:case", kwargs={"pk": entry.pk})).status_code == 404
    assert client.get(reverse("cases:poster", kwargs={"pk": entry.pk})).status_code == 404


def test_share_poster_is_a_png_with_a_qr_code(client, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, title="持续推进老旧小区改造加装电梯工作")
    response = client.get(reverse("cases:poster", kwargs={"pk": entry.pk}))
    assert response["Content-Type"] == "image/png"
    poster = Image.open(io.BytesIO(response.content))
    assert poster.size == (750, 1334)
    # The QR code's quiet zone and dark modules sit in the bottom-left block.
    qr = poster.crop((48, 1334 - 260 - 120, 48 + 260, 1334 - 120)).convert("L")
    assert set(qr.get_flattened_data()) >= {0, 255}


def _shows_photo(png: bytes) -> bool:
    """Whether the poster shows the factory's photo (plain blue, 30/90/160)
    where it draws a case's photo, below the header."""
    area = Image.open(io.BytesIO(png)).convert("RGB").crop((300, 250, 450, 350)).get_flattened_data()
    return any(abs(r - 30) < 8 and abs(g - 90) < 8 and abs(b - 160) < 8 for r, g, b in area)


def test_share_poster_draws_the_case_photo(client, campaign):
    photo = factories.EntryImageFactory(entry=factories.CaseEntryFactory(campaign=campaign), position=0)
    response = client.get(reverse("cases:poster", kwargs={"pk": photo.entry.pk}))
    assert response.status_code == 200
    assert _shows_photo(response.content)


def test_share_poster_is_drawn_without_the_photo_when_its_file_is_missing(client, campaign):
    photo = factories.EntryImageFactory(entry=factories.CaseEntryFactory(campaign=campaign), position=0)
    photo.image.storage.delete(photo.image.name)
    response = client.get(reverse("cases:poster", kwargs={"pk": photo.entry.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (750, 1334)
    assert not _shows_photo(response.content)


def test_share_poster_is_drawn_without_the_photo_when_its_file_is_not_an_image(client, campaign):
    photo = factories.EntryImageFactory(entry=factories.CaseEntryFactory(campaign=campaign), position=0)
    with photo.image.storage.open(photo.image.name, "wb") as handle:
        handle.write(b"not a picture")
    response = client.get(reverse("cases:poster", kwargs={"pk": photo.entry.pk}))
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_share_poster_shows_the_photo_again_once_its_file_is_back(client, campaign):
    photo = factories.EntryImageFactory(entry=factories.CaseEntryFactory(campaign=campaign), position=0)
    content = photo.image.storage.open(photo.image.name, "rb").read()
    photo.image.storage.delete(photo.image.name)
    url = reverse("cases:poster", kwargs={"pk": photo.entry.pk})
    assert not _shows_photo(client.get(url).content)
    photo.image.storage.save(photo.image.name, io.BytesIO(content))
    assert _shows_photo(client.get(url).content)


def test_share_poster_costs_no_storage_lookup_once_drawn_with_its_photo(client, campaign, monkeypatch):
    """On object storage an existence check is a request to the bucket: a
    poster that shows its photo is served from the cache without one."""
    photo = factories.EntryImageFactory(entry=factories.CaseEntryFactory(campaign=campaign), position=0)
    url = reverse("cases:poster", kwargs={"pk": photo.entry.pk})
    first = client.get(url)

    def no_lookup(name):
        raise AssertionError(f"storage asked whether {name} exists")

    monkeypatch.setattr(photo.image.storage, "exists", no_lookup)
    second = client.get(url)
    assert second.status_code == 200 and second.content == first.content


def test_poster_falls_back_without_a_cjk_font(client, campaign, settings, monkeypatch):
    from cases import posters

    monkeypatch.setattr(posters, "FONT_CANDIDATES", [])
    posters.font.cache_clear()
    try:
        entry = factories.CaseEntryFactory(campaign=campaign)
        response = client.get(reverse("cases:poster", kwargs={"pk": entry.pk}))
        assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
    finally:
        posters.font.cache_clear()


# --- Units' pages ---------------------------------------------------------------


def test_unit_staff_creates_and_submits_through_the_form(client, unit_staff, campaign):
    client.force_login(unit_staff)
    data = complete_fields(campaign)
    data |= {"track": data["track"].pk, "domain": data["domain"].pk, "action": "submit",
             "images": [jpeg_upload("a.jpg"), jpeg_upload("b.jpg")]}
    response = client.post(reverse("cases:entry-new", kwargs={"slug": campaign.slug}), data)
    entry = CaseEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:entry", kwargs={"pk": entry.pk})
    assert entry.state == EntryState.SUBMITTED and entry.images.count() == 2


def form_data(campaign, **overrides):
    data = complete_fields(campaign)
    data |= {"track": data["track"].pk, "domain": data["domain"].pk, "action": "draft"}
    data.update(overrides)
    return data


def test_forged_unit_in_the_form_is_refused(client, unit_staff, other_staff, campaign):
    client.force_login(unit_staff)
    response = client.post(reverse("cases:entry-new", kwargs={"slug": campaign.slug}),
                           form_data(campaign, unit=other_staff.memberships.get().unit.pk))
    assert response.status_code == 403
    assert not CaseEntry.objects.exists()


def test_script_in_the_story_shows_an_error_in_the_form(client, unit_staff, campaign):
    client.force_login(unit_staff)
    response = client.post(reverse("cases:entry-new", kwargs={"slug": campaign.slug}),
                           form_data(campaign, story="<script>alert(1)</script>"))
    assert response.status_code == 200
    assert "不安全的代码" in response.content.decode()
    assert not CaseEntry.objects.exists()


def test_fake_image_shows_an_error_in_the_form(client, unit_staff, campaign):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(unit_staff)
    fake = SimpleUploadedFile("photo.jpg", b"plain text", content_type="image/jpeg")
    response = client.post(reverse("cases:entry-new", kwargs={"slug": campaign.slug}), form_data(campaign, images=[fake]))
    assert "这不是有效的图片文件" in response.content.decode()
    assert not CaseEntry.objects.exists()


def test_missing_title_shows_a_field_error(client, unit_staff, campaign):
    client.force_login(unit_staff)
    response = client.post(reverse("cases:entry-new", kwargs={"slug": campaign.slug}), form_data(campaign, title=""))
    assert response.status_code == 200 and response.context["form"].errors["title"]
    assert not CaseEntry.objects.exists()


def test_editing_another_units_entry_by_forged_id_is_forbidden(client, unit_staff, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.DRAFT, title="别人的")
    client.force_login(unit_staff)
    assert client.get(reverse("cases:entry-edit", kwargs={"pk": entry.pk})).status_code == 403
    assert client.post(reverse("cases:entry-edit", kwargs={"pk": entry.pk}), form_data(campaign, title="改")).status_code == 403
    assert client.post(reverse("cases:entry-action", kwargs={"pk": entry.pk, "action": "withdraw"})).status_code == 403
    entry.refresh_from_db()
    assert (entry.title, entry.state) == ("别人的", EntryState.DRAFT)


def test_new_entry_outside_the_call_redirects_with_the_dates(client, unit_staff):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase=PhaseKind.VOTING))
    client.force_login(unit_staff)
    response = client.get(reverse("cases:entry-new", kwargs={"slug": campaign.slug}), follow=True)
    assert "案例征集期为" in response.content.decode()


def test_unit_sees_the_rejection_reason(client, unit_staff, campaign):
    unit = unit_staff.memberships.get().unit
    entry = factories.CaseEntryFactory(campaign=campaign, unit=unit, state=EntryState.REJECTED, screening_note="创新性不足")
    client.force_login(unit_staff)
    assert "创新性不足" in client.get(reverse("cases:entry", kwargs={"pk": entry.pk})).content.decode()
    assert entry.title in client.get(reverse("cases:mine")).content.decode()


def test_pages_need_the_right_role(client, resident, campaign):
    assert client.get(reverse("cases:mine")).status_code == 302  # sign in first
    client.force_login(resident)
    assert client.get(reverse("cases:mine")).status_code == 403
    assert client.get(reverse("cases:screening", kwargs={"slug": campaign.slug})).status_code == 403


# --- Screening ------------------------------------------------------------------


def test_screening_list_counts_per_state_and_filters(client, organiser, campaign, django_assert_max_num_queries):
    for state, n in [(EntryState.SUBMITTED, 3), (EntryState.ACCEPTED, 2), (EntryState.REJECTED, 1), (EntryState.DRAFT, 4)]:
        for _ in range(n):
            factories.CaseEntryFactory(campaign=campaign, state=state)
    client.force_login(organiser)
    url = reverse("cases:screening", kwargs={"slug": campaign.slug})
    with django_assert_max_num_queries(20):
        response = client.get(url, {"state": EntryState.SUBMITTED})
    counts = {value: n for value, _label, n in response.context["counts"]}
    assert counts == {"submitted": 3, "changes_requested": 0, "accepted": 2, "rejected": 1, "withdrawn": 0}
    assert len(response.context["entries"]) == 3


def test_bulk_accept_from_the_screening_page(client, organiser, campaign):
    entries = [factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED) for _ in range(2)]
    client.force_login(organiser)
    url = reverse("cases:screening", kwargs={"slug": campaign.slug})
    response = client.post(url, {"entries": [e.pk for e in entries], "decision": EntryAction.ACCEPT}, follow=True)
    assert "已对 2 个案例执行" in response.content.decode()
    assert CaseEntry.objects.filter(state=EntryState.ACCEPTED).count() == 2
    assert EntryEvent.objects.filter(action=EntryAction.ACCEPT, actor=organiser).count() == 2


def test_reject_without_reason_on_the_page_changes_nothing(client, organiser, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED)
    client.force_login(organiser)
    response = client.post(reverse("cases:screen", kwargs={"pk": entry.pk}), {"decision": EntryAction.REJECT})
    assert "必须写明原因" in response.content.decode()
    assert CaseEntry.objects.get(pk=entry.pk).state == EntryState.SUBMITTED


def test_screening_by_unit_staff_via_the_page_is_forbidden(client, unit_staff, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED)
    client.force_login(unit_staff)
    assert client.post(reverse("cases:screen", kwargs={"pk": entry.pk}), {"decision": "accept"}).status_code == 403
    assert client.post(reverse("cases:screening", kwargs={"slug": campaign.slug}), {"entries": [entry.pk], "decision": "accept"}).status_code == 403
    assert CaseEntry.objects.get(pk=entry.pk).state == EntryState.SUBMITTED


# --- Exports from the screening list ------------------------------------------------


def test_organiser_exports_the_screened_entries_as_csv_and_xlsx(client, organiser, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, title="加装电梯", unit=factories.UnitFactory(name="南城街道住建局"))
    sign_in(client, organiser)
    page = client.get(reverse("cases:screening", kwargs={"slug": campaign.slug})).content.decode()
    csv_url = reverse("cases:screening-csv", kwargs={"slug": campaign.slug})
    assert csv_url in page and "admin" not in csv_url
    csv = client.get(csv_url)
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "加装电梯,南城街道住建局" in text and "已上榜" in text
    xlsx = client.get(reverse("cases:screening-xlsx", kwargs={"slug": campaign.slug}))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][1:3] == [entry.title, "南城街道住建局"]


def test_the_export_follows_the_screening_lists_filters(client, organiser, campaign):
    factories.CaseEntryFactory(campaign=campaign, title="加装电梯")
    factories.CaseEntryFactory(campaign=campaign, title="老旧小区改造")
    sign_in(client, organiser)
    text = client.get(reverse("cases:screening-csv", kwargs={"slug": campaign.slug}), {"q": "电梯"}).content.decode("utf-8-sig")
    assert "加装电梯" in text and "老旧小区改造" not in text


def test_an_export_with_a_forged_filter_is_refused(client, organiser, campaign):
    sign_in(client, organiser)
    response = client.get(reverse("cases:screening-csv", kwargs={"slug": campaign.slug}), {"unit": "999999"})
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["resident", "unit_staff", "dispatcher", "reviewer"])
def test_only_organisers_export_entries(client, campaign, role):
    factories.CaseEntryFactory(campaign=campaign, title="加装电梯")
    user = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role, with_totp=True)
    sign_in(client, user)
    response = client.get(reverse("cases:screening-csv", kwargs={"slug": campaign.slug}))
    assert response.status_code == 403 and "加装电梯" not in response.content.decode()


def test_export_of_a_formula_like_title_does_not_run_it(client, organiser, campaign):
    entry = factories.CaseEntryFactory(campaign=campaign, title='=HYPERLINK("http://evil.example","加装电梯")')
    sign_in(client, organiser)  # exporting asks for a recent authentication
    csv = client.get(reverse("cases:screening-csv", kwargs={"slug": campaign.slug})).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv
    xlsx = client.get(reverse("cases:screening-xlsx", kwargs={"slug": campaign.slug}))
    cell = load_workbook(io.BytesIO(xlsx.content)).active["B2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (entry.title, "s", True)


def test_admin_is_closed_to_unit_staff(client, unit_staff):
    client.force_login(unit_staff)
    assert client.get(reverse("admin:cases_caseentry_changelist")).status_code in (302, 403)


def test_admin_phase_move_goes_through_the_service(client, superuser, campaign):
    import datetime as dt

    from cases.models import PhaseChange
    from portal.timeutils import LOCAL_TZ

    call = campaign.phases.get(kind=PhaseKind.CALL)
    start = call.starts_at.astimezone(LOCAL_TZ)
    end = (call.ends_at - dt.timedelta(hours=1)).astimezone(LOCAL_TZ)
    client.force_login(superuser)
    response = client.post(reverse("admin:cases_phase_change", args=[call.pk]), {
        "starts_at_0": start.strftime("%Y-%m-%d"), "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": end.strftime("%Y-%m-%d"), "ends_at_1": end.strftime("%H:%M:%S"),
        "reason": "征集期调整",
        "changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    change = PhaseChange.objects.get()
    assert (change.reason, change.actor, change.new_ends_at) == ("征集期调整", superuser, end.replace(microsecond=0))


def test_admin_refuses_an_overlapping_phase_move(client, superuser, campaign):
    import datetime as dt

    from cases.models import PhaseChange
    from portal.timeutils import LOCAL_TZ

    call = campaign.phases.get(kind=PhaseKind.CALL)
    start = call.starts_at.astimezone(LOCAL_TZ)
    end = (call.ends_at + dt.timedelta(days=1)).astimezone(LOCAL_TZ)
    client.force_login(superuser)
    response = client.post(reverse("admin:cases_phase_change", args=[call.pk]), {
        "starts_at_0": start.strftime("%Y-%m-%d"), "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": end.strftime("%Y-%m-%d"), "ends_at_1": end.strftime("%H:%M:%S"),
        "reason": "延长", "changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200 and "时间重叠" in response.content.decode()
    assert not PhaseChange.objects.exists()
