"""Lead-gen and fission (引流 / 裂变): lures with a tracked link or live code per channel, referrals
that count once the invitee stayed N days, the rewards they earn, and conversions to paid."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from groups.campaigns.models.flash import campaign_fk
from groups.models.fields import member_fk
from suo import fields


class Lure(models.Model):
    """The free thing a campaign offers to bring people in (a guide, a sample, a course)."""

    workspace = fields.workspace_fk()
    campaign = campaign_fk("lures")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    created_at = fields.created_at_field()

    class Meta:
        verbose_name = _("lure")
        verbose_name_plural = _("lures")
        ordering = ["campaign", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="lure_unique_name")]

    def __str__(self) -> str:
        return self.name


class LureChannel(models.Model):
    """Where a lure is published; `channel` is the label joins carry (Membership.channel)."""

    workspace = fields.workspace_fk()
    campaign = campaign_fk("lure_channels")
    lure = fields.parent_fk(Lure, _("lure"), "channels")
    channel = models.CharField(
        _("channel"), max_length=64, help_text=_("e.g. douyin, xiaohongshu; unique within the campaign.")
    )
    link = fields.optional_fk("links.Link", _("tracked short link"))
    live_code = fields.optional_fk("links.LiveCode", _("live group code"))

    class Meta:
        verbose_name = _("lure channel")
        verbose_name_plural = _("lure channels")
        ordering = ["lure", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "channel"], name="lure_channel_unique_label"),
        ]

    def __str__(self) -> str:
        return f"{self.lure.name} · {self.channel}"


class ReferralState(models.TextChoices):
    PENDING = "pending", _("Waiting for the stay")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Left early")
    REFUSED = "refused", _("Refused")


class ReferralReason(models.TextChoices):
    NONE = "", _("—")
    LEFT_EARLY = "left_early", _("Left before the stay was over")
    KICKED = "kicked", _("Kicked or banned")
    SELF_INVITE = "self_invite", _("Invited themselves")
    LOOP = "loop", _("Invitation loop")


class ReferralReward(models.Model):
    """The k-th reward an inviter earned in a campaign; (campaign, inviter, number) is granted once."""

    workspace = fields.workspace_fk()
    campaign = campaign_fk("referral_rewards")
    inviter = member_fk("+", _("inviter"))
    number = models.PositiveSmallIntegerField(_("reward number"))
    reward = models.CharField(_("reward"), max_length=200, blank=True)
    granted_at = models.DateTimeField(_("granted at"))

    class Meta:
        verbose_name = _("referral reward")
        verbose_name_plural = _("referral rewards")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "inviter", "number"], name="referral_reward_once"),
        ]

    def __str__(self) -> str:
        return f"{self.inviter.display_name} #{self.number}: {self.reward}"


class Referral(models.Model):
    """An invitation into a campaign's group; it counts for the inviter once the invitee stayed.

    The row is the schedule: `qualifies_at` is its due time, an ETA task and the reconciler check
    it once (pending → qualified / disqualified by a conditional update). One row per invitee and
    campaign: leaving and rejoining does not count twice.
    """

    workspace = fields.workspace_fk()
    campaign = campaign_fk("referrals")
    membership = fields.parent_fk("groups.Membership", _("membership"))
    invitee = member_fk("+", _("invitee"))
    inviter = member_fk("+", _("inviter"))
    joined_at = models.DateTimeField(_("joined at"))
    qualifies_at = models.DateTimeField(_("counts from"))
    state = fields.choice_field(_("state"), ReferralState, "pending", max_length=12)
    reason = fields.choice_field(_("reason"), ReferralReason, max_length=12, blank=True)
    checked_at = fields.optional_time(_("checked at"))
    reward = fields.optional_fk(ReferralReward, _("reward"), "referrals")

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-joined_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "qualifies_at"], name="referral_state_due"),
            models.Index(fields=["campaign", "inviter", "state"], name="referral_campaign_inviter"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "invitee"], name="referral_one_per_invitee"),
            fields.valid_choice("state", ReferralState, "referral_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.inviter.display_name} → {self.invitee.display_name}"


class Conversion(models.Model):
    """A campaign member bought (a paid entitlement), attributed to the lure, link and inviter."""

    workspace = fields.workspace_fk()
    campaign = campaign_fk("conversions")
    member = member_fk()
    entitlement = fields.parent_fk("groups.Entitlement", _("paid entitlement"))
    channel = models.CharField(_("channel"), max_length=64, blank=True)
    lure = fields.optional_fk(Lure, _("lure"))
    link = fields.optional_fk("links.Link", _("tracked short link"))
    inviter = fields.optional_fk("groups.Member", _("inviter"))
    converted_at = models.DateTimeField(_("converted at"))

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")
        ordering = ["-converted_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "member"], name="conversion_once")]

    def __str__(self) -> str:
        return f"{self.member.display_name} @ {self.campaign.name}"
