"""Writes of the tenancy layer: each function is one transaction and returns what it changed."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from suo.db import save_or_field_error
from suo.models import Role, Workspace, WorkspaceMembership
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
