"""Flash campaigns (快闪): phases on a schedule, limited offers and their claims, messages per phase,
and what the wrap-up leaves behind (follow-up tasks for customer service)."""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from groups.models.fields import community_fk, member_fk
from suo import fields
from suo.db import CountersKeptOnSave

SLUG_MAX = 32  # tags are "<slug>:claimed" and a tag has at most 40 characters


class CampaignPhase(models.TextChoices):
    DRAFT = "draft", _("Not started")
    PREHEAT = "preheat", _("Preheat")
    IGNITE = "ignite", _("Ignite")
    WRAP_UP = "wrap_up", _("Wrap-up")
    CLOSED = "closed", _("Closed")


# The scheduled phases, in the only order they happen.
PHASES = (CampaignPhase.PREHEAT, CampaignPhase.IGNITE, CampaignPhase.WRAP_UP, CampaignPhase.CLOSED)
SCHEDULED_PHASES = [(phase.value, phase.label) for phase in PHASES]


class Campaign(models.Model):
    """A campaign run in one group: a flash sale in a flash group, or a fission drive in a lead-gen group."""

    workspace = fields.workspace_fk("campaigns")
    group = community_fk("campaigns")
    name = models.CharField(_("name"), max_length=100)
    slug = models.CharField(
        _("slug"),
        max_length=SLUG_MAX,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9][a-z0-9-]{1,31}$",
                _("2–32 lowercase letters, digits or hyphens, starting with a letter or digit."),
            )
        ],
        help_text=_("Public address /c/<slug>; also the campaign label on memberships."),
    )
    description = models.TextField(_("description"), blank=True, help_text=_("Shown on the countdown page."))
    phase = fields.choice_field(_("phase"), CampaignPhase, CampaignPhase.DRAFT, max_length=8)
    phase_changed_at = fields.optional_time(_("phase changed at"))
    thank_you_message = models.TextField(
        _("thank-you message"), blank=True, help_text=_("Sent to the group when the wrap-up starts.")
    )
    thank_you_red_packet = models.DecimalField(
        _("thank-you red packet (yuan)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    referral_stay_days = models.PositiveSmallIntegerField(
        _("invitees must stay (days)"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("An invitee counts for the inviter after staying this many days."),
    )
    referral_invitees_per_reward = models.PositiveSmallIntegerField(
        _("qualified invitees per reward"), default=1, validators=[MinValueValidator(1)]
    )
    referral_reward = models.CharField(
        _("referral reward"), max_length=200, blank=True, help_text=_("e.g. a free course or a coupon.")
    )
    created_by = fields.user_fk(_("created by"))
    created_at = fields.created_at_field()
    updated_at = fields.updated_at_field()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "phase"], name="campaign_ws_phase")]
        constraints = [
            fields.valid_choice("phase", CampaignPhase, "campaign_phase_valid"),
            fields.at_least("referral_stay_days", 1, "campaign_stay_days_positive"),
            fields.at_least("referral_invitees_per_reward", 1, "campaign_per_reward_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (/c/{self.slug})"

    @property
    def countdown_url(self) -> str:
        return f"{settings.SHORT_BASE_URL}/c/{self.slug}"


def campaign_fk(related_name: str) -> "models.ForeignKey[Campaign, Campaign]":
    """The campaign a row belongs to and is deleted with."""
    return fields.parent_fk(Campaign, _("campaign"), related_name)


class TransitionState(models.TextChoices):
    DUE = "due", _("To run")
    DONE = "done", _("Done")


class PhaseTransition(models.Model):
    """The scheduled move of a campaign into one phase: its due time, then when it really happened.

    This row is the schedule: an ETA task and the reconciler claim it with a conditional update
    (state due → done), so a transition happens once, in order, whoever gets there first.
    """

    workspace = fields.workspace_fk()
    campaign = campaign_fk("transitions")
    phase = fields.choice_field(_("phase"), CampaignPhase, max_length=8)
    position = models.PositiveSmallIntegerField(_("order"))
    due_at = models.DateTimeField(_("planned at"))
    state = fields.choice_field(_("state"), TransitionState, "due", max_length=8)
    done_at = fields.optional_time(_("happened at"))
    messages_sent = models.PositiveIntegerField(_("messages sent"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("phase transition")
        verbose_name_plural = _("phase transitions")
        ordering = ["campaign", "position"]
        indexes = [models.Index(fields=["state", "due_at"], name="transition_state_due")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "phase"], name="transition_unique_phase"),
            models.CheckConstraint(
                condition=Q(phase__in=[p.value for p in PHASES]), name="transition_phase_scheduled"
            ),
            models.CheckConstraint(
                condition=Q(state="due", done_at__isnull=True) | Q(state="done", done_at__isnull=False),
                name="transition_done_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.name}: {self.get_phase_display()}"


class Offer(CountersKeptOnSave, models.Model):
    """A limited-stock offer of a campaign; `claimed` only moves by conditional F() updates."""

    COUNTER_FIELDS = ("claimed",)

    workspace = fields.workspace_fk()
    campaign = campaign_fk("offers")
    name = models.CharField(_("name"), max_length=100)
    price = models.DecimalField(
        _("price (yuan)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    stock = models.PositiveIntegerField(_("stock"))
    claimed = models.PositiveIntegerField(_("claimed"), default=0, editable=False)
    per_member_limit = models.PositiveSmallIntegerField(
        _("limit per member"), default=1, validators=[MinValueValidator(1)]
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = fields.created_at_field()

    class Meta:
        verbose_name = _("limited offer")
        verbose_name_plural = _("limited offers")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed__lte=F("stock")),
                name="offer_claimed_within_stock",
                violation_error_message=_("The stock cannot be lower than what was already claimed."),
            ),
            fields.at_least("per_member_limit", 1, "offer_limit_positive"),
            fields.at_least("price", 0, "offer_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.campaign.name})"

    @property
    def remaining(self) -> int:
        return max(0, self.stock - self.claimed)


class Claim(models.Model):
    """One unit of an offer claimed by a member; `seq` numbers a member's claims of the offer.

    (offer, member, seq) is unique and seq never passes the offer's limit, so two concurrent
    claims of one member cannot both be their last allowed one.
    """

    workspace = fields.workspace_fk()
    campaign = campaign_fk("claims")
    offer = fields.parent_fk(Offer, _("offer"), "claims")
    member = member_fk()
    seq = models.PositiveSmallIntegerField(_("member's claim number"))
    remaining_after = models.PositiveIntegerField(_("remaining after"))
    via = models.CharField(_("via"), max_length=8, default="api")
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True, editable=False)
    by = fields.user_fk(_("by"))
    created_at = models.DateTimeField(_("claimed at"))

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["campaign", "member"], name="claim_campaign_member")]
        constraints = [
            models.UniqueConstraint(fields=["offer", "member", "seq"], name="claim_unique_seq"),
            models.UniqueConstraint(
                fields=["offer", "member", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="claim_unique_idempotency_key",
            ),
            fields.at_least("seq", 1, "claim_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.member.display_name}: {self.offer.name}"


class ScheduledMessage(models.Model):
    """A message the bot posts in the group when the campaign enters `phase` (webhook message.scheduled)."""

    workspace = fields.workspace_fk()
    campaign = campaign_fk("messages")
    phase = fields.choice_field(_("phase"), CampaignPhase, max_length=8)
    text = models.TextField(_("text"), max_length=2000)
    link = fields.optional_fk("links.Link", _("tracked short link"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    sent_at = fields.optional_time(_("sent at"))
    created_at = fields.created_at_field()

    class Meta:
        verbose_name = _("scheduled message")
        verbose_name_plural = _("scheduled messages")
        ordering = ["campaign", "phase", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(phase__in=[p.value for p in PHASES]), name="message_phase_scheduled"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()}: {self.text[:40]}"

    @property
    def url(self) -> str:
        """Where the message's tracked link leads (shown beside it in the admin)."""
        return self.link.url if self.link_id else ""


class CampaignVisit(models.Model):
    """A member opened their personal countdown link (what the wrap-up tags as `clicked`)."""

    workspace = fields.workspace_fk()
    campaign = campaign_fk("visits")
    member = member_fk()
    first_at = models.DateTimeField(_("first visit"))
    last_at = models.DateTimeField(_("last visit"))
    count = models.PositiveIntegerField(_("visits"), default=1)

    class Meta:
        verbose_name = _("countdown page visit")
        verbose_name_plural = _("countdown page visits")
        ordering = ["-last_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "member"], name="visit_unique_member")]

    def __str__(self) -> str:
        return f"{self.member.display_name} @ {self.campaign.name}"


class FollowUpState(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpTask(models.Model):
    """Customer service follows up with a member who claimed during the campaign (one per member)."""

    workspace = fields.workspace_fk()
    campaign = campaign_fk("follow_ups")
    member = member_fk()
    summary = models.CharField(_("what they claimed"), max_length=300)
    assignee = fields.optional_fk(settings.AUTH_USER_MODEL, _("assignee"), "campaign_follow_ups")
    state = fields.choice_field(_("state"), FollowUpState, FollowUpState.OPEN, max_length=10)
    note = models.TextField(_("note"), blank=True)
    created_at = fields.created_at_field()
    updated_at = fields.updated_at_field()
    done_at = fields.optional_time(_("finished at"))

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["state", "-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "state", "assignee"], name="followup_ws_state")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="followup_unique_member"),
            fields.valid_choice("state", FollowUpState, "followup_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.member.display_name}: {self.summary}"
