from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户核心")

    def ready(self) -> None:
        # allauth offers signals as its hook; the receivers call our services.
        from portal import signals  # noqa: F401
