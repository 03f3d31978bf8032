import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Load what the first requests would otherwise load, before the server
    hands this worker any: the URLconf (every view, the API, its schema
    tooling), DRF's configured classes and the translation catalogs. Lazily,
    the first requests of a fresh or respawned worker waited seconds on one
    thread importing them while the others queued on the import lock
    (seen by the fault drill, bench/faults.py)."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation
    from rest_framework.settings import api_settings

    get_resolver().url_patterns  # noqa: B018 - imports every urls module and view
    for name in ("DEFAULT_AUTHENTICATION_CLASSES", "DEFAULT_PERMISSION_CLASSES", "DEFAULT_RENDERER_CLASSES",
                 "DEFAULT_PARSER_CLASSES", "DEFAULT_SCHEMA_CLASS", "DEFAULT_PAGINATION_CLASS",
                 "DEFAULT_CONTENT_NEGOTIATION_CLASS", "EXCEPTION_HANDLER"):
        getattr(api_settings, name)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("")


_warm_up()
