"""Tenancy: a Workspace owns every domain row; users belong to workspaces with a role."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suo.fields import (
    choice_field,
    created_at_field,
    optional_json,
    optional_time,
    parent_fk,
    user_fk,
    valid_choice,
    workspace_fk,
)
from suo.safe_fetch import validate_public_url


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
    created_at = created_at_field()
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

    workspace = workspace_fk("memberships")
    user = parent_fk(settings.AUTH_USER_MODEL, _("user"), "workspace_memberships")
    role = choice_field(_("role"), Role)
    created_at = created_at_field(_("joined at"))

    class Meta:
        verbose_name = _("workspace member")
        verbose_name_plural = _("workspace members")
        ordering = ["workspace", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="workspace_membership_unique_user"),
            valid_choice("role", Role, "workspace_membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.get_role_display()})"


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    # Never stored: a pending invitation past its expiry is shown as expired.
    EXPIRED = "expired", _("Expired")


class WorkspaceInvitation(models.Model):
    """An owner's offer of a seat in a workspace to a username; a membership only once accepted.

    Addressed by username, not by user: an owner gets the same answer whether or not an account
    of that name exists, and an account created later under that name can accept it.
    """

    workspace = workspace_fk("invitations")
    username = models.CharField(_("username"), max_length=150)
    role = choice_field(_("role"), Role)
    state = choice_field(_("state"), InvitationState, InvitationState.PENDING)
    invited_by = user_fk(_("invited by"))
    created_at = created_at_field()
    expires_at = models.DateTimeField(_("expires at"))
    decided_at = optional_time(_("decided at"))

    class Meta:
        verbose_name = _("workspace invitation")
        verbose_name_plural = _("workspace invitations")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["username", "state"], name="invitation_username_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "username"],
                condition=models.Q(state="pending"),
                name="invitation_one_pending_per_username",
            ),
            valid_choice("role", Role, "invitation_role_valid"),
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "accepted", "declined", "cancelled"]),
                name="invitation_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} → {self.workspace} ({self.get_role_display()})"

    @property
    def shown_state(self) -> str:
        if self.state == InvitationState.PENDING and self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return self.state


# --- outbound webhooks: one mechanism for every app (suo.webhooks emits and delivers) ---------


class WebhookEndpoint(models.Model):
    """A URL of the workspace's integration that receives signed events of the chosen types."""

    workspace = workspace_fk("webhook_endpoints")
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[validate_public_url],
        help_text=_("A public http(s) address; addresses of private networks and this server are refused."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=64,
        help_text=_("Used to sign each request (HMAC-SHA256); the receiver checks the signature with it."),
    )
    event_types = optional_json(
        _("event types"),
        list,
        help_text=_("Event types sent to this URL; “*” or an empty list means all of them."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = created_at_field()

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["workspace", "name", "pk"]
        indexes = [models.Index(fields=["workspace", "is_active"], name="webhook_endpoint_ws_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def wants(self, event_type: str) -> bool:
        types = self.event_types or []
        return not types or "*" in types or event_type in types


class WebhookDeliveryState(models.TextChoices):
    DUE = "due", _("Due")
    SENDING = "sending", _("Sending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one endpoint: together they are the delivery log.

    A failed attempt that may be retried is followed by a new row (attempt + 1) due after an
    exponential backoff.
    """

    workspace = workspace_fk("webhook_deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event_id = models.UUIDField(_("event id"), db_index=True)
    event_type = models.CharField(_("event type"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    state = choice_field(_("state"), WebhookDeliveryState, WebhookDeliveryState.DUE)
    due_at = models.DateTimeField(_("due at"))
    created_at = created_at_field()
    started_at = optional_time(_("started at"))
    finished_at = optional_time(_("finished at"))
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(
        _("response excerpt"), blank=True, help_text=_("The start of the answer, as plain text.")
    )
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="webhook_delivery_state_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id", "attempt"], name="webhook_delivery_unique_attempt"
            ),
            valid_choice("state", WebhookDeliveryState, "webhook_delivery_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint.name} #{self.attempt}"


# --- the audit trail: append-only, written by services (suo.audit.audit_record) -------------


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit record."""


class AuditRecordQuerySet(models.QuerySet):
    """Audit records are never changed or removed through the ORM."""

    def update(self, **kwargs):
        raise AppendOnlyError("Audit records are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit records are append-only.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Audit records are append-only.")


class AuditRecord(models.Model):
    """Who did what to which row, with the row before and after: written once, never edited."""

    workspace = workspace_fk("audit_records")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = user_fk(_("actor"))
    actor_name = models.CharField(
        _("actor name"), max_length=150, blank=True, help_text=_("Kept even if the user is deleted.")
    )
    verb = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=100)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "-at"], name="audit_ws_at"),
            models.Index(fields=["workspace", "target_type", "target_id"], name="audit_ws_target"),
            models.Index(fields=["workspace", "verb"], name="audit_ws_verb"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name or '—'} · {self.verb} · {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit records are append-only.")
