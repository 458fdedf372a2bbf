"""Writes about members: adding and changing them, their paid entitlements."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import (
    Entitlement,
    Member,
)
from groups.services.communities import tags_for_names
from suo.db import save_or_field_error
from suo.models import Workspace


@transaction.atomic
def member_create(*, workspace: Workspace, tags: list[str] | None = None, **fields) -> Member:
    fields.setdefault("first_seen_at", timezone.now())
    return _member_save(Member(workspace=workspace, **fields), tags=tags)


@transaction.atomic
def member_update(*, member: Member, tags: list[str] | None = None, **fields) -> Member:
    for name, value in fields.items():
        setattr(member, name, value)
    return _member_save(member, tags=tags)


def _member_save(member: Member, *, tags: list[str] | None) -> Member:
    member.full_clean(exclude=["workspace"], validate_constraints=False)
    save_or_field_error(
        member,
        field="external_id",
        message=_("A member with this external id on this platform already exists."),
    )
    if tags is not None:
        member.tags.set(tags_for_names(workspace=member.workspace, names=tags))
    return member


@transaction.atomic
def member_delete(*, member: Member, by=None) -> None:
    """Remove a member with their stays, roles and history (owners and operators only)."""
    member.delete()


@transaction.atomic
def entitlement_grant(
    *,
    member: Member,
    product: str,
    order_id: str = "",
    granted_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Entitlement:
    entitlement = Entitlement(
        workspace_id=member.workspace_id,
        member=member,
        product=product,
        order_id=order_id,
        granted_at=granted_at or timezone.now(),
        expires_at=expires_at,
    )
    entitlement.full_clean(exclude=["workspace", "member"], validate_constraints=False)
    save_or_field_error(entitlement, field="order_id", message=_("This order has already been recorded."))
    return entitlement


@transaction.atomic
def entitlement_revoke(*, entitlement: Entitlement) -> Entitlement:
    Entitlement.objects.filter(pk=entitlement.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    entitlement.refresh_from_db()
    return entitlement
