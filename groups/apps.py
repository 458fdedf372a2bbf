from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Community groups")

    def ready(self) -> None:
        from suo.webhooks import register_event_type

        register_event_type("member.joined", _("A member joined a group"))
        register_event_type("member.welcomed", _("Welcome message to post for a new member"))
        register_event_type("member.left", _("A member left a group"))
        register_event_type("community.state_changed", _("A group moved to another lifecycle state"))
        register_event_type("penalty.applied", _("A penalty to execute: warn, mute, kick or ban a member"))
        register_event_type("penalty.lifted", _("A mute ended, or a penalty was lifted by a revoke"))
        register_event_type("violation.revoked", _("A violation was revoked and stops counting"))
        register_event_type("appeal.decided", _("An appeal was accepted or rejected"))
