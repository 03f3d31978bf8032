"""Every rule of the case registry, at the service level."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from cases import selectors, services
from cases.enums import EntryAction, EntryState, PhaseKind
from cases.exceptions import CaseError
from cases.models import CaseEntry, EntryEvent, EntryImage, Phase, PhaseChange
from portal import timeutils
from portal.exceptions import PermissionDeniedError
from tests import factories
from tests.cases.conftest import complete_fields, jpeg_bytes, jpeg_upload

pytestmark = pytest.mark.django_db


def entry_count() -> int:
    return CaseEntry.objects.count()


# --- Timeline ------------------------------------------------------------------


def test_current_phase_follows_the_clock_in_shanghai_time(organiser):
    campaign = services.create_campaign(
        actor=organiser,
        slug="dg-3",
        title="第三届东莞市民点赞榜",
        year=2021,
        phases={
            PhaseKind.CALL: (timeutils.local_datetime(2021, 10, 20), timeutils.local_datetime(2021, 11, 9)),
            PhaseKind.SCREENING: (timeutils.local_datetime(2021, 11, 9), timeutils.local_datetime(2021, 11, 26)),
            PhaseKind.VOTING: (timeutils.local_datetime(2021, 11, 26), timeutils.local_datetime(2021, 12, 3, 12)),
        },
    )
    assert [d.name for d in campaign.domains.all()] == services.DEFAULT_DOMAINS
    # 2021-12-03 11:59 in Shanghai is 03:59 UTC: still voting; 12:00 local closes it.
    with time_machine.travel(dt.datetime(2021, 12, 3, 3, 59, tzinfo=dt.UTC), tick=False):
        assert selectors.current_phase(campaign).kind == PhaseKind.VOTING
    with time_machine.travel(dt.datetime(2021, 12, 3, 4, 0, tzinfo=dt.UTC), tick=False):
        assert selectors.current_phase(campaign) is None
    with time_machine.travel(dt.datetime(2021, 11, 1, tzinfo=dt.UTC), tick=False):
        assert selectors.current_phase(campaign).kind == PhaseKind.CALL


def test_moving_a_phase_boundary_is_recorded(organiser, campaign):
    call = campaign.phases.get(kind=PhaseKind.CALL)
    new_start = call.starts_at - dt.timedelta(days=2)
    services.set_phase(
        actor=organiser, campaign=campaign, kind=PhaseKind.CALL, starts_at=new_start, ends_at=call.ends_at,
        reason="提前开始征集",
    )
    change = PhaseChange.objects.get()
    assert (change.actor, change.old_starts_at, change.new_starts_at, change.reason) == (
        organiser, call.starts_at, new_start, "提前开始征集"
    )
    assert Phase.objects.get(pk=call.pk).starts_at == new_start


def test_moving_a_phase_into_its_neighbour_is_refused_and_changes_nothing(organiser, campaign):
    call = campaign.phases.get(kind=PhaseKind.CALL)
    with pytest.raises(CaseError) as error:
        services.set_phase(
            actor=organiser, campaign=campaign, kind=PhaseKind.CALL, starts_at=call.starts_at,
            ends_at=call.ends_at + dt.timedelta(days=1), reason="延长",
        )
    assert error.value.code == "phase_overlap"
    assert Phase.objects.get(pk=call.pk).ends_at == call.ends_at
    assert not PhaseChange.objects.exists()


def test_moving_a_phase_needs_a_reason_and_an_organiser(organiser, unit_staff, campaign):
    call = campaign.phases.get(kind=PhaseKind.CALL)
    with pytest.raises(CaseError) as error:
        services.set_phase(actor=organiser, campaign=campaign, kind=call.kind, starts_at=call.starts_at,
                           ends_at=call.ends_at - dt.timedelta(hours=1), reason=" ")
    assert error.value.field == "reason"
    with pytest.raises(PermissionDeniedError):
        services.set_phase(actor=unit_staff, campaign=campaign, kind=call.kind, starts_at=call.starts_at,
                           ends_at=call.ends_at - dt.timedelta(hours=1), reason="x")
    assert not PhaseChange.objects.exists()


def test_phases_out_of_order_are_refused_at_creation(organiser):
    now = timezone.now()
    with pytest.raises(CaseError) as error:
        services.create_campaign(
            actor=organiser, slug="x", title="x", year=2021,
            phases={PhaseKind.CALL: (now, now + dt.timedelta(days=5)), PhaseKind.VOTING: (now + dt.timedelta(days=1), now + dt.timedelta(days=9))},
        )
    assert error.value.code == "phase_overlap"


# --- Entries -----------------------------------------------------------------------


def test_unit_staff_creates_a_draft_for_their_own_unit_and_submits_it(unit_staff, staff_unit, campaign):
    entry = services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload(), jpeg_upload()], **complete_fields(campaign))
    assert (entry.state, entry.unit, entry.slot) == (EntryState.DRAFT, staff_unit, 1)
    assert entry.images.count() == 2
    assert entry.story == "<p>街道、社区、业主三方协商。</p><p>审批时间压缩到 30 天。</p>"
    services.submit_entry(actor=unit_staff, entry=entry)
    entry.refresh_from_db()
    assert entry.state == EntryState.SUBMITTED and entry.submitted_at is not None
    assert list(entry.events.order_by("pk").values_list("action", "from_state", "to_state", "actor")) == [
        (EntryAction.CREATE, "", EntryState.DRAFT, unit_staff.pk),
        (EntryAction.SUBMIT, EntryState.DRAFT, EntryState.SUBMITTED, unit_staff.pk),
    ]


def test_stored_images_are_reencoded_with_thumbnails(unit_staff, campaign):
    entry = services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload(width=3000, height=2000)], **complete_fields(campaign))
    image = entry.images.get()
    assert (image.width, image.height) == (1920, 1280)
    assert image.thumbnail.name.endswith("_thumb.jpg")


@pytest.mark.parametrize("phase", [PhaseKind.SCREENING, PhaseKind.VOTING])
def test_entering_outside_the_call_window_is_refused(unit_staff, phase):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase=phase))
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign))
    assert error.value.code == "call_closed"
    assert "案例征集期为" in error.value.message
    assert entry_count() == 0


def test_entering_for_another_unit_is_refused(unit_staff, other_staff, campaign):
    other_unit = other_staff.memberships.get().unit
    with pytest.raises(PermissionDeniedError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, unit=other_unit, **complete_fields(campaign))
    assert error.value.field == "unit"
    assert entry_count() == 0


@pytest.mark.parametrize("role", ["resident", "reviewer", "dispatcher", "organiser"])
def test_only_unit_staff_enter_cases(role, campaign):
    user = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role)
    with pytest.raises(PermissionDeniedError):
        services.create_entry(actor=user, campaign=campaign, **complete_fields(campaign))
    assert entry_count() == 0


def test_editing_another_units_entry_is_refused(unit_staff, other_staff, campaign):
    entry = services.create_entry(actor=other_staff, campaign=campaign, **complete_fields(campaign))
    with pytest.raises(PermissionDeniedError):
        services.update_entry(actor=unit_staff, entry=entry, changes={"title": "改掉"})
    with pytest.raises(PermissionDeniedError):
        services.withdraw_entry(actor=unit_staff, entry=entry)
    with pytest.raises(PermissionDeniedError):
        services.submit_entry(actor=unit_staff, entry=entry)
    entry.refresh_from_db()
    assert (entry.title, entry.state) == (complete_fields(campaign)["title"], EntryState.DRAFT)


def test_moving_an_entry_to_another_unit_is_refused(unit_staff, other_staff, campaign):
    entry = services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign))
    with pytest.raises(PermissionDeniedError):
        services.update_entry(actor=unit_staff, entry=entry, changes={}, unit=other_staff.memberships.get().unit)
    assert CaseEntry.objects.get(pk=entry.pk).unit_id == entry.unit_id


def test_per_track_limit_is_enforced_and_withdrawing_frees_a_slot(unit_staff, campaign):
    entries = [
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title=f"案例{i}"))
        for i in range(3)
    ]
    assert [e.slot for e in entries] == [1, 2, 3]
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title="第四个"))
    assert error.value.code == "track_limit" and "3 个的上限" in error.value.message
    assert entry_count() == 3
    services.withdraw_entry(actor=unit_staff, entry=entries[1])
    fourth = services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title="第四个"))
    assert fourth.slot == 2


def test_limit_is_a_campaign_setting(unit_staff):
    campaign = factories.CampaignFactory(entry_limit_per_track=1)
    services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign))
    with pytest.raises(CaseError):
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title="二"))


def test_database_refuses_two_live_entries_in_one_slot(campaign):
    from django.db import IntegrityError

    entry = factories.CaseEntryFactory(campaign=campaign, slot=1)
    with pytest.raises(IntegrityError):
        factories.CaseEntryFactory(campaign=campaign, unit=entry.unit, slot=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_entries_of_one_unit_never_exceed_the_limit(unit_staff):
    campaign = factories.CampaignFactory(entry_limit_per_track=2)
    fields = complete_fields(campaign)
    outcomes = []
    barrier = threading.Barrier(4)

    def enter(n):
        try:
            barrier.wait()
            services.create_entry(actor=unit_staff, campaign=campaign, **(fields | {"title": f"并发{n}"}))
            outcomes.append("ok")
        except CaseError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=enter, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "ok", "refused", "refused"]
    assert CaseEntry.objects.filter(campaign=campaign).count() == 2


@pytest.mark.parametrize("missing", ["summary", "story", "results", "contact_name", "contact_phone"])
def test_submitting_with_a_missing_field_is_refused(unit_staff, campaign, missing):
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload()], submit=True,
                              **complete_fields(campaign, **{missing: ""}))
    assert error.value.code == "incomplete" and error.value.field == missing
    assert entry_count() == 0


def test_submitting_without_images_is_refused_and_the_draft_stays(unit_staff, campaign):
    entry = services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign))
    with pytest.raises(CaseError) as error:
        services.submit_entry(actor=unit_staff, entry=entry)
    assert error.value.field == "images"
    assert CaseEntry.objects.get(pk=entry.pk).state == EntryState.DRAFT


def test_missing_title_is_refused(unit_staff, campaign):
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, title="  "))
    assert error.value.field == "title"
    assert entry_count() == 0


def test_summary_over_300_characters_is_refused(unit_staff, campaign):
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, summary="字" * 301))
    assert error.value.field == "summary"
    assert entry_count() == 0


@pytest.mark.parametrize(
    "story",
    [
        "<p>好</p><script>alert(1)</script>",
        '<p onclick="steal()">点我</p>',
        '<a href="javascript:alert(1)">链接</a>',
        '<iframe src="https://evil.example"></iframe>',
    ],
)
def test_a_script_in_the_story_is_refused(unit_staff, campaign, story):
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, story=story))
    assert error.value.code == "unsafe_story" and error.value.field == "story"
    assert entry_count() == 0


def test_allowed_markup_is_kept_and_links_are_made_safe(unit_staff, campaign):
    story = '<p><strong>成效</strong>明显</p><ul><li>一</li></ul><a href="https://gov.cn" target="_blank">来源</a><img src=x>'
    entry = services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, story=story))
    assert entry.story == (
        '<p><strong>成效</strong>明显</p><ul><li>一</li></ul>'
        '<a href="https://gov.cn" rel="noopener noreferrer nofollow">来源</a>'
    )


def test_video_link_must_be_a_web_address(unit_staff, campaign):
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, video_url="ftp://x"))
    assert error.value.field == "video_url"


def test_a_domain_of_another_campaign_is_refused(unit_staff, campaign):
    other = factories.CampaignFactory()
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign, domain=other.domains.first()))
    assert error.value.field == "domain"
    assert entry_count() == 0


def test_a_text_file_renamed_jpg_is_refused_and_nothing_is_stored(unit_staff, campaign, settings):
    fake = SimpleUploadedFile("photo.jpg", b"this is not a picture at all", content_type="image/jpeg")
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload(), fake], **complete_fields(campaign))
    assert error.value.code == "not_an_image" and error.value.field == "images"
    assert "第 2 张图片" in error.value.message
    assert entry_count() == 0 and EntryImage.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "cases").exists()


def test_a_50_mb_image_is_refused_and_nothing_is_stored(unit_staff, campaign, settings):
    huge = SimpleUploadedFile("huge.jpg", jpeg_bytes()[:-2] + b"\0" * (50 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(CaseError) as error:
        services.create_entry(actor=unit_staff, campaign=campaign, images=[huge], **complete_fields(campaign))
    assert error.value.code == "image_too_large"
    assert entry_count() == 0
    assert not (settings.MEDIA_ROOT / "cases").exists()


def test_at_most_nine_images(unit_staff, campaign):
    entry = services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload(width=64, height=48) for _ in range(9)], **complete_fields(campaign))
    with pytest.raises(CaseError) as error:
        services.update_entry(actor=unit_staff, entry=entry, changes={}, new_images=[jpeg_upload(width=64, height=48)])
    assert error.value.code == "too_many_images"
    assert entry.images.count() == 9
    first = entry.images.first()
    services.update_entry(actor=unit_staff, entry=entry, changes={}, remove_image_ids=[first.pk], new_images=[jpeg_upload(width=64, height=48)])
    assert entry.images.count() == 9
    assert sorted(entry.images.values_list("position", flat=True)) == list(range(9))


def test_removing_an_image_of_another_entry_is_refused(unit_staff, campaign):
    mine = services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload()], **complete_fields(campaign))
    theirs = factories.CaseEntryFactory(campaign=campaign)
    image = EntryImage.objects.create(entry=theirs, position=0, image="x.jpg", thumbnail="x_thumb.jpg")
    with pytest.raises(CaseError):
        services.update_entry(actor=unit_staff, entry=mine, changes={}, remove_image_ids=[image.pk])
    assert EntryImage.objects.filter(pk=image.pk).exists()


def test_entries_are_read_only_for_units_after_the_call(unit_staff, campaign):
    entry = services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload()], submit=True, **complete_fields(campaign))
    call = campaign.phases.get(kind=PhaseKind.CALL)
    with time_machine.travel(call.ends_at + dt.timedelta(minutes=1)):
        with pytest.raises(CaseError) as error:
            services.update_entry(actor=unit_staff, entry=entry, changes={"title": "改"})
        assert error.value.code == "call_closed"
        with pytest.raises(CaseError):
            services.withdraw_entry(actor=unit_staff, entry=entry)
    entry.refresh_from_db()
    assert (entry.title, entry.state) == (complete_fields(campaign)["title"], EntryState.SUBMITTED)


def test_changes_requested_entry_is_editable_until_its_deadline(unit_staff, organiser, campaign):
    entry = services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload()], submit=True, **complete_fields(campaign))
    call = campaign.phases.get(kind=PhaseKind.CALL)
    with time_machine.travel(call.ends_at + dt.timedelta(hours=1)):
        deadline = timezone.now() + dt.timedelta(days=2)
        services.screen_entry(actor=organiser, entry=entry, decision=EntryAction.REQUEST_CHANGES, reason="补充数据来源", deadline=deadline)
        services.update_entry(actor=unit_staff, entry=entry, changes={"results": "加装电梯 126 台（住建局统计）"}, submit=True)
    entry.refresh_from_db()
    assert (entry.state, entry.results, entry.changes_deadline) == (EntryState.SUBMITTED, "加装电梯 126 台（住建局统计）", None)
    # A second request; editing after its deadline is refused.
    with time_machine.travel(call.ends_at + dt.timedelta(days=3)):
        services.screen_entry(actor=organiser, entry=entry, decision=EntryAction.REQUEST_CHANGES, reason="再补充", deadline=timezone.now() + dt.timedelta(hours=1))
    with time_machine.travel(call.ends_at + dt.timedelta(days=3, hours=2)):
        with pytest.raises(CaseError) as error:
            services.update_entry(actor=unit_staff, entry=entry, changes={"results": "晚了"})
    assert error.value.code == "deadline_passed"
    assert CaseEntry.objects.get(pk=entry.pk).results == "加装电梯 126 台（住建局统计）"


# --- Screening ------------------------------------------------------------------


@pytest.fixture
def submitted(unit_staff, campaign):
    return services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload()], submit=True, **complete_fields(campaign))


def test_organiser_accepts_to_the_board(organiser, submitted, campaign):
    services.screen_entry(actor=organiser, entry=submitted, decision=EntryAction.ACCEPT)
    assert list(selectors.board_entries(campaign)) == [submitted]
    event = submitted.events.latest("pk")
    assert (event.action, event.actor, event.from_state, event.to_state) == (
        EntryAction.ACCEPT, organiser, EntryState.SUBMITTED, EntryState.ACCEPTED
    )


def test_rejecting_needs_a_reason_the_unit_sees(organiser, submitted):
    with pytest.raises(CaseError) as error:
        services.screen_entry(actor=organiser, entry=submitted, decision=EntryAction.REJECT)
    assert error.value.field == "reason"
    assert CaseEntry.objects.get(pk=submitted.pk).state == EntryState.SUBMITTED
    services.screen_entry(actor=organiser, entry=submitted, decision=EntryAction.REJECT, reason="创新性不足")
    submitted.refresh_from_db()
    assert (submitted.state, submitted.screening_note) == (EntryState.REJECTED, "创新性不足")
    assert submitted.events.latest("pk").reason == "创新性不足"


def test_asking_for_changes_needs_a_future_deadline(organiser, submitted):
    with pytest.raises(CaseError) as error:
        services.screen_entry(actor=organiser, entry=submitted, decision=EntryAction.REQUEST_CHANGES, reason="补充")
    assert error.value.field == "deadline"
    with pytest.raises(CaseError):
        services.screen_entry(actor=organiser, entry=submitted, decision=EntryAction.REQUEST_CHANGES, reason="补充",
                              deadline=timezone.now() - dt.timedelta(minutes=1))
    assert CaseEntry.objects.get(pk=submitted.pk).state == EntryState.SUBMITTED
    assert not submitted.events.filter(action=EntryAction.REQUEST_CHANGES).exists()


@pytest.mark.parametrize("role", ["unit_staff", "reviewer", "dispatcher", "resident"])
def test_screening_by_a_non_organiser_is_refused(role, submitted, campaign):
    user = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role)
    with pytest.raises(PermissionDeniedError):
        services.screen_entry(actor=user, entry=submitted, decision=EntryAction.ACCEPT)
    with pytest.raises(PermissionDeniedError):
        services.screen_entries(actor=user, campaign=campaign, entry_ids=[submitted.pk], decision=EntryAction.ACCEPT)
    assert CaseEntry.objects.get(pk=submitted.pk).state == EntryState.SUBMITTED


def test_drafts_cannot_be_screened(organiser, unit_staff, campaign):
    draft = services.create_entry(actor=unit_staff, campaign=campaign, **complete_fields(campaign))
    with pytest.raises(CaseError) as error:
        services.screen_entry(actor=organiser, entry=draft, decision=EntryAction.ACCEPT)
    assert error.value.code == "bad_transition"


def test_bulk_screening_is_all_or_nothing(organiser, campaign):
    entries = [factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED) for _ in range(3)]
    draft = factories.CaseEntryFactory(campaign=campaign, state=EntryState.DRAFT)
    with pytest.raises(CaseError) as error:
        services.screen_entries(actor=organiser, campaign=campaign, entry_ids=[e.pk for e in entries] + [draft.pk], decision=EntryAction.ACCEPT)
    assert draft.title in error.value.message
    assert CaseEntry.objects.filter(state=EntryState.ACCEPTED).count() == 0
    assert not EntryEvent.objects.exists()
    done = services.screen_entries(actor=organiser, campaign=campaign, entry_ids=[e.pk for e in entries], decision=EntryAction.ACCEPT)
    assert len(done) == 3
    assert EntryEvent.objects.filter(action=EntryAction.ACCEPT, actor=organiser).count() == 3


def test_bulk_screening_refuses_entries_of_another_campaign(organiser, campaign):
    foreign = factories.CaseEntryFactory(state=EntryState.SUBMITTED)
    with pytest.raises(CaseError):
        services.screen_entries(actor=organiser, campaign=campaign, entry_ids=[foreign.pk], decision=EntryAction.ACCEPT)
    assert CaseEntry.objects.get(pk=foreign.pk).state == EntryState.SUBMITTED


def test_screening_closes_when_expert_review_starts(organiser):
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase=PhaseKind.REVIEW))
    entry = factories.CaseEntryFactory(campaign=campaign, state=EntryState.SUBMITTED)
    with pytest.raises(CaseError) as error:
        services.screen_entry(actor=organiser, entry=entry, decision=EntryAction.ACCEPT)
    assert error.value.code == "screening_closed"


def test_withdrawn_entries_cannot_be_submitted_again(unit_staff, campaign):
    entry = services.create_entry(actor=unit_staff, campaign=campaign, images=[jpeg_upload()], **complete_fields(campaign))
    services.withdraw_entry(actor=unit_staff, entry=entry)
    with pytest.raises(CaseError):
        services.submit_entry(actor=unit_staff, entry=entry)
    assert CaseEntry.objects.get(pk=entry.pk).state == EntryState.WITHDRAWN
