"""Tenancy: a Workspace owns every domain row; users belong to workspaces with a role."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone; use an IANA name such as Asia/Shanghai."),
            params={"value": value},
            code="invalid_timezone",
        )


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    OPERATOR = "operator", _("Operator")
    MODERATOR = "moderator", _("Moderator")
    ANALYST = "analyst", _("Analyst")


class Workspace(models.Model):
    # suo.tenancy.scoped() follows this path from a row to its workspace id.
    workspace_path = "pk"

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=50,
        unique=True,
        help_text=_("Short identifier used in URLs and in the X-Workspace API header."),
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, validators=[validate_timezone]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="WorkspaceMembership",
        related_name="workspaces",
        verbose_name=_("users"),
    )

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class WorkspaceMembership(models.Model):
    """A user's seat in a workspace. The role decides what the user may do there."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("workspace")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="workspace_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("workspace member")
        verbose_name_plural = _("workspace members")
        ordering = ["workspace", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="workspace_membership_unique_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="workspace_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.get_role_display()})"
