"""Writes about groups: tags, creating and changing a group, its lifecycle, who holds which
group role."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import (
    Community,
    CommunityState,
    CommunityStateChange,
    GroupRole,
    LeaveReason,
    Member,
    Membership,
    RoleAssignment,
    Tag,
    Threshold,
)
from groups.models.community import STATE_TRANSITIONS
from groups.models.members import SCRIPTED_ROLES
from groups.payloads import group_payload
from suo.audit import audit_record
from suo.db import save_or_field_error
from suo.models import Workspace
from suo.webhooks import webhook_emit_many


def tag_names_clean(names: Iterable[str]) -> list[str]:
    """Tag names without blanks and repeats, each at most 40 characters (else a ValidationError)."""
    clean = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
    for name in clean:
        if len(name) > 40:
            raise ValidationError({"tags": _("A tag has at most 40 characters: “%(tag)s”.") % {"tag": name}})
    return clean


def tags_for_names(*, workspace: Workspace, names: Iterable[str]) -> list[Tag]:
    """The workspace's tags with these names, creating the missing ones."""
    clean = tag_names_clean(names)
    if not clean:
        return []
    Tag.objects.bulk_create([Tag(workspace=workspace, name=name) for name in clean], ignore_conflicts=True)
    return list(Tag.objects.filter(workspace=workspace, name__in=clean).order_by("name"))


def _thresholds_replace(community: Community, thresholds: list[dict]) -> None:
    kinds = [spec["kind"] for spec in thresholds]
    if len(kinds) != len(set(kinds)):
        raise ValidationError({"thresholds": _("Each kind of threshold may appear once per group.")})
    community.thresholds.all().delete()
    rows = [
        Threshold(workspace_id=community.workspace_id, community=community, **spec) for spec in thresholds
    ]
    for row in rows:
        row.full_clean(exclude=["community", "workspace"])
    Threshold.objects.bulk_create(rows)


@transaction.atomic
def community_create(
    *,
    workspace: Workspace,
    by=None,
    tags: list[str] | None = None,
    thresholds: list[dict] | None = None,
    **fields,
) -> Community:
    community = Community(workspace=workspace, **fields)
    community.state = CommunityState.PLANNING
    return _community_save(community, tags=tags, thresholds=thresholds)


@transaction.atomic
def community_update(
    *,
    community: Community,
    by=None,
    tags: list[str] | None = None,
    thresholds: list[dict] | None = None,
    **fields,
) -> Community:
    """Change a group; `tags` (names) and `thresholds`, when given, replace the old ones."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    fields.pop("state", None)  # lifecycle moves only through community_transition
    for name, value in fields.items():
        setattr(community, name, value)
    return _community_save(community, tags=tags, thresholds=thresholds)


def _community_save(
    community: Community, *, tags: list[str] | None, thresholds: list[dict] | None
) -> Community:
    community.full_clean(exclude=["workspace"])
    taken = _("Another group on this platform already has this external id.")
    save_or_field_error(community, field="external_id", message=taken)
    if tags is not None:
        community.tags.set(tags_for_names(workspace=community.workspace, names=tags))
    if thresholds is not None:
        _thresholds_replace(community, thresholds)
    return community


def community_delete_refusal(community: Community) -> str | None:
    """Why the group may not be deleted, or None: a group with member history is archived instead."""
    if Membership.objects.filter(community=community).exists():
        return _("This group has member history: archive it instead of deleting it.")
    return None


@transaction.atomic
def community_delete(*, community: Community, by=None) -> None:
    """Delete a group that never had members."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    refusal = community_delete_refusal(community)
    if refusal:
        raise ValidationError({"state": refusal}, code="has_history")
    community.delete()


@transaction.atomic
def community_transition(*, community: Community, to_state: str, by=None, note: str = "") -> Community:
    """Move a group along its lifecycle; only allowed transitions, each recorded with who and when."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    if to_state not in CommunityState.values:
        raise ValidationError({"state": _("Unknown state “%(state)s”.") % {"state": to_state}})
    allowed = STATE_TRANSITIONS[community.state]
    if to_state not in allowed:
        names = ", ".join(str(CommunityState(state).label) for state in allowed) or _("none")
        raise ValidationError(
            {
                "state": _("A group cannot go from “%(from)s” to “%(to)s”. Allowed next: %(allowed)s.")
                % {
                    "from": CommunityState(community.state).label,
                    "to": CommunityState(to_state).label,
                    "allowed": names,
                }
            }
        )
    now = timezone.now()
    CommunityStateChange.objects.create(
        workspace_id=community.workspace_id,
        community=community,
        from_state=community.state,
        to_state=to_state,
        by=by,
        note=note[:300],
        at=now,
    )
    previous = community.state
    community.state = to_state
    community.state_changed_at = now
    community.save(update_fields=["state", "state_changed_at"])
    if to_state == CommunityState.ARCHIVED:
        Membership.objects.filter(community=community, is_active=True).update(
            is_active=False, left_at=now, leave_reason=LeaveReason.ARCHIVED
        )
    audit_record(
        actor=by,
        verb="community.state_changed",
        target=community,
        before={"state": previous},
        after={"state": to_state, "note": note},
    )
    webhook_emit_many(
        workspace=community.workspace,
        events=[
            (
                "community.state_changed",
                {"group": group_payload(community), "from": previous, "to": to_state, "note": note},
            )
        ],
    )
    return community


@transaction.atomic
def role_assign(
    *,
    community: Community,
    role: str,
    member: Member | None = None,
    user=None,
    script_position: str = "",
    by=None,
) -> RoleAssignment:
    """Give a group role to a member and/or a suo user. A new lead replaces the current one."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    errors = {}
    if role not in GroupRole.values:
        errors["role"] = _("Unknown group role “%(role)s”.") % {"role": role}
    if member is None and user is None:
        errors["member"] = _("Name a member, a suo user, or both.")
    if script_position and role not in SCRIPTED_ROLES:
        errors["script_position"] = _("Only KOL and atmosphere roles have an ABC script position.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if role == GroupRole.LEAD:
        RoleAssignment.objects.filter(community=community, role=GroupRole.LEAD, is_active=True).update(
            is_active=False, ended_at=now
        )
    assignment = RoleAssignment(
        workspace_id=community.workspace_id,
        community=community,
        role=role,
        member=member,
        user=user,
        script_position=script_position,
        started_at=now,
        assigned_by=by,
    )
    save_or_field_error(
        assignment, field="role", message=_("This person already holds this role in the group.")
    )
    return assignment


@transaction.atomic
def role_end(*, assignment: RoleAssignment, by=None) -> RoleAssignment:
    updated = RoleAssignment.objects.filter(pk=assignment.pk, is_active=True).update(
        is_active=False, ended_at=timezone.now()
    )
    if not updated:
        raise ValidationError({"role": _("This role assignment has already ended.")})
    assignment.refresh_from_db()
    return assignment
