from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from groups.models.fields import community_fk
from groups.models.templates import validate_template
from suo import fields

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable


class CommunityKind(models.TextChoices):
    LEAD_GEN = "lead_gen", _("Lead generation group")
    BENEFIT = "benefit", _("Benefit group")
    FLASH = "flash", _("Flash group")


class ChatPlatform(models.TextChoices):
    """The chat platform a group lives on and its members are accounts of (not a visitor's platform,
    which is links.platforms')."""

    WECHAT = "wechat", _("WeChat")
    WECOM = "wecom", _("WeCom")
    QQ = "qq", _("QQ")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")
    OTHER = "other", _("Other")


class CommunityState(models.TextChoices):
    PLANNING = "planning", _("Planning")
    RECRUITING = "recruiting", _("Recruiting")
    ACTIVE = "active", _("Active")
    COOLING = "cooling", _("Cooling")
    ARCHIVED = "archived", _("Archived")


# The lifecycle: forward along planning → recruiting → active → cooling → archived, a cooling
# group may be revived, and any group that is not archived yet may be archived early.
STATE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CommunityState.PLANNING: (CommunityState.RECRUITING, CommunityState.ARCHIVED),
    CommunityState.RECRUITING: (CommunityState.ACTIVE, CommunityState.ARCHIVED),
    CommunityState.ACTIVE: (CommunityState.COOLING, CommunityState.ARCHIVED),
    CommunityState.COOLING: (CommunityState.ACTIVE, CommunityState.ARCHIVED),
    CommunityState.ARCHIVED: (),
}
# People can join while a group recruits or runs (or cools: it is still a live group).
JOINABLE_STATES = (CommunityState.RECRUITING, CommunityState.ACTIVE, CommunityState.COOLING)


class ThresholdMode(models.TextChoices):
    ALL = "all", _("All thresholds must be met")
    ANY = "any", _("Any one threshold is enough")


class Tag(models.Model):
    workspace = fields.workspace_fk()
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["workspace", "name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


TEMPLATE_HELP = _(
    "Placeholders: {nickname}, {group}, {inviter}, {rules}. Leave empty to use the workspace default."
)


def template_field(verbose_name) -> "models.TextField[str | Combinable, str]":
    """A message sent to members, its placeholders checked on save; groups fall back to the defaults."""
    return models.TextField(verbose_name, blank=True, validators=[validate_template], help_text=TEMPLATE_HELP)


class CommunityDefaults(models.Model):
    """Workspace-wide defaults for groups that leave a template empty."""

    workspace = fields.one_per_workspace("community_defaults")
    welcome_template = template_field(_("welcome message"))
    announcement_template = template_field(_("announcement"))
    rules_text = models.TextField(
        _("group rules"), blank=True, help_text=_("Rendered where a template says {rules}.")
    )

    class Meta:
        verbose_name = _("group defaults")
        verbose_name_plural = _("group defaults")
        ordering = ["workspace"]

    def __str__(self) -> str:
        return str(_("Group defaults of %(workspace)s") % {"workspace": self.workspace})


class Community(models.Model):
    """A community group (社群) on a chat platform."""

    workspace = fields.workspace_fk("communities")
    name = models.CharField(_("name"), max_length=100)
    kind = fields.choice_field(_("kind"), CommunityKind)
    platform = fields.choice_field(_("platform"), ChatPlatform, ChatPlatform.WECHAT)
    external_id = fields.optional_char(
        _("external id"),
        max_length=100,
        help_text=_("The group's id on its platform, as bots and integrations send it in events."),
    )
    member_limit = models.PositiveIntegerField(_("member limit"), default=500)
    state = fields.choice_field(_("lifecycle state"), CommunityState, CommunityState.PLANNING)
    state_changed_at = fields.optional_time(_("state changed at"))
    threshold_mode = fields.choice_field(
        _("thresholds combine with"), ThresholdMode, ThresholdMode.ALL, max_length=8
    )
    welcome_template = template_field(_("welcome message"))
    announcement_template = template_field(_("announcement"))
    rules_text = models.TextField(
        _("group rules"),
        blank=True,
        help_text=_("Rendered where a template says {rules}; empty uses the default."),
    )
    ladder = fields.optional_fk(
        "groups.Ladder",
        _("penalty ladder"),
        "communities",
        help_text=_("Empty: the workspace's default ladder."),
    )
    notes = models.TextField(_("notes"), blank=True, help_text=_("For the team; never shown to members."))
    tags = models.ManyToManyField(Tag, blank=True, related_name="communities", verbose_name=_("tags"))
    created_at = fields.created_at_field()

    class Meta:
        verbose_name = _("community group")
        verbose_name_plural = _("community groups")
        ordering = ["workspace", "name", "pk"]
        indexes = [
            models.Index(fields=["workspace", "state"], name="community_ws_state"),
            models.Index(fields=["workspace", "kind"], name="community_ws_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"],
                condition=~models.Q(external_id=""),
                name="community_unique_external_id",
            ),
            fields.at_least("member_limit", 1, "community_member_limit_positive"),
            fields.valid_choice("kind", CommunityKind, "community_kind_valid"),
            fields.valid_choice("state", CommunityState, "community_state_valid"),
            fields.valid_choice("platform", ChatPlatform, "community_platform_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class CommunityStateChange(models.Model):
    """Who moved a group from one lifecycle state to the next, and when."""

    workspace = fields.workspace_fk()
    community = community_fk("state_changes")
    from_state = fields.choice_field(_("from"), CommunityState)
    to_state = fields.choice_field(_("to"), CommunityState)
    by = fields.user_fk(_("by"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("lifecycle change")
        verbose_name_plural = _("lifecycle changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["community", "-at"], name="community_state_change_at")]

    def __str__(self) -> str:
        return f"{self.community}: {self.get_from_state_display()} → {self.get_to_state_display()}"
