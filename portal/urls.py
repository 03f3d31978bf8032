from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from portal import api, media, views

api_v1 = [
    path("me", api.MeView.as_view(), name="api-me"),
    path("units", api.UnitListView.as_view(), name="api-units"),
    path("appeals/", include("appeals.api_urls")),
    path("", include("cases.api_urls")),
    path("", include("voting.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("prefs/elder", views.set_elder_mode, name="set-elder-mode"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    # Outside /accounts/: the second-factor rule applies to these pages.
    path("tokens/", views.api_tokens, name="api-tokens"),
    path("tokens/new", views.create_api_token, name="api-token-create"),
    path("tokens/revoke", views.revoke_api_token, name="api-token-revoke"),
    # Superusers only (portal.adminsite); staff work in the portal's pages.
    path("admin/", admin.site.urls),
    # Portal administration (平台管理员): accounts, roles, the unit tree.
    path("staff-admin/", include("portal.administration.urls")),
    path("appeals/", include("appeals.urls")),
    path("open311/v2/", include("appeals.open311_urls")),
    path("", include("cases.urls")),
    path("", include("voting.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its set-up script as a file (no inline script under the CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # ReDoc injects its styles as <style> elements and searches in a blob: worker.
    path("api/redoc/", csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})(
        SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
]

if settings.SERVE_PUBLIC_MEDIA:
    # Public uploads only: private files (appeal photos) are not under
    # MEDIA_ROOT and are served by views that check who asks.
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.public_media)]

if settings.PORTAL_BENCH_ENDPOINTS:
    urlpatterns += [
        path("bench/bare", views.bench_bare),
        path("bench/signed-in", views.bench_signed_in),
    ]

handler400 = "portal.handlers.bad_request"
handler404 = "portal.handlers.not_found"
handler500 = "portal.handlers.server_error"
handler403 = "portal.handlers.forbidden"
# allauth answers its rate limits (sign-up, sign-in floods) through this handler.
handler429 = "portal.views.rate_limited"
