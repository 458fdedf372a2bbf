from django.db import models
from django.utils.translation import gettext_lazy as _

from groups.models.community import Community
from groups.models.fields import community_fk, member_fk
from suo import fields


class InboundEvent(models.Model):
    """An event id already applied: sending the same event again changes nothing."""

    workspace = fields.workspace_fk()
    event_id = models.CharField(_("event id"), max_length=100)
    type = models.CharField(_("type"), max_length=16)
    received_at = fields.created_at_field(_("received at"))

    class Meta:
        verbose_name = _("received event")
        verbose_name_plural = _("received events")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "event_id"], name="inbound_event_unique_id")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class ActivityEvent(models.Model):
    """A member took part in an activity (check-in, lottery, group-buy...), optionally of a campaign."""

    workspace = fields.workspace_fk()
    member = member_fk("activities")
    community = fields.optional_fk(Community, _("group"), "activities")
    campaign = models.CharField(_("campaign"), max_length=64, blank=True)
    name = models.CharField(_("activity"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["member", "campaign"], name="activity_member_campaign")]

    def __str__(self) -> str:
        return f"{self.member.display_name}: {self.name or self.campaign}"


class MessageDailyCount(models.Model):
    """How many messages a member posted in a group on one day (workspace time zone); no text kept."""

    workspace = fields.workspace_fk()
    community = community_fk("message_counts")
    member = member_fk("message_counts")
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("messages"), default=0)

    class Meta:
        verbose_name = _("messages per day")
        verbose_name_plural = _("messages per day")
        ordering = ["-day", "community", "member"]
        indexes = [models.Index(fields=["workspace", "day"], name="message_count_ws_day")]
        constraints = [
            models.UniqueConstraint(fields=["community", "member", "day"], name="message_count_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.member.display_name}: {self.count}"
