import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from links.platforms import IN_APP_PLATFORMS, VisitorPlatform
from suo.db import CountersKeptOnSave
from suo.fields import (
    WorkspaceTag,
    choice_field,
    created_at_field,
    one_per_workspace,
    optional_char,
    optional_fk,
    optional_json,
    optional_time,
    parent_fk,
    updated_at_field,
    user_fk,
    workspace_fk,
)


class AntiBlockMode(models.TextChoices):
    DIRECT = "direct", _("Direct redirect")
    GUIDE = "guide", _("Guide to open in the browser")
    COPY = "copy", _("Copy the link")


def default_antiblock_for(platform: str) -> str:
    """Built-in default when neither the link nor the workspace chose: guide inside the apps."""
    return AntiBlockMode.GUIDE if platform in IN_APP_PLATFORMS else AntiBlockMode.DIRECT


def antiblock_field(help_text) -> models.CharField:
    return models.CharField(
        _("anti-block mode"), max_length=8, choices=AntiBlockMode.choices, blank=True, help_text=help_text
    )


class PlatformGate(models.Model):
    """Who may open a public address and how in-app browsers are handled: the fields and rules that
    short links and live group codes share."""

    allowed_platforms = optional_json(
        _("allowed platforms"), list, help_text=_("Empty: every platform may open it.")
    )
    antiblock = antiblock_field(_("Empty: the workspace's default for each platform."))
    antiblock_by_platform = optional_json(
        _("anti-block mode per platform"), dict, help_text=_("Overrides for single platforms.")
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(antiblock__in=["", *AntiBlockMode.values]),
                name="%(class)s_antiblock_valid",
            ),
        ]

    def allows(self, platform: str) -> bool:
        return not self.allowed_platforms or platform in self.allowed_platforms

    def antiblock_mode(self, platform: str) -> str:
        """The choice for this platform, else the own mode, else `default_antiblock`."""
        return self.antiblock_by_platform.get(platform) or self.antiblock or self.default_antiblock(platform)

    def default_antiblock(self, platform: str) -> str:
        return AntiBlockMode.DIRECT


class LinkSettings(models.Model):
    """Per-workspace link configuration."""

    workspace = one_per_workspace("link_settings")
    antiblock_defaults = optional_json(
        _("anti-block mode per platform"),
        dict,
        help_text=_("Platform id → direct, guide or copy; platforms not listed use guide inside apps."),
    )
    blocked_domains = optional_json(
        _("blocked domains"), list, help_text=_("Links to these domains (and their subdomains) are refused.")
    )

    class Meta:
        verbose_name = _("link settings")
        verbose_name_plural = _("link settings")

    def __str__(self) -> str:
        return str(self.workspace)

    def antiblock_for(self, platform: str) -> str:
        return self.antiblock_defaults.get(platform) or default_antiblock_for(platform)


class LinkTag(WorkspaceTag):
    class Meta(WorkspaceTag.Meta):
        verbose_name = _("link tag")
        verbose_name_plural = _("link tags")
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="link_tag_unique_name")]


