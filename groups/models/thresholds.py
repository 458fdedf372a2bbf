from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from groups.models.fields import community_fk, member_fk
from suo import fields


class ThresholdKind(models.TextChoices):
    OPEN = "open", _("Open to everyone")
    INVITE_CODE = "invite_code", _("Invite code")
    REFERRAL = "referral", _("Referred by a member")
    ACTIVITY = "activity", _("Took part in activities")
    PAID = "paid", _("Paid")


class ReferralScope(models.TextChoices):
    GROUP = "group", _("The inviter is an active member of this group")
    WORKSPACE = "workspace", _("The inviter is an active member of any group of the workspace")


class Threshold(models.Model):
    """One condition for joining a group; the group's threshold mode combines them (all / any)."""

    workspace = fields.workspace_fk()
    community = community_fk("thresholds")
    kind = fields.choice_field(_("kind"), ThresholdKind)
    referral_scope = fields.choice_field(_("referral scope"), ReferralScope, ReferralScope.GROUP)
    min_activity = models.PositiveIntegerField(
        _("minimum activity events"), default=1, help_text=_("For activity thresholds.")
    )
    campaign = fields.optional_char(
        _("campaign"), help_text=_("Count only activity of this campaign (optional).")
    )
    product = fields.optional_char(
        _("product"),
        help_text=_("For paid thresholds: the entitlement's product; empty accepts any paid entitlement."),
    )

    class Meta:
        verbose_name = _("join threshold")
        verbose_name_plural = _("join thresholds")
        ordering = ["community", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "kind"], name="threshold_unique_kind"),
            fields.valid_choice("kind", ThresholdKind, "threshold_kind_valid"),
            fields.at_least("min_activity", 1, "threshold_min_activity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.community.name}: {self.get_kind_display()}"


class InviteCode(models.Model):
    """A code that opens a group with an invite_code threshold; its uses are counted atomically."""

    workspace = fields.workspace_fk()
    community = community_fk("invite_codes")
    code = models.CharField(_("code"), max_length=32)
    max_uses = models.PositiveIntegerField(
        _("max uses"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )
    uses = models.PositiveIntegerField(_("uses"), default=0, editable=False)
    expires_at = fields.optional_time(_("expires at"))
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = fields.user_fk(_("created by"))
    created_at = fields.created_at_field()

    class Meta:
        verbose_name = _("invite code")
        verbose_name_plural = _("invite codes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="invite_code_unique_code"),
            models.CheckConstraint(
                condition=models.Q(max_uses__isnull=True) | models.Q(uses__lte=models.F("max_uses")),
                name="invite_code_uses_within_max",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        if self.max_uses is not None and self.max_uses < self.uses:
            raise ValidationError(
                {"max_uses": _("The code was already used %(uses)s times.") % {"uses": self.uses}},
                code="below_uses",
            )


class Entitlement(models.Model):
    """A paid right a member holds (recorded by the shop integration); opens `paid` thresholds."""

    workspace = fields.workspace_fk()
    member = member_fk("entitlements")
    product = models.CharField(_("product"), max_length=64)
    order_id = fields.optional_char(
        _("order id"), max_length=100, help_text=_("The shop's order id; the same order is recorded once.")
    )
    granted_at = models.DateTimeField(_("granted at"))
    expires_at = fields.optional_time(_("expires at"))
    revoked_at = fields.optional_time(_("revoked at"))
    created_at = fields.created_at_field()

    class Meta:
        verbose_name = _("paid entitlement")
        verbose_name_plural = _("paid entitlements")
        ordering = ["-granted_at", "-pk"]
        indexes = [models.Index(fields=["member", "product"], name="entitlement_member_product")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "order_id"],
                condition=~models.Q(order_id=""),
                name="entitlement_unique_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.display_name}: {self.product}"

    def clean(self):
        if self.granted_at and self.expires_at and self.expires_at <= self.granted_at:
            raise ValidationError({"expires_at": _("Must be after granted_at.")}, code="before_granted")
