"""Live group codes (群活码): one stable code that rotates visitors across groups' current QR images."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from links.models import LinkState, PlatformGate, antiblock_field
from suo.db import CountersKeptOnSave
from suo.fields import (
    at_least,
    choice_field,
    created_at_field,
    optional_fk,
    optional_time,
    parent_fk,
    updated_at_field,
    user_fk,
    valid_choice,
    workspace_fk,
)

DEFAULT_SCAN_LIMIT = 200
DEFAULT_ENTRY_DAYS = 7  # WeChat group QR codes stop working 7 days after they are generated


class RotationStrategy(models.TextChoices):
    FILL_FIRST = "fill_first", _("Fill the first group, then the next")
    ROUND_ROBIN = "round_robin", _("Take turns")
    LEAST_SCANNED = "least_scanned", _("Least scanned first")


def default_entry_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=DEFAULT_ENTRY_DAYS)


def entry_upload_to(entry: "LiveCodeEntry", filename: str) -> str:
    return f"livecodes/{entry.workspace_id}/{timezone.now():%Y%m}/{filename}"


def fallback_upload_to(live_code: "LiveCode", filename: str) -> str:
    return f"livecodes/{live_code.workspace_id}/fallback/{filename}"


class LiveCode(CountersKeptOnSave, PlatformGate):
    # Counters are written only by the click capture (F() updates), never by a form's save().
    COUNTER_FIELDS = ("scan_count", "unique_scan_count")
    CLICK_COUNTERS = COUNTER_FIELDS  # what links.capture bumps per scan: all scans, first of the day

    workspace = workspace_fk("live_codes")
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"), max_length=64, unique=True, help_text=_("Public address: /g/<code>; case-sensitive.")
    )
    strategy = choice_field(_("rotation"), RotationStrategy, RotationStrategy.FILL_FIRST)
    fallback_message = models.TextField(
        _("fallback message"),
        blank=True,
        help_text=_("Shown when every group is full or expired; empty: a standard message."),
    )
    fallback_image = models.FileField(
        _("customer-service QR code"),
        upload_to=fallback_upload_to,
        blank=True,
        help_text=_("Shown with the fallback message, so visitors can still reach you."),
    )
    # Not the workspace's link defaults: those are tuned to get web pages out of the apps, while a
    # group code is meant to be long-pressed inside them; so the default is direct (show the code).
    antiblock = antiblock_field(
        _("Empty: show the group code in every app (long-press works inside WeChat).")
    )
    is_active = models.BooleanField(_("active"), default=True)
    scan_count = models.PositiveBigIntegerField(_("scans"), default=0, editable=False)
    unique_scan_count = models.PositiveBigIntegerField(_("unique visitors"), default=0, editable=False)
    created_by = user_fk(_("created by"))
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta(PlatformGate.Meta):
        app_label = "links"
        verbose_name = _("live group code")
        verbose_name_plural = _("live group codes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="livecode_ws_created")]
        constraints = [
            valid_choice("strategy", RotationStrategy, "livecode_strategy_valid"),
            *PlatformGate.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.name} (/g/{self.code})"

    @property
    def short_url(self) -> str:
        return f"{settings.SHORT_BASE_URL}/g/{self.code}"

    password = ""  # the redirect rules (links.redirect.decide) read it: live codes have none

    def state(self, now=None) -> LinkState:
        return LinkState.ACTIVE if self.is_active else LinkState.INACTIVE


class EntryState(models.TextChoices):
    USABLE = "usable", _("In rotation")
    FULL = "full", _("Full")
    EXPIRED = "expired", _("Expired")
    INACTIVE = "inactive", _("Switched off")


def usable_entries_q(now: dt.datetime, prefix: str = "") -> Q:
    """Entries a visitor may be sent to: active, below the scan limit, not expired."""
    return Q(
        **{
            f"{prefix}is_active": True,
            f"{prefix}scans__lt": F(f"{prefix}scan_limit"),
            f"{prefix}expires_at__gt": now,
        }
    )


class LiveCodeEntry(CountersKeptOnSave, models.Model):
    """One group's current join QR code inside a live code."""

    COUNTER_FIELDS = ("scans", "last_scanned_at")

    workspace = workspace_fk()
    live_code = parent_fk(LiveCode, _("live group code"), "entries")
    image = models.FileField(_("group QR image"), upload_to=entry_upload_to)
    content = models.TextField(_("decoded content"), help_text=_("What the QR code in the image says."))
    content_hash = models.CharField(max_length=64, editable=False)
    content_is_url = models.BooleanField(_("content is a web address"), default=False)
    group = optional_fk("groups.Community", _("community group"), related_name="live_code_entries")
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("Shown to visitors; empty: the group's name.")
    )
    scan_limit = models.PositiveIntegerField(
        _("scan limit"),
        default=DEFAULT_SCAN_LIMIT,
        help_text=_("After this many scans visitors are sent to the next group."),
    )
    scans = models.PositiveIntegerField(_("scans so far"), default=0)
    expires_at = models.DateTimeField(
        _("expires at"), default=default_entry_expiry, help_text=_("Group QR codes usually work for 7 days.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    last_scanned_at = optional_time(_("last scanned at"))
    created_by = user_fk(_("uploaded by"))
    created_at = created_at_field(_("uploaded at"))
    updated_at = updated_at_field()

    class Meta:
        app_label = "links"
        verbose_name = _("group QR code")
        verbose_name_plural = _("group QR codes")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["live_code", "position"], name="livecode_entry_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["live_code", "content_hash"], name="livecode_entry_unique_content"
            ),
            at_least("scan_limit", 1, "livecode_entry_limit_positive"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.content[:60]

    @property
    def display_name(self) -> str:
        if self.label:
            return self.label
        return self.group.name if self.group_id and self.group else ""

    @property
    def remaining(self) -> int:
        return max(0, self.scan_limit - self.scans)

    def state(self, now=None) -> EntryState:
        now = now or timezone.now()
        if not self.is_active:
            return EntryState.INACTIVE
        if self.expires_at <= now:
            return EntryState.EXPIRED
        if self.scans >= self.scan_limit:
            return EntryState.FULL
        return EntryState.USABLE


class AlertKind(models.TextChoices):
    ENTRY_NEARLY_FULL = "entry_nearly_full", _("A group is nearly full")
    ENTRY_EXPIRING = "entry_expiring", _("A group QR code expires soon")
    NO_USABLE_ENTRY = "no_usable_entry", _("No group left to send visitors to")


class LiveCodeAlert(models.Model):
    """An in-app notification for the workspace's operators about a live code.

    One open alert per condition (`subject` names it, e.g. "entry:12"): checking again while the
    condition holds adds nothing; once it clears the alert is resolved, and a new episode opens a
    new alert.
    """

    workspace = workspace_fk()
    live_code = parent_fk(LiveCode, _("live group code"), "alerts")
    entry = parent_fk(LiveCodeEntry, _("group QR code"), "alerts", null=True, blank=True)
    kind = choice_field(_("kind"), AlertKind, max_length=24)
    subject = models.CharField(max_length=40, editable=False)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = created_at_field(_("raised at"))
    resolved_at = optional_time(_("resolved at"))
    read_at = optional_time(_("read at"))
    read_by = user_fk(_("read by"))

    class Meta:
        app_label = "links"
        verbose_name = _("live code alert")
        verbose_name_plural = _("live code alerts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="livecode_alert_ws_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["live_code", "kind", "subject"],
                condition=Q(resolved_at__isnull=True),
                name="livecode_alert_one_open_per_condition",
            ),
            valid_choice("kind", AlertKind, "livecode_alert_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.live_code.name}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
