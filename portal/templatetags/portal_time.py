"""`{{ moment|local_time }}` (or `|local_time:"m-d H:i"`): a moment in local
time as the portal writes it (portal.timeutils.local_text), the same text as
in messages and events; anything else (None, "") gives "". Registered as a
builtin (settings.TEMPLATES), so templates need no {% load %}."""

import datetime as dt

from django import template

from portal import timeutils

register = template.Library()


@register.filter
def local_time(value, format: str = timeutils.LOCAL_TEXT_FORMAT) -> str:
    if not isinstance(value, dt.datetime):
        return ""
    return timeutils.local_text(value, format)
