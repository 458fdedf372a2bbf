"""Benefit plays (福利玩法): a calendar of lotteries, check-ins and group-buys per benefit group, and
the fatigue alerts that tell operators when members tire of them."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from groups.models.fields import community_fk, member_fk
from suo import fields


class PlayKind(models.TextChoices):
    LOTTERY = "lottery", _("Lottery")
    CHECKIN = "checkin", _("Daily check-in")
    GROUP_BUY = "group_buy", _("Group-buy")


class PlayOutcome(models.TextChoices):
    PENDING = "", _("Not closed yet")
    DRAWN = "drawn", _("Drawn")
    SUCCEEDED = "succeeded", _("Deal unlocked")
    FAILED = "failed", _("Not enough participants")
    FINISHED = "finished", _("Finished")


# What is planned when a play is put on the calendar (the admin's form; the API shows it too): its
# slot, then what each kind needs.
PLAY_SLOT = ("group", "kind", "title", "description", "opens_at", "closes_at")
PLAY_TERMS = ("winners_count", "prize", "streak_days", "min_participants", "deal_price")


class Play(models.Model):
    """One play on a benefit group's calendar: entries between opens_at and closes_at.

    A lottery's seed is drawn when the play is created and only its SHA-256 (the commitment) is
    shown until the draw, so members can check afterwards that the winners were not chosen by hand.
    `closed_at` is the claim of the closing job: set once, by the ETA task or the reconciler.
    """

    workspace = fields.workspace_fk()
    group = community_fk("plays")
    kind = fields.choice_field(_("kind"), PlayKind, max_length=10)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    winners_count = models.PositiveIntegerField(_("winners"), null=True, blank=True)
    prize = models.CharField(_("prize or reward"), max_length=200, blank=True)
    streak_days = models.PositiveSmallIntegerField(
        _("reward at a streak of (days)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    min_participants = models.PositiveIntegerField(_("participants needed"), null=True, blank=True)
    deal_price = models.DecimalField(
        _("deal price (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    seed = models.CharField(max_length=64, blank=True, editable=False)
    commitment = models.CharField(_("commitment"), max_length=64, blank=True, editable=False)
    outcome = fields.choice_field(_("outcome"), PlayOutcome, PlayOutcome.PENDING, max_length=10, blank=True)
    unlocked_at = fields.optional_time(_("unlocked at"))
    closed_at = fields.optional_time(_("closed at"))
    created_by = fields.user_fk(_("created by"))
    created_at = fields.created_at_field()

    class Meta:
        verbose_name = _("benefit play")
        verbose_name_plural = _("benefit plays")
        ordering = ["opens_at", "pk"]
        indexes = [
            models.Index(fields=["group", "opens_at"], name="play_group_opens"),
            models.Index(fields=["closed_at", "closes_at"], name="play_closing"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__lt=F("closes_at")), name="play_window_ordered"),
            fields.valid_choice("kind", PlayKind, "play_kind_valid"),
            fields.valid_choice("outcome", PlayOutcome, "play_outcome_valid"),
            models.CheckConstraint(
                condition=~Q(kind="lottery") | Q(winners_count__gte=1), name="play_lottery_has_winners"
            ),
            models.CheckConstraint(
                condition=~Q(kind="checkin") | Q(streak_days__gte=1), name="play_checkin_has_streak"
            ),
            models.CheckConstraint(
                condition=~Q(kind="group_buy") | Q(min_participants__gte=2),
                name="play_group_buy_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()})"


class EntryState(models.TextChoices):
    ACTIVE = "active", _("Active")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")


class PlayEntry(models.Model):
    """A member takes part: one entry per lottery or group-buy, one check-in per local day."""

    workspace = fields.workspace_fk()
    play = fields.parent_fk(Play, _("play"), "entries")
    member = member_fk()
    day = models.DateField(_("day"), null=True, blank=True, help_text=_("Check-ins: the workspace's day."))
    streak = models.PositiveSmallIntegerField(_("streak"), null=True, blank=True)
    order_id = models.CharField(_("order id"), max_length=100, blank=True)
    state = fields.choice_field(_("state"), EntryState, "active", max_length=10)
    rank = models.PositiveIntegerField(_("winner rank"), null=True, blank=True)
    created_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("play entry")
        verbose_name_plural = _("play entries")
        ordering = ["play", "created_at", "pk"]
        indexes = [models.Index(fields=["play", "member"], name="play_entry_member")]
        constraints = [
            models.UniqueConstraint(
                fields=["play", "member"], condition=Q(day__isnull=True), name="play_entry_one_per_member"
            ),
            models.UniqueConstraint(
                fields=["play", "member", "day"],
                condition=Q(day__isnull=False),
                name="play_entry_one_per_day",
            ),
            fields.valid_choice("state", EntryState, "play_entry_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.member.display_name} @ {self.play.title}"


class PlayReward(models.Model):
    """A check-in streak reached the play's N days: the member earns its reward (once per play)."""

    workspace = fields.workspace_fk()
    play = fields.parent_fk(Play, _("play"), "rewards")
    member = member_fk()
    streak = models.PositiveSmallIntegerField(_("streak"))
    reward = models.CharField(_("reward"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("earned at"))

    class Meta:
        verbose_name = _("check-in reward")
        verbose_name_plural = _("check-in rewards")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["play", "member"], name="play_reward_once")]

    def __str__(self) -> str:
        return f"{self.member.display_name}: {self.reward or self.play.title}"


class PlayAlertKind(models.TextChoices):
    KIND_TOO_OFTEN = "kind_too_often", _("The same kind of play runs too often")
    PARTICIPATION_DROPPING = "participation_dropping", _("Participation dropped three plays in a row")


class PlayAlert(models.Model):
    """A fatigue warning for the operators of a benefit group (stored, listed, sent as a webhook)."""

    workspace = fields.workspace_fk()
    group = community_fk()
    play = fields.parent_fk(Play, _("play"), "alerts")
    kind = fields.choice_field(_("kind"), PlayAlertKind, max_length=24)
    message = models.CharField(_("message"), max_length=300)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = fields.created_at_field(_("raised at"))
    read_at = fields.optional_time(_("read at"))

    class Meta:
        verbose_name = _("play fatigue alert")
        verbose_name_plural = _("play fatigue alerts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="play_alert_ws_created")]
        constraints = [
            models.UniqueConstraint(fields=["play", "kind"], name="play_alert_once"),
            fields.valid_choice("kind", PlayAlertKind, "play_alert_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.play.title}"
