"""The portal's URLs plus three views that raise a chosen refusal: a page,
a form page and an API view (tests/portal/test_refusals.py). Nothing maps
the refusal by hand here; the middleware and the API handler answer it."""

from django import forms
from django.http import HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from portal import exceptions
from portal.errors import form_refusal
from portal.urls import urlpatterns as portal_urlpatterns

REFUSALS = {
    "invalid": lambda: exceptions.InvalidError("填写有误。", field="name"),
    "permission_denied": lambda: exceptions.PermissionDeniedError("只有主办方可以这样做。"),
    "not_found": lambda: exceptions.NotFoundError("没有这个对象。"),
    "conflict": lambda: exceptions.ConflictError("当前状态不允许。"),
    "rate_limited": lambda: exceptions.RateLimitedError(retry_after=42),
    "service_unavailable": lambda: exceptions.UnavailableError("短信服务暂时不可用。", retry_after=30),
}


def page(request, kind):
    raise REFUSALS[kind]()


class NameForm(forms.Form):
    name = forms.CharField()


def form_page(request, kind):
    form = NameForm({"name": "x"})
    form.is_valid()
    try:
        raise REFUSALS[kind]()
    except exceptions.PortalError as refusal:
        form_refusal(form, refusal)
    return HttpResponse(f"<form>{form.as_p()}{form.non_field_errors()}</form>", status=400)


class Refusing(APIView):
    permission_classes = [AllowAny]

    def get(self, request, kind):
        raise REFUSALS[kind]()


urlpatterns = [
    path("refuse/<str:kind>", page),
    path("refuse-form/<str:kind>", form_page),
    path("api/v1/refuse/<str:kind>", Refusing.as_view()),
    *portal_urlpatterns,
]
