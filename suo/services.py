"""Writes of the tenancy layer: each function is one transaction and returns what it changed."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from suo.audit import audit_record, snapshot
from suo.db import save_or_field_error
from suo.models import InvitationState, Role, Workspace, WorkspaceInvitation, WorkspaceMembership
from suo.tenancy import forget_workspace_roles


def _free_slug(name: str) -> str:
    base = slugify(name)[:40] or "ws"
    slug = base
    while Workspace.objects.filter(slug=slug).exists():
        slug = f"{base}-{get_random_string(5, 'abcdefghijkmnpqrstuvwxyz23456789')}"
    return slug


@transaction.atomic
def workspace_create(*, name: str, owner: AbstractBaseUser, slug: str = "", timezone: str = "") -> Workspace:
    """Create a workspace with `owner` as its first owner."""
    workspace = Workspace(name=name.strip(), slug=slug or _free_slug(name))
    if timezone:
        workspace.timezone = timezone
    workspace.full_clean()
    save_or_field_error(workspace, field="slug", message=_("A workspace with this slug already exists."))
    workspace_member_set(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


def ensure_an_owner_remains(workspace: Workspace, leaving: WorkspaceMembership, *, lock: bool = True) -> None:
    """Refuse to demote or remove the last owner of a workspace."""
    other_owners = WorkspaceMembership.objects.filter(workspace=workspace, role=Role.OWNER).exclude(
        pk=leaving.pk
    )
    if lock:
        other_owners = other_owners.select_for_update()
    if not other_owners.exists():
        raise ValidationError(
            {"role": _("A workspace needs at least one owner: make someone else owner first.")}
        )


@transaction.atomic
def workspace_member_set(*, workspace: Workspace, user: AbstractBaseUser, role: str) -> WorkspaceMembership:
    """Give `user` the `role` in `workspace`, adding them if needed."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    membership, created = WorkspaceMembership.objects.select_for_update().get_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        if membership.role == Role.OWNER:
            ensure_an_owner_remains(workspace, membership)
        membership.role = role
        membership.save(update_fields=["role"])
    if not user.is_staff:
        # Workspace users work in the admin; what they see there is scoped by their roles.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget_workspace_roles(user)
    return membership


@transaction.atomic
def workspace_member_remove(*, membership: WorkspaceMembership) -> None:
    if membership.role == Role.OWNER:
        ensure_an_owner_remains(membership.workspace, membership)
    membership.delete()
    forget_workspace_roles(membership.user)


