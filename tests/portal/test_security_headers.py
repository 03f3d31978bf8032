"""Every answer carries a Content-Security-Policy without inline script, a
Permissions-Policy and a Referrer-Policy; the templates hold nothing the policy
would refuse (inline scripts, event handler attributes, hx-on, inline styles
in charts)."""

from __future__ import annotations

import re
from pathlib import Path

import pygal
import pytest
from django.conf import settings
from django.urls import reverse

from portal import charts

ROOT = Path(__file__).resolve().parents[2]


def directives(response, header: str = "Content-Security-Policy") -> dict[str, list[str]]:
    policy = response[header]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_pages_send_a_strict_content_security_policy(client, db):
    policy = directives(client.get(reverse("home")))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert not [value for values in policy.values() for value in values if "unsafe" in value or value.startswith("http")]


def test_pages_send_permissions_and_referrer_policies(client, db):
    response = client.get(reverse("home"))
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_api_answers_carry_the_policies_too(client, db):
    response = client.get("/api/v1/units")
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response


def _template_files():
    return sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", _template_files(), ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_template_has_no_inline_script_or_event_handler(template):
    text = template.read_text(encoding="utf-8")
    inline_scripts = [tag for tag in re.findall(r"<script\b[^>]*>", text)
                      if "src=" not in tag and 'type="application/json"' not in tag]
    assert not inline_scripts, "move the script into a static .js file"
    assert not re.findall(r"\son[a-z]+\s*=", text), "event handler attribute: add a listener in a static .js file"
    assert "hx-on" not in text, "hx-on is evaluated code (no eval under the CSP): listen in static/portal/js/portal.js"
    assert "javascript:" not in text


def test_api_docs_pages_have_no_inline_script(client, db):
    for name in ("api-docs", "api-redoc"):
        page = client.get(reverse(name)).content.decode()
        assert not [tag for tag in re.findall(r"<script\b[^>]*>", page) if "src=" not in tag], name
        assert "<style" not in page and "googleapis" not in page, name


def test_swagger_set_up_script_is_served_as_a_file(client, db):
    response = client.get(reverse("api-docs") + "?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_only_redoc_relaxes_style_src_for_its_injected_styles(client, db):
    policy = directives(client.get(reverse("api-redoc")))
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == ["'self'"]


def test_charts_carry_no_inline_style():
    chart = pygal.Bar(style=charts.style(), js=[], disable_xml_declaration=True)
    chart.add("a", [1, 2, 3])
    svg = charts.clean(chart.render(is_unicode=True))
    assert "<style" not in svg and "style=" not in svg and "<script" not in svg
    assert 'class="pygal-chart"' in svg


def test_chart_stylesheet_is_pygals_inline_css():
    """static/portal/css/charts.css is what pygal would inline (regenerate it
    from portal.charts.stylesheet() after changing charts.style or pygal)."""
    static = (ROOT / "static" / charts.STYLESHEET).read_text(encoding="utf-8")
    assert static.split("\n", 1)[1] == charts.stylesheet()
    assert charts.STYLESHEET in (ROOT / "templates" / "base.html").read_text(encoding="utf-8")


def test_weixin_sign_in_may_be_the_target_of_a_form_only_when_configured():
    form_action = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]
    assert ("https://open.weixin.qq.com" in form_action) == settings.WEIXIN_ENABLED


def test_kept_policy_is_the_one_django_csp_builds(client, db):
    from csp.utils import build_policy

    first, second = client.get(reverse("home")), client.get(reverse("home"))
    assert first["Content-Security-Policy"] == second["Content-Security-Policy"] == build_policy()


def test_kept_policy_follows_a_change_of_the_settings(rf):
    from django.http import HttpResponse
    from django.test import override_settings

    from portal.middleware import CachedCSPMiddleware

    middleware = CachedCSPMiddleware(lambda request: HttpResponse("ok"))
    assert "'self'" in middleware(rf.get("/"))["Content-Security-Policy"]
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["https://elsewhere.example"]}},
                           CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"img-src": ["'none'"]}}):
        response = middleware(rf.get("/"))
        assert directives(response) == {"default-src": ["https://elsewhere.example"]}
        # (django-csp puts default-src 'self' into a policy that lacks it, in no fixed order)
        assert directives(response, "Content-Security-Policy-Report-Only") == {"default-src": ["'self'"],
                                                                                "img-src": ["'none'"]}
    response = middleware(rf.get("/"))
    assert "elsewhere" not in response["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response


def test_a_nonce_asked_for_is_in_that_answers_policy_only(rf):
    from csp.constants import NONCE, SELF
    from django.http import HttpResponse
    from django.test import override_settings

    from portal.middleware import CachedCSPMiddleware

    def view(request):
        return HttpResponse(str(request.csp_nonce))

    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [SELF, NONCE]}}):
        with_nonce = CachedCSPMiddleware(view)(rf.get("/"))
        without = CachedCSPMiddleware(lambda request: HttpResponse("ok"))(rf.get("/"))
    assert directives(with_nonce)["script-src"] == ["'self'", f"'nonce-{with_nonce.content.decode()}'"]
    assert directives(without)["script-src"] == ["'self'"]


def test_an_exempt_answer_gets_no_policy(rf):
    from csp.decorators import csp_exempt
    from django.http import HttpResponse

    from portal.middleware import CachedCSPMiddleware

    response = CachedCSPMiddleware(csp_exempt()(lambda request: HttpResponse("ok")))(rf.get("/"))
    assert "Content-Security-Policy" not in response
