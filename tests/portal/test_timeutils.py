"""One way of writing a moment for people: local time (Asia/Shanghai), in
messages (portal.timeutils.local_text) and pages (the local_time filter)."""

import datetime as dt

from django.template import Context, Template
from django.utils import timezone

from portal import timeutils

MOMENT = dt.datetime(2026, 12, 3, 6, 5, tzinfo=dt.UTC)  # 14:05 in Dongguan


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_a_moment_is_written_in_local_time_to_the_minute():
    assert timeutils.local_text(MOMENT) == "2026-12-03 14:05"
    assert timeutils.local_text(MOMENT, "m-d H:i") == "12-03 14:05"
    assert timeutils.local_text(dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)) == "2027-01-01 00:00"


def test_pages_write_a_moment_as_messages_do_without_loading_a_library():
    assert render("{{ t|local_time }}", t=MOMENT) == timeutils.local_text(MOMENT)
    assert render('{{ t|local_time:"m-d H:i" }}', t=MOMENT) == "12-03 14:05"
    assert render("{{ t|local_time }}|{{ none|local_time }}|{{ missing|local_time }}", t=MOMENT, none=None) == (
        "2026-12-03 14:05||"
    )


def test_pages_write_local_time_whatever_time_zone_is_active():
    with timezone.override("UTC"):
        assert render("{{ t|local_time }}", t=MOMENT) == "2026-12-03 14:05"
        assert timeutils.local_text(MOMENT) == "2026-12-03 14:05"
