"""What the appeals pages share: refusals shown as the error page or as a
form's error, and the way back to an appeal's staff page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render

from appeals.exceptions import AppealError


# Lists of staff pages (inbox, dispatch queue).
PAGE_SIZE = 30


def pk_of(value) -> int | None:
    """The primary key of a chosen object, or None when nothing was chosen."""
    return value.pk if value is not None else None


def form_error(request, form, exc: AppealError) -> None:
    """A refusal shown on the form: on its field when the form has it."""
    if exc.field and exc.field in form.fields:
        form.add_error(exc.field, str(exc.message))
    else:
        form.add_error(None, str(exc.message))


def refuse(request, exc: AppealError) -> HttpResponse:
    """A refusal as the error page, with its status."""
    return render(request, "portal/error.html", {"status": exc.status, "message": exc.message}, status=exc.status)


def back_to_appeal(appeal_id) -> HttpResponse:
    """Back to the appeal's staff page (after a form posted from it)."""
    return redirect("appeals:staff-detail", appeal_id=appeal_id)
