from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = _("Content")

    def ready(self) -> None:
        from rest_framework import serializers

        from content.panels import TOP_ITEMS_PANEL
        from content.services import engagement_check, engagement_store
        from groups.event_kinds import register_event_kind
        from suo.panels import register_panel
        from suo.webhooks import register_event_type

        register_event_type("content.post_due", _("A scheduled post is due: post it into its groups"))
        register_event_type("content.task_due", _("An SOP task is due: remind its holder"))
        for kind in ("reply", "reaction", "share"):
            register_event_kind(
                kind,
                handler=engagement_store,
                extra_fields={
                    "post": serializers.IntegerField(
                        min_value=1, help_text="reply, reaction, share: the post (id) it answers"
                    )
                },
                check=engagement_check,
            )
        register_panel(TOP_ITEMS_PANEL)
