"""The one translation of refusals into answers (Django's error handlers,
which answer through it, are portal.handlers).

A refusal (portal.exceptions.PortalError) raised by a page view reaches
:class:`RefusalMiddleware`, which answers with :func:`error_answer`: the
API's error body under /api/ (or when the client asks for JSON), an htmx
fragment when htmx asked, the portal's error page elsewhere. DRF views answer
through portal.api.exception_handler with the same body. Views never map a
refusal's status by hand; a form view shows refusals of its input beside
its fields with :func:`form_refusal`, a redirecting view as a message with
:func:`flash_refusal`.
"""

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django_guid import get_guid

from portal import metrics
from portal.exceptions import PortalError


def error_body(code: str, message, fields: dict | None = None, *, status: int) -> dict:
    """The API's error body, the same for every refusal, counted in
    portal_refusals_total by code and status. ``request_id`` is the
    request's X-Request-ID, also in the request log and in Sentry: quote it
    to find the request."""
    metrics.count_refusal(code=code, status=status)
    return {"error": {"code": code, "message": str(message), "fields": fields or {}, "request_id": get_guid()}}


def error_page_context(status: int, message) -> dict:
    return {"status": status, "message": message, "request_id": get_guid()}


def refusal_fields(refusal: PortalError) -> dict:
    return {refusal.field: [str(refusal.message)]} if refusal.field else {}


def wants_json(request) -> bool:
    return request.path.startswith("/api/") or request.headers.get("accept", "").startswith("application/json")


def error_answer(request, status: int, code: str, message, fields: dict | None = None,
                 extras: dict | None = None) -> HttpResponse:
    """The one shape of a refusal: the API's error body under /api/ (or when
    the client asks for JSON), a fragment with the message for htmx (shown by
    elements marked data-swap-errors), the portal's error page elsewhere."""
    if wants_json(request):
        return JsonResponse({**error_body(code, message, fields, status=status), **(extras or {})}, status=status)
    metrics.count_refusal(code=code, status=status)
    if getattr(request, "htmx", False):
        return render(request, "portal/_refusal.html", error_page_context(status, message), status=status)
    return render(request, "portal/error.html", error_page_context(status, message), status=status)


def refusal_answer(request, refusal: PortalError) -> HttpResponse:
    """A refusal's answer with its status, code and message (Retry-After on
    429 and 503)."""
    response = error_answer(request, refusal.status, refusal.code, refusal.message, refusal_fields(refusal),
                            refusal.body_extras())
    if refusal.retry_after:
        response["Retry-After"] = str(refusal.retry_after)
    return response


class RefusalMiddleware:
    """Answers every refusal a page view raises (last in MIDDLEWARE, so
    the first to see a view's exception)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PortalError):
            return refusal_answer(request, exception)
        return None


def form_refusal(form, refusal: PortalError) -> None:
    """Show a refusal of the input beside its field (or above the form); a
    refusal of the request itself (403, 404, 429, 503) goes on to the
    middleware's error page."""
    if not refusal.about_input:
        raise refusal
    form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal.message))


def flash_refusal(request, refusal: PortalError) -> None:
    """Show a refusal as a message on the list the view redirects to (an
    object already gone, 404, included: a second click on "revoke"); a
    refusal of the actor (403, 429, 503) goes on to the middleware."""
    if not refusal.about_input and refusal.status != 404:
        raise refusal
    messages.error(request, str(refusal.message))
