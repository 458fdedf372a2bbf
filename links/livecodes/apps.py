from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveCodesConfig(AppConfig):
    """Live group codes, built on links (never the reverse). Their models keep the `links` app
    label, so their tables, migrations and admin addresses are those they always had."""

    name = "links.livecodes"
    label = "livecodes"
    verbose_name = _("Live group codes")

    def ready(self) -> None:
        from links.livecodes.alerts import EVENT_LABEL, EVENT_TYPE
        from suo.webhooks import register_event_type

        register_event_type(EVENT_TYPE, EVENT_LABEL)

        from links.livecodes import dashboard

        dashboard.register()
