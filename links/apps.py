from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinksConfig(AppConfig):
    name = "links"
    verbose_name = _("Links and QR codes")

    def ready(self) -> None:
        from links.livecodes.alerts import EVENT_LABEL, EVENT_TYPE
        from suo.webhooks import register_event_type

        register_event_type(EVENT_TYPE, EVENT_LABEL)

        from links import dashboard

        dashboard.register()
