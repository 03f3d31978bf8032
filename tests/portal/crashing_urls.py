"""The portal's URLs plus one view that fails as a bug does: for the tests of
what a 500 shows and sends (tests/portal/test_request_log.py, test_sentry.py)."""

from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns

handler404 = "portal.handlers.not_found"
handler500 = "portal.handlers.server_error"
handler403 = "portal.handlers.forbidden"

RESIDENT_PHONE = "13912345678"
RESIDENT_EMAIL = "zhang.san@example.cn"


def crash(request):
    # A bug that drags a resident's contact into the exception's message.
    raise RuntimeError(f"could not notify {RESIDENT_PHONE} / {RESIDENT_EMAIL}")


urlpatterns = [path("crash/", crash), *portal_urlpatterns]
