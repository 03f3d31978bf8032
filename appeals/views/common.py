"""What the appeals pages share, and how they refuse.

Services refuse with the portal's kinds (portal.exceptions). A page lets a
refusal of the request itself (403, 404, 429) reach RefusalMiddleware, which
answers the error page; it shows only a refusal of what was entered
(:data:`INPUT_REFUSALS`: 400, 409) on its form (portal.errors.form_refusal)
or as a message after its redirect (portal.errors.flash_refusal)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy

from portal.exceptions import ConflictError, InvalidError

# Lists of staff pages (inbox, dispatch queue).
PAGE_SIZE = 30

# Refusals of the input or of the object's state: shown on the page.
INPUT_REFUSALS = (InvalidError, ConflictError)

# What a staff page says to a role that may not use it (the words of the
# portal's 403 page, which answered these checks before).
NOT_YOUR_PAGE = gettext_lazy("你没有权限查看此页面。如需帮助，请联系主办方。")


def pk_of(value) -> int | None:
    """The primary key of a chosen object, or None when nothing was chosen."""
    return value.pk if value is not None else None


def back_to_appeal(appeal_id) -> HttpResponse:
    """Back to the appeal's staff page (after a form posted from it)."""
    return redirect("appeals:staff-detail", appeal_id=appeal_id)
