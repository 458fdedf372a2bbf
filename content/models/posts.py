"""Posts: an item put into groups at a time, with tracked links, reach and engagement."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from content.models.library import ContentItem
from groups.models.fields import community_fk
from suo.fields import choice_field, created_at_field, optional_time, user_fk, valid_choice, workspace_fk


class PostState(models.TextChoices):
    DUE = "due", _("Scheduled")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Post(models.Model):
    """An item scheduled into one or more groups. Sent by an ETA task (or the reconciler) that
    claims it with a conditional UPDATE, as a `content.post_due` webhook for the bot."""

    workspace = workspace_fk()
    item = models.ForeignKey(
        ContentItem, on_delete=models.PROTECT, related_name="posts", verbose_name=_("content item")
    )
    scheduled_at = models.DateTimeField(_("scheduled at"))
    state = choice_field(_("state"), PostState, PostState.DUE)
    sent_at = optional_time(_("sent at"))
    created_by = user_fk()
    created_at = created_at_field()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-scheduled_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "scheduled_at"], name="content_post_state_due"),
            models.Index(fields=["workspace", "-scheduled_at"], name="content_post_ws_scheduled"),
            models.Index(fields=["item", "state"], name="content_post_item_state"),
        ]
        constraints = [
            valid_choice("state", PostState, "content_post_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.item.title} @ {self.scheduled_at:%Y-%m-%d %H:%M}"


class PostDelivery(models.Model):
    """The post in one group: its body with tracked links, and the group's size when it was sent."""

    workspace = workspace_fk(labelled=False)
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("post")
    )
    community = community_fk()
    body = models.TextField(_("body"))
    reach = models.PositiveIntegerField(
        _("reach"), null=True, blank=True, help_text=_("Active members of the group when the post was sent.")
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["post", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "community"], name="content_delivery_unique_group"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.community_id}"


class PostLink(models.Model):
    """A tracked short link made for one URL of a post's body in one group: clicks on it are the post's."""

    workspace = workspace_fk(labelled=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="links")
    community = models.ForeignKey("groups.Community", on_delete=models.CASCADE, related_name="+")
    link = models.OneToOneField("links.Link", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2048)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["post", "community", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "community", "position"], name="content_post_link_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return self.url


class EngagementKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    REACTION = "reaction", _("Reaction")
    SHARE = "share", _("Share")


INTERACTION_KINDS = (EngagementKind.REPLY, EngagementKind.REACTION)


class PostEngagement(models.Model):
    """A reply, reaction or share of a post by a member, pushed through POST /api/events/."""

    workspace = workspace_fk(labelled=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="engagements")
    community = models.ForeignKey("groups.Community", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("groups.Member", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=EngagementKind.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["post", "kind"], name="content_engagement_post_kind")]
        constraints = [
            valid_choice("kind", EngagementKind, "content_engagement_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.post_id}"
