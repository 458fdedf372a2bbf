from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from groups.models.community import ChatPlatform, Tag
from groups.models.fields import community_fk, member_fk
from suo import fields


class Member(models.Model):
    """A person on a chat platform, known to the workspace (one row per platform account)."""

    workspace = fields.workspace_fk("community_members")
    display_name = models.CharField(_("display name"), max_length=100)
    platform = fields.choice_field(_("platform"), ChatPlatform, ChatPlatform.WECHAT)
    external_id = models.CharField(
        _("external id"), max_length=100, help_text=_("The person's id on the platform.")
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    wechat_id = models.CharField(_("WeChat id"), max_length=64, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="members", verbose_name=_("tags"))
    first_seen_at = models.DateTimeField(_("first seen"))
    created_at = fields.created_at_field()

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
            fields.valid_choice("platform", ChatPlatform, "member_platform_valid"),
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

    workspace = fields.workspace_fk()
    community = community_fk("memberships")
    member = member_fk("memberships")
    joined_at = models.DateTimeField(_("joined at"))
    source = fields.choice_field(_("join source"), JoinSource)
    inviter = fields.optional_fk(Member, _("inviter"), "invited")
    invite_code = fields.optional_fk("groups.InviteCode", _("invite code"), "memberships")
    channel = fields.optional_char(
        _("channel"),
        help_text=_("Where the member came from, e.g. the link's channel label or a UTM source."),
    )
    campaign = fields.optional_char(
        _("campaign"),
        help_text=_("The campaign (its slug) that brought the member, for attribution and cohorts."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    left_at = fields.optional_time(_("left at"))
    leave_reason = fields.choice_field(_("leave reason"), LeaveReason, blank=True)
    muted_until = fields.optional_time(
        _("muted until"), help_text=_("Set by mute penalties; the longest one wins and it is lifted on time.")
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
            fields.valid_choice("source", JoinSource, "membership_source_valid"),
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

    workspace = fields.workspace_fk()
    community = community_fk("roles")
    role = fields.choice_field(_("role"), GroupRole)
    member = fields.parent_fk(Member, _("member"), "roles", null=True, blank=True)
    user = fields.parent_fk(settings.AUTH_USER_MODEL, _("suo user"), "group_roles", null=True, blank=True)
    script_position = fields.choice_field(
        _("ABC script position"),
        ScriptPosition,
        max_length=1,
        blank=True,
        help_text=_("Only for KOL and atmosphere roles."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    started_at = models.DateTimeField(_("since"))
    ended_at = fields.optional_time(_("until"))
    assigned_by = fields.user_fk(_("assigned by"))

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
            fields.valid_choice("role", GroupRole, "role_valid"),
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
