from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from groups.models.community import ChatPlatform, Community, Tag
from suo.models import Workspace


class Member(models.Model):
    """A person on a chat platform, known to the workspace (one row per platform account)."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="community_members", verbose_name=_("workspace")
    )
    display_name = models.CharField(_("display name"), max_length=100)
    platform = models.CharField(
        _("platform"), max_length=16, choices=ChatPlatform.choices, default=ChatPlatform.WECHAT
    )
    external_id = models.CharField(
        _("external id"), max_length=100, help_text=_("The person's id on the platform.")
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    wechat_id = models.CharField(_("WeChat id"), max_length=64, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="members", verbose_name=_("tags"))
    first_seen_at = models.DateTimeField(_("first seen"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["workspace", "display_name", "pk"]
        indexes = [models.Index(fields=["workspace", "display_name"], name="member_ws_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"], name="member_unique_external_id"
            ),
            models.CheckConstraint(condition=~models.Q(external_id=""), name="member_external_id_required"),
            models.CheckConstraint(
                condition=models.Q(platform__in=ChatPlatform.values), name="member_platform_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_platform_display()} {self.external_id})"


class JoinSource(models.TextChoices):
    LIVE_CODE = "live_code", _("Live group code")
    LINK = "link", _("Link")
    INVITE_CODE = "invite_code", _("Invite code")
    REFERRAL = "referral", _("Referral")
    IMPORT = "import", _("Import")
    MANUAL = "manual", _("Added by hand")
    CAMPAIGN = "campaign", _("Campaign")


class LeaveReason(models.TextChoices):
    LEFT = "left", _("Left")
    KICKED = "kicked", _("Kicked")
    BANNED = "banned", _("Banned")
    MIGRATED = "migrated", _("Migrated")
    ARCHIVED = "archived", _("Group archived")


class Membership(models.Model):
    """One stay of a member in a group. Rejoining makes a new row, so history is kept."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("group")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("member")
    )
    joined_at = models.DateTimeField(_("joined at"))
    source = models.CharField(_("join source"), max_length=16, choices=JoinSource.choices)
    inviter = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invited",
        verbose_name=_("inviter"),
    )
    invite_code = models.ForeignKey(
        "groups.InviteCode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("invite code"),
    )
    channel = models.CharField(
        _("channel"),
        max_length=64,
        blank=True,
        help_text=_("Where the member came from, e.g. the link's channel label or a UTM source."),
    )
    campaign = models.CharField(
        _("campaign"),
        max_length=64,
        blank=True,
        help_text=_("The campaign (its slug) that brought the member, for attribution and cohorts."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    leave_reason = models.CharField(_("leave reason"), max_length=16, choices=LeaveReason.choices, blank=True)
    muted_until = models.DateTimeField(
        _("muted until"),
        null=True,
        blank=True,
        help_text=_("Set by mute penalties; the longest one wins and it is lifted on time."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-joined_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "is_active"], name="membership_community_active"),
            models.Index(fields=["member", "is_active"], name="membership_member_active"),
            models.Index(fields=["workspace", "joined_at"], name="membership_ws_joined"),
            models.Index(fields=["workspace", "left_at"], name="membership_ws_left"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "member"],
                condition=models.Q(is_active=True),
                name="membership_one_active",
            ),
            # Active ⇔ no left_at and no reason; a finished stay has both.
            models.CheckConstraint(
                condition=(
                    models.Q(is_active=True, left_at__isnull=True, leave_reason="")
                    | models.Q(is_active=False, left_at__isnull=False) & ~models.Q(leave_reason="")
                ),
                name="membership_active_consistent",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=JoinSource.values), name="membership_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.display_name} @ {self.community.name}"


class GroupRole(models.TextChoices):
    LEAD = "lead", _("Group lead")
    OPERATOR = "operator", _("Community operator")
    KOL = "kol", _("KOL")
    ATMOSPHERE = "atmosphere", _("Atmosphere team")


class ScriptPosition(models.TextChoices):
    A = "A", _("A · initiator")
    B = "B", _("B · responder")
    C = "C", _("C · observer")


SCRIPTED_ROLES = (GroupRole.KOL, GroupRole.ATMOSPHERE)


class RoleAssignment(models.Model):
    """Who does what in a group: a member (a person in the group) and/or a suo user holds a group role."""

    # suo.workspace_integrity: the user must work in the row's workspace.
    workspace_user_fields = ("user",)

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="roles", verbose_name=_("group")
    )
    role = models.CharField(_("role"), max_length=16, choices=GroupRole.choices)
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("member"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="group_roles",
        verbose_name=_("suo user"),
    )
    script_position = models.CharField(
        _("ABC script position"),
        max_length=1,
        choices=ScriptPosition.choices,
        blank=True,
        help_text=_("Only for KOL and atmosphere roles."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    started_at = models.DateTimeField(_("since"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )

    class Meta:
        verbose_name = _("group role")
        verbose_name_plural = _("group roles")
        ordering = ["community", "role", "-started_at", "pk"]
        indexes = [models.Index(fields=["community", "is_active", "role"], name="role_community_active")]
        constraints = [
            models.UniqueConstraint(
                fields=["community"],
                condition=models.Q(role="lead", is_active=True),
                name="role_one_active_lead",
            ),
            models.UniqueConstraint(
                fields=["community", "role", "member"],
                condition=models.Q(is_active=True, member__isnull=False),
                name="role_unique_active_member",
            ),
            models.UniqueConstraint(
                fields=["community", "role", "user"],
                condition=models.Q(is_active=True, user__isnull=False),
                name="role_unique_active_user",
            ),
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | models.Q(user__isnull=False),
                name="role_has_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(script_position="") | models.Q(role__in=[r.value for r in SCRIPTED_ROLES]),
                name="role_script_only_for_kol_atmosphere",
            ),
            models.CheckConstraint(
                condition=models.Q(is_active=True, ended_at__isnull=True)
                | models.Q(is_active=False, ended_at__isnull=False),
                name="role_active_consistent",
            ),
            models.CheckConstraint(condition=models.Q(role__in=GroupRole.values), name="role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.holder_name} @ {self.community.name}"

    @property
    def holder_name(self) -> str:
        names = []
        if self.member_id:
            names.append(self.member.display_name)
        if self.user_id:
            user = self.user
            names.append(user.get_full_name() or user.get_username())
        return " / ".join(dict.fromkeys(names))
