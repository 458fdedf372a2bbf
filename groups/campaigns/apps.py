from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "groups.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from suo.webhooks import register_event_type

        events = {
            "campaign.phase_changed": _("A campaign moved to its next phase"),
            "message.scheduled": _("A campaign message to post in the group now"),
            "offer.claimed": _("A member claimed a limited offer"),
            "followup.created": _("A customer-service follow-up task was created after a campaign"),
            "play.drawn": _("A lottery was drawn: winners and the revealed seed"),
            "play.group_buy_unlocked": _("A group-buy reached its participants and unlocks"),
            "play.group_buy_failed": _("A group-buy missed its participants: entries refunded or cancelled"),
            "play.checkin_rewarded": _("A member reached a check-in streak and earns its reward"),
            "play.fatigue_warning": _("A benefit group's plays show signs of fatigue"),
            "referral.rewarded": _("An inviter earned a referral reward"),
            "member.converted": _("A campaign member converted to a paid entitlement"),
        }
        for name, label in events.items():
            register_event_type(name, label)

        from groups.campaigns.panels import register_panels

        register_panels()
