"""Deadline arithmetic with weekends, holidays and make-up workdays: worked examples."""

from __future__ import annotations

import datetime as dt

import pytest

from appeals import deadlines
from portal.timeutils import local_datetime
from tests.factories import HolidayFactory

END = (23, 59)


def at(y, m, d, h=0, mi=0):
    return local_datetime(y, m, d, h, mi)


@pytest.mark.django_db
class TestWorkingDays:
    def test_one_working_day_from_wednesday_is_end_of_thursday(self):
        # 2026-11-18 is a Wednesday.
        due = deadlines.add_working_days(at(2026, 11, 18, 10), 1)
        assert due == dt.datetime(2026, 11, 19, 23, 59, 59, tzinfo=due.tzinfo)

    def test_friday_afternoon_plus_one_working_day_is_end_of_monday(self):
        due = deadlines.add_working_days(at(2026, 11, 20, 15), 1)
        assert (due.year, due.month, due.day, due.hour, due.minute) == (2026, 11, 23, *END)

    def test_saturday_plus_one_working_day_is_end_of_monday(self):
        due = deadlines.add_working_days(at(2026, 11, 21, 9), 1)
        assert due.date() == dt.date(2026, 11, 23)

    def test_five_working_days_from_monday_is_end_of_next_monday(self):
        # Mon 16 → Tue17 Wed18 Thu19 Fri20 (4) → Mon 23 (5).
        due = deadlines.add_working_days(at(2026, 11, 16, 8), 5)
        assert due.date() == dt.date(2026, 11, 23)

    def test_holidays_are_skipped(self):
        # National Day week 2026: Oct 1–7 off. Dispatched Wed 30 Sep, 3 working days:
        # Oct 1–7 holiday, Oct 8 (Thu) 1, Oct 9 (Fri) 2, Oct 10 (Sat) weekend, Oct 12 (Mon) 3.
        for day in range(1, 8):
            HolidayFactory(date=dt.date(2026, 10, day), name="国庆节")
        due = deadlines.add_working_days(at(2026, 9, 30, 16), 3)
        assert due.date() == dt.date(2026, 10, 12)

    def test_make_up_workday_on_a_weekend_counts(self):
        # Same example, but Saturday Oct 10 is a 调休 workday: 3rd working day is Oct 10.
        for day in range(1, 8):
            HolidayFactory(date=dt.date(2026, 10, day), name="国庆节")
        HolidayFactory(date=dt.date(2026, 10, 10), name="国庆调休", kind="workday")
        due = deadlines.add_working_days(at(2026, 9, 30, 16), 3)
        assert due.date() == dt.date(2026, 10, 10)

    def test_spring_festival_holiday_spanning_weekends(self):
        # 2026 Spring Festival: Feb 15–23 off. Fri Feb 13 + 2 working days: Feb 24 (Tue) 1, Feb 25 2.
        day = dt.date(2026, 2, 15)
        while day <= dt.date(2026, 2, 23):
            HolidayFactory(date=day, name="春节")
            day += dt.timedelta(days=1)
        due = deadlines.add_working_days(at(2026, 2, 13, 11), 2)
        assert due.date() == dt.date(2026, 2, 25)

    def test_local_day_not_utc_day_counts(self):
        # 2026-11-19 01:00 in Shanghai is still Wednesday 17:00 UTC; counting starts from Thursday local.
        start = at(2026, 11, 19, 1)
        assert start.astimezone(dt.timezone.utc).day == 18
        assert deadlines.add_working_days(start, 1).date() == dt.date(2026, 11, 20)

    def test_zero_days_is_refused(self):
        with pytest.raises(ValueError):
            deadlines.add_working_days(at(2026, 11, 18), 0)

    def test_a_calendar_loaded_once_gives_the_same_deadlines(self):
        # The demo history computes thousands of deadlines from one loaded calendar.
        for day in range(1, 8):
            HolidayFactory(date=dt.date(2026, 10, day), name="国庆节")
        HolidayFactory(date=dt.date(2026, 10, 10), name="国庆调休", kind="workday")
        calendar = deadlines.holiday_calendar(dt.date(2026, 9, 1), dt.date(2026, 11, 30))
        for start in (at(2026, 9, 30, 16), at(2026, 10, 9, 23, 59), at(2026, 10, 10, 0)):
            for days in (1, 3, 5):
                assert deadlines.add_working_days(start, days, calendar=calendar) == deadlines.add_working_days(
                    start, days)


@pytest.mark.django_db
def test_hours_deadline_is_plain_clock_hours_across_a_weekend():
    due = deadlines.handling_due(at(2026, 11, 20, 22), value=4, unit="hours")
    assert due == at(2026, 11, 21, 2)


def test_dispatch_deadline_urgent_30_minutes_general_2_hours():
    start = at(2026, 11, 18, 10)
    assert deadlines.dispatch_due(start, "urgent") == at(2026, 11, 18, 10, 30)
    assert deadlines.dispatch_due(start, "general") == at(2026, 11, 18, 12)


def test_due_soon_is_24_hours_before_or_the_last_quarter():
    start = at(2026, 11, 16, 8)
    long_due = at(2026, 11, 23, 23, 59)
    assert deadlines.due_soon_from(start, long_due) == long_due - dt.timedelta(hours=24)
    short_due = start + dt.timedelta(hours=4)
    assert deadlines.due_soon_from(start, short_due) == start + dt.timedelta(hours=3)
