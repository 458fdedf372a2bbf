from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinksConfig(AppConfig):
    name = "links"
    verbose_name = _("Links and QR codes")

    def ready(self) -> None:
        from links import dashboard, link_cache

        dashboard.register()
        link_cache.connect()
