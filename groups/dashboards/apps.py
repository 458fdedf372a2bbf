from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "groups.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards and group lifecycle")

    def ready(self) -> None:
        from groups.dashboards import panels
        from suo.webhooks import register_event_type

        register_event_type("group.cold", _("A group has been cold (few messages per member) for weeks"))
        register_event_type(
            "member.migration_invited", _("Invite a member to the group they were migrated to")
        )
        panels.register()