class LinkState(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Deactivated")
    EXPIRED = "expired", _("Expired")
    EXHAUSTED = "exhausted", _("Click limit reached")


class Link(CountersKeptOnSave, PlatformGate):
    # Counters are written only by the click capture (F() updates); a save() from a form or the
    # admin would otherwise write back the stale numbers it loaded.
    COUNTER_FIELDS = ("click_count", "unique_click_count", "capped_clicks")
    # What links.capture bumps per click: all clicks, first visits of the day.
    CLICK_COUNTERS = ("click_count", "unique_click_count")

    workspace = workspace_fk("links")
    code = models.CharField(_("code"), max_length=64, unique=True)
    url = models.URLField(_("target URL"), max_length=2048)
    title = models.CharField(_("title"), max_length=200, blank=True)
    tags = models.ManyToManyField(LinkTag, blank=True, related_name="links", verbose_name=_("tags"))
    password = models.CharField(_("password"), max_length=128, blank=True)
    expires_at = optional_time(_("expires at"))
    max_clicks = models.PositiveIntegerField(_("maximum clicks"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    source = optional_char(_("source"), help_text=_("Channel label for analytics, e.g. a UTM source."))
    group = optional_fk(
        "groups.Community",
        _("community group"),
        related_name="links",
        help_text=_("Optional: the group this link brings people to, for attribution."),
    )
    created_by = user_fk(_("created by"))
    click_count = models.PositiveBigIntegerField(_("clicks"), default=0, editable=False)
    unique_click_count = models.PositiveBigIntegerField(_("unique visitors"), default=0, editable=False)
    capped_clicks = models.PositiveIntegerField(default=0, editable=False)
    og_title = models.CharField(_("preview title"), max_length=300, blank=True, editable=False)
    og_description = models.CharField(_("preview description"), max_length=500, blank=True, editable=False)
    og_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta(PlatformGate.Meta):
        verbose_name = _("short link")
        verbose_name_plural = _("short links")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="link_ws_created")]
        constraints = [
            *PlatformGate.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(max_clicks__isnull=True) | models.Q(max_clicks__gte=1),
                name="link_max_clicks_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} → {self.title or self.url}"

    @property
    def short_url(self) -> str:
        return f"{settings.SHORT_BASE_URL}/{self.code}"

    def state(self, now=None) -> LinkState:
        now = now or timezone.now()
        if not self.is_active:
            return LinkState.INACTIVE
        if self.expires_at is not None and self.expires_at <= now:
            return LinkState.EXPIRED
        if self.max_clicks is not None and self.capped_clicks >= self.max_clicks:
            return LinkState.EXHAUSTED
        return LinkState.ACTIVE

    def default_antiblock(self, platform: str) -> str:
        """The workspace's choice for the platform, else the built-in default."""
        try:
            link_settings = self.workspace.link_settings
        except LinkSettings.DoesNotExist:
            return default_antiblock_for(platform)
        return link_settings.antiblock_for(platform)


class Click(models.Model):
    """One counted visit of a short link or a live group code (a scan). No raw IP is kept: the
    visitor hash is salted and the salt changes daily."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = workspace_fk(labelled=False)
    link = parent_fk(Link, _("link"), "clicks", null=True, blank=True)
    live_code = parent_fk("links.LiveCode", _("live group code"), "clicks", null=True, blank=True)
    live_code_entry = optional_fk(
        "links.LiveCodeEntry",
        _("group QR code"),
        related_name="clicks",
        help_text=_("The group the visitor was shown; empty when every group was full (fallback)."),
    )
    at = models.DateTimeField(_("time"))
    day = models.DateField(_("day"), help_text=_("The visit's day in the workspace's time zone."))
    platform = choice_field(_("platform"), VisitorPlatform, max_length=24)
    os = models.CharField(_("operating system"), max_length=32, blank=True)
    device = models.CharField(_("device"), max_length=64, blank=True)
    referrer_host = models.CharField(_("referrer"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    visitor_hash = models.CharField(max_length=32)
    is_unique = models.BooleanField(_("first visit of the day"), default=True)

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["link", "at"], name="click_link_at"),
            models.Index(fields=["workspace", "at"], name="click_ws_at"),
            models.Index(fields=["live_code", "at"], name="click_livecode_at"),
            # Whether a visitor already came that day (is_unique), asked for every stored click.
            # Partial: a click has one owner, so each index holds only the rows it can answer for.
            models.Index(
                fields=["link", "day", "visitor_hash"],
                name="click_link_day_visitor",
                condition=models.Q(link__isnull=False),
            ),
            models.Index(
                fields=["live_code", "day", "visitor_hash"],
                name="click_livecode_day_visitor",
                condition=models.Q(live_code__isnull=False),
            ),
        ]
        constraints = [
            # A click belongs to exactly one of a link or a live code.
            models.CheckConstraint(
                condition=(
                    models.Q(link__isnull=False, live_code__isnull=True, live_code_entry__isnull=True)
                    | models.Q(link__isnull=True, live_code__isnull=False)
                ),
                name="click_link_xor_live_code",
            ),
        ]

    def __str__(self) -> str:
        target = f"/g/{self.live_code_id}" if self.live_code_id else self.link_id
        return f"{target} @ {self.at:%Y-%m-%d %H:%M}"


class SpoolOffset(models.Model):
    """How far links.spool drained a spool file: saved in the transaction that stored the visits
    before it, so a drain that dies mid-batch redoes exactly that batch."""

    name = models.CharField(max_length=100, unique=True)
    offset = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.offset}"
