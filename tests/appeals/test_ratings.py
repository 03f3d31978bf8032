"""Ratings (好差评): the window, bad ratings and rectification, the one re-rating, the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from appeals import services
from appeals.enums import AppealState, RectificationState
from appeals.models import AppealSettings, Rating, Rectification
from portal.exceptions import ConflictError, InvalidError, PermissionDeniedError
from tests.appeals.conftest import part_of, work_through


def snapshot(appeal):
    appeal.refresh_from_db()
    return (appeal.state, appeal.ratings.count(), appeal.rectifications.count(), appeal.events.count())


def test_good_rating_closes_the_appeal_and_is_on_the_timeline(resolved, resident):
    rating = services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=5, comment="处理很快，谢谢")
    resolved.refresh_from_db()
    assert (rating.round, rating.score, rating.unit_id) == (1, 5, resolved.primary_unit_id)
    assert resolved.state == AppealState.CLOSED
    texts = list(resolved.events.filter(public=True).values_list("to_state", "public_text").order_by("pk"))[-2:]
    assert texts == [("rated", "市民评价：非常满意（5 星）：处理很快，谢谢"), ("closed", "评价完成，诉求归档。")]
    assert not Rectification.objects.exists()


def test_rating_is_refused_before_resolution_by_others_and_twice(world, dispatched, resident, resolved):
    other = world.other_staff
    before = snapshot(resolved)
    with pytest.raises(PermissionDeniedError) as info:
        services.rate_appeal(resident=other, appeal_id=resolved.pk, score=5)
    assert info.value.status == 403
    for score in (0, 6, "x"):
        with pytest.raises(InvalidError) as info:
            services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=score)
        assert info.value.code == "invalid_score"
    with pytest.raises(InvalidError) as info:
        services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=1, comment="")
    assert info.value.code == "reason_required"
    assert snapshot(resolved) == before
    services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=4)
    with pytest.raises(ConflictError) as info:
        services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=1, comment="又不满意了")
    assert info.value.status == 409 and Rating.objects.filter(appeal=resolved).count() == 1


def test_unresolved_appeal_cannot_be_rated(world, dispatched, resident):
    before = snapshot(dispatched)
    with pytest.raises(ConflictError) as info:
        services.rate_appeal(resident=resident, appeal_id=dispatched.pk, score=5)
    assert info.value.code == "rating_not_open" and "办结后" in str(info.value.message)
    assert snapshot(dispatched) == before


def test_rating_window_is_seven_days_by_default(resolved, resident):
    assert AppealSettings.load().rating_window_days == 7
    with time_machine.travel(resolved.resolved_at + dt.timedelta(days=7, seconds=1), tick=False):
        before = snapshot(resolved)
        with pytest.raises(ConflictError) as info:
            services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=5)
        assert "7 天" in str(info.value.message)
        assert snapshot(resolved) == before
    with time_machine.travel(resolved.resolved_at + dt.timedelta(days=6, hours=23), tick=False):
        services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=5)


def test_window_setting_is_honoured(resolved, resident):
    AppealSettings.objects.update_or_create(pk=1, defaults={"rating_window_days": 2})
    with time_machine.travel(resolved.resolved_at + dt.timedelta(days=2, minutes=1), tick=False):
        with pytest.raises(ConflictError):
            services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=5)


def test_unrated_stays_unrated_after_the_window_by_default(resolved):
    with time_machine.travel(resolved.resolved_at + dt.timedelta(days=6), tick=False):
        assert services.sweep_ratings().closed_unrated == 0
    with time_machine.travel(resolved.resolved_at + dt.timedelta(days=7, minutes=1), tick=False):
        report = services.sweep_ratings()
        assert (report.closed_unrated, report.auto_rated) == (1, 0)
        assert services.sweep_ratings().closed_unrated == 0  # a rerun changes nothing
    resolved.refresh_from_db()
    assert resolved.state == AppealState.CLOSED and resolved.ratings.count() == 0
    assert "不计入满意率" in resolved.events.order_by("-pk").first().public_text


def test_auto_rating_only_when_the_setting_allows_it(resolved):
    AppealSettings.objects.update_or_create(pk=1, defaults={"auto_rate_after_window": True, "auto_rate_score": 4})
    with time_machine.travel(resolved.resolved_at + dt.timedelta(days=7, minutes=1), tick=False):
        report = services.sweep_ratings()
    assert (report.closed_unrated, report.auto_rated) == (0, 1)
    rating = resolved.ratings.get()
    assert (rating.score, rating.automatic, rating.resident_id) == (4, True, None)
    resolved.refresh_from_db()
    assert resolved.state == AppealState.CLOSED


def test_bad_rating_opens_a_rectification_with_a_deadline(world, resolved, resident):
    with time_machine.travel(dt.datetime(2030, 3, 8, 10, 0, tzinfo=dt.timezone.utc), tick=False):  # a Friday
        from appeals.models import Appeal

        Appeal.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - dt.timedelta(hours=1))
        rating = services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=2, comment="井盖还是松的")
    rectification = rating.rectification
    resolved.refresh_from_db()
    assert resolved.state == AppealState.RATED
    assert (rectification.unit, rectification.state) == (world.bureau, RectificationState.OPEN)
    # 5 working days after Friday 8 March 2030 (local): Fri 15 March, end of day.
    assert rectification.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M") == "2030-03-15 23:59"
    assert resolved.events.filter(kind="rectification", public=True).count() == 1


def test_rectification_verified_lets_the_resident_rate_once_more(world, resolved, resident, dispatcher):
    rating = services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=1, comment="根本没处理")
    rectification = rating.rectification
    # Not yet: the unit is still rectifying.
    with pytest.raises(ConflictError) as info:
        services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=5)
    assert "正在整改" in str(info.value.message)
    # Only the unit may report, and only once; only the centre may check, after the report.
    with pytest.raises(PermissionDeniedError):
        services.submit_rectification(actor=world.other_staff, rectification_id=rectification.pk, report="我们来替他们整改一下这件事。")
    with pytest.raises(ConflictError):
        services.check_rectification(actor=dispatcher, rectification_id=rectification.pk, verified=True, note="到位")
    services.submit_rectification(actor=world.bureau_staff, rectification_id=rectification.pk, report="已重新更换井盖并加装防坠网，现场复查牢固。")
    with pytest.raises(ConflictError):
        services.submit_rectification(actor=world.bureau_staff, rectification_id=rectification.pk, report="再提交一次整改情况看看。")
    with pytest.raises(PermissionDeniedError):
        services.check_rectification(actor=world.bureau_staff, rectification_id=rectification.pk, verified=True, note="到位")
    services.check_rectification(actor=dispatcher, rectification_id=rectification.pk, verified=True, note="现场核查牢固")
    rectification.refresh_from_db()
    assert rectification.state == RectificationState.VERIFIED and rectification.on_time
    second = services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=4, comment="这次修好了")
    resolved.refresh_from_db()
    assert (second.round, resolved.state) == (2, AppealState.CLOSED)
    with pytest.raises(ConflictError):
        services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=5)
    kinds = list(resolved.events.filter(public=True).values_list("kind", flat=True).order_by("pk"))
    assert kinds[-5:] == ["rectification", "rectification", "rectification", "transition", "transition"]


def test_failed_check_reopens_and_the_resident_rates_again_after_the_new_resolution(world, resolved, resident, dispatcher):
    rating = services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=2, comment="没有修好")
    services.submit_rectification(actor=world.bureau_staff, rectification_id=rating.rectification.pk, report="已安排人员再次到现场查看。")
    services.check_rectification(actor=dispatcher, rectification_id=rating.rectification.pk, verified=False, note="现场仍未修复")
    resolved.refresh_from_db()
    assert resolved.state == AppealState.REOPENED
    services.dispatch_appeal(actor=dispatcher, appeal_id=resolved.pk, primary_unit_id=world.bureau.pk, reason="整改未到位")
    work_through(resolved, world.bureau_staff, world.bureau, summary="已彻底更换井盖，复查合格，市民确认。")
    assert resolved.state == AppealState.RESOLVED
    second = services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=5)
    resolved.refresh_from_db()
    assert (second.round, resolved.state) == (2, AppealState.CLOSED)


def test_second_window_runs_from_the_verification(world, resolved, resident, dispatcher):
    rating = services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=2, comment="没有修好")
    services.submit_rectification(actor=world.bureau_staff, rectification_id=rating.rectification.pk, report="已安排人员再次到现场修好了。")
    services.check_rectification(actor=dispatcher, rectification_id=rating.rectification.pk, verified=True, note="到位")
    rating.rectification.refresh_from_db()
    with time_machine.travel(rating.rectification.checked_at + dt.timedelta(days=7, minutes=1), tick=False):
        with pytest.raises(ConflictError):
            services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=5)
        assert services.sweep_ratings().closed_unrated == 1
    resolved.refresh_from_db()
    assert resolved.state == AppealState.CLOSED and resolved.ratings.count() == 1


def test_two_ratings_at_once_record_one(resolved, resident):
    # The unique (appeal, round) constraint is the last guard behind the row lock.
    Rating.objects.create(appeal=resolved, resident=resident, round=1, score=5)
    with pytest.raises(Exception):
        Rating.objects.create(appeal=resolved, resident=resident, round=1, score=4)


def test_rating_page_and_api(client, resolved, resident):
    client.force_login(resident)
    page = client.get(f"/appeals/t/{resolved.tracking_number}/")
    assert "你对办理结果满意吗" in page.content.decode()
    response = client.post(f"/appeals/t/{resolved.tracking_number}/rate/", {"score": "2", "comment": ""})
    assert response.status_code == 302 and resolved.ratings.count() == 0
    response = client.post(f"/api/v1/appeals/track/{resolved.tracking_number}/rate", {"score": 2, "comment": "还是坏的"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["rectification"] is True
    assert response.json()["state"] == "rated"
    response = client.post(f"/api/v1/appeals/track/{resolved.tracking_number}/rate", {"score": 5}, content_type="application/json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "rating_not_open"


def test_rectification_rows_are_labelled_with_their_own_states(world, resolved, resident):
    services.rate_appeal(resident=resident, appeal_id=resolved.pk, score=1, comment="没修好")
    event = resolved.events.get(kind="rectification")
    assert (event.to_state, event.to_state_label) == ("open", "待整改")