@transaction.atomic
def user_get_or_create(*, username: str) -> tuple[AbstractBaseUser, str | None]:
    """The user named `username`; a new one gets a random password, returned once."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, None
    password = secrets.token_urlsafe(12)
    user = User(username=username)
    user.full_clean(exclude=["password"])
    user.set_password(password)
    user.save()
    return user, password


def api_token_for(*, user: AbstractBaseUser) -> Token:
    token, _created = Token.objects.get_or_create(user=user)
    return token


# --- invitations: a seat in a workspace is offered, and taken only by the person it is for ---


INVITATION_AUDITED = ["username", "role", "state", "expires_at"]


def invitation_validate(*, workspace: Workspace, username: str, role: str) -> str:
    """The cleaned username if `username` may be invited to `workspace` with `role`; else ValidationError.

    Says nothing about whether an account of that name exists (no account enumeration).
    """
    username = username.strip()
    errors = {}
    try:
        get_user_model().username_validator(username)
    except ValidationError as exc:
        errors["username"] = exc.messages
    if not username or len(username) > 150:
        errors["username"] = [_("Give a username of at most 150 characters.")]
    if role not in Role.values:
        errors["role"] = [_("Unknown role “%(role)s”.") % {"role": role}]
    if errors:
        raise ValidationError(errors)
    if WorkspaceMembership.objects.filter(workspace=workspace, user__username=username).exists():
        raise ValidationError(
            {
                "username": ValidationError(
                    _("%(username)s is already in this workspace; change their role instead.")
                    % {"username": username},
                    code="already_member",
                )
            }
        )
    return username


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, username: str, role: str, by: AbstractBaseUser
) -> WorkspaceInvitation:
    """Invite `username` to `workspace` with `role`; nobody joins until they accept.

    The answer is the same whether or not an account of that name exists (no account enumeration):
    the invitation waits for whoever holds, or later creates, that username. Inviting the same name
    again while it is pending changes the role and starts the expiry anew.
    """
    username = invitation_validate(workspace=workspace, username=username, role=role)
    expires_at = timezone.now() + timedelta(days=settings.WORKSPACE_INVITATION_DAYS)
    pending = WorkspaceInvitation.objects.select_for_update().filter(
        workspace=workspace, username=username, state=InvitationState.PENDING
    )
    invitation, verb = pending.first(), "invitation.renewed"
    if invitation is None:
        try:
            with transaction.atomic():  # the unique index decides between two owners inviting at once
                invitation = WorkspaceInvitation.objects.create(
                    workspace=workspace, username=username, role=role, expires_at=expires_at, invited_by=by
                )
                verb = "invitation.created"
        except IntegrityError:
            invitation = pending.get()
    if verb == "invitation.renewed":
        invitation.role, invitation.expires_at, invitation.invited_by = role, expires_at, by
        invitation.save(update_fields=["role", "expires_at", "invited_by"])
    after = snapshot(invitation, INVITATION_AUDITED)
    audit_record(actor=by, verb=verb, target=invitation, after=after, workspace=workspace)
    return invitation


def _decide(invitation: WorkspaceInvitation, *, by: AbstractBaseUser, state: str) -> WorkspaceInvitation:
    """Move a pending invitation to `state`, once; raises when it is no longer pending."""
    locked = WorkspaceInvitation.objects.select_for_update().select_related("workspace").get(pk=invitation.pk)
    if locked.state != InvitationState.PENDING:
        closed = {
            InvitationState.ACCEPTED: _("This invitation was already accepted."),
            InvitationState.DECLINED: _("This invitation was declined."),
            InvitationState.CANCELLED: _("This invitation was cancelled by the workspace."),
        }
        raise ValidationError(closed[locked.state], code="invitation_closed")
    before = snapshot(locked, INVITATION_AUDITED)
    locked.state, locked.decided_at = state, timezone.now()
    locked.save(update_fields=["state", "decided_at"])
    audit_record(
        actor=by,
        verb=f"invitation.{state}",
        target=locked,
        before=before,
        after=snapshot(locked, INVITATION_AUDITED),
    )
    return locked


def _ensure_addressed_to(invitation: WorkspaceInvitation, user: AbstractBaseUser) -> None:
    if invitation.username != user.get_username():
        raise ValidationError(_("This invitation is for someone else."), code="not_your_invitation")


@transaction.atomic
def invitation_accept(*, invitation: WorkspaceInvitation, user: AbstractBaseUser) -> WorkspaceMembership:
    """The invitee takes the seat: a membership with the invited role (an existing one is kept)."""
    _ensure_addressed_to(invitation, user)
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            _("This invitation has expired. Ask the workspace owner to invite you again."),
            code="invitation_expired",
        )
    invitation = _decide(invitation, by=user, state=InvitationState.ACCEPTED)
    membership = WorkspaceMembership.objects.filter(workspace=invitation.workspace, user=user).first()
    return membership or workspace_member_set(workspace=invitation.workspace, user=user, role=invitation.role)


@transaction.atomic
def invitation_decline(*, invitation: WorkspaceInvitation, user: AbstractBaseUser) -> WorkspaceInvitation:
    _ensure_addressed_to(invitation, user)
    return _decide(invitation, by=user, state=InvitationState.DECLINED)


@transaction.atomic
def invitation_cancel(*, invitation: WorkspaceInvitation, by: AbstractBaseUser) -> WorkspaceInvitation:
    """The workspace withdraws a pending invitation (its owners; checked by the caller's scoping)."""
    return _decide(invitation, by=by, state=InvitationState.CANCELLED)
