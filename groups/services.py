"""Writes of the groups app: one transaction each, keyword-only, returning what changed."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import selectors
from groups.models import (
    Community,
    CommunityState,
    CommunityStateChange,
    Entitlement,
    GroupRole,
    InviteCode,
    JoinSource,
    LeaveReason,
    Member,
    Membership,
    RoleAssignment,
    Tag,
    Threshold,
    ThresholdKind,
    ThresholdMode,
)
from groups.models.community import JOINABLE_STATES, STATE_TRANSITIONS
from groups.models.members import SCRIPTED_ROLES
from groups.moderation.selectors import join_blocks, mute_remaining
from groups.payloads import group_payload, member_joined_events, member_left_event
from suo.audit import audit_record
from suo.db import save_or_field_error
from suo.models import Workspace, WorkspaceMembership
from suo.webhooks import webhook_emit_many

# --- tags -----------------------------------------------------------------------------------


def tags_for_names(*, workspace: Workspace, names: Iterable[str]) -> list[Tag]:
    """The workspace's tags with these names, creating the missing ones."""
    clean = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
    if not clean:
        return []
    for name in clean:
        if len(name) > 40:
            raise ValidationError({"tags": _("A tag has at most 40 characters: “%(tag)s”.") % {"tag": name}})
    Tag.objects.bulk_create([Tag(workspace=workspace, name=name) for name in clean], ignore_conflicts=True)
    return list(Tag.objects.filter(workspace=workspace, name__in=clean).order_by("name"))


# --- groups ---------------------------------------------------------------------------------


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
    community.full_clean(exclude=["workspace"])
    save_or_field_error(
        community,
        field="external_id",
        message=_("Another group on this platform already has this external id."),
    )
    if tags is not None:
        community.tags.set(tags_for_names(workspace=workspace, names=tags))
    if thresholds is not None:
        _thresholds_replace(community, thresholds)
    return community


@transaction.atomic
def community_update(
    *, community: Community, tags: list[str] | None = None, thresholds: list[dict] | None = None, **fields
) -> Community:
    community = Community.objects.select_for_update().get(pk=community.pk)
    fields.pop("state", None)  # lifecycle moves only through community_transition
    for name, value in fields.items():
        setattr(community, name, value)
    community.full_clean(exclude=["workspace"])
    save_or_field_error(
        community,
        field="external_id",
        message=_("Another group on this platform already has this external id."),
    )
    if tags is not None:
        community.tags.set(tags_for_names(workspace=community.workspace, names=tags))
    if thresholds is not None:
        _thresholds_replace(community, thresholds)
    return community


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
        workspace=community.workspace_id,
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


# --- members --------------------------------------------------------------------------------


@transaction.atomic
def member_create(*, workspace: Workspace, tags: list[str] | None = None, **fields) -> Member:
    fields.setdefault("first_seen_at", timezone.now())
    member = Member(workspace=workspace, **fields)
    member.full_clean(exclude=["workspace"], validate_constraints=False)
    save_or_field_error(
        member,
        field="external_id",
        message=_("A member with this external id on this platform already exists."),
    )
    if tags is not None:
        member.tags.set(tags_for_names(workspace=workspace, names=tags))
    return member


@transaction.atomic
def member_update(*, member: Member, tags: list[str] | None = None, **fields) -> Member:
    for name, value in fields.items():
        setattr(member, name, value)
    member.full_clean(exclude=["workspace"], validate_constraints=False)
    save_or_field_error(
        member,
        field="external_id",
        message=_("A member with this external id on this platform already exists."),
    )
    if tags is not None:
        member.tags.set(tags_for_names(workspace=member.workspace, names=tags))
    return member


# --- joining and leaving --------------------------------------------------------------------


@dataclass
class Unmet:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class JoinRefused(ValidationError):
    """The join service refused: `unmet` lists each threshold (or condition) not met."""

    def __init__(self, unmet: list[Unmet]):
        self.unmet = unmet
        super().__init__(
            {
                "non_field_errors": [
                    _("The member may not join this group: %(reasons)s")
                    % {"reasons": "; ".join(item.message for item in unmet)}
                ]
            },
        )


@dataclass
class _Evaluation:
    unmet: list[Unmet] = field(default_factory=list)
    met: list[str] = field(default_factory=list)
    code: InviteCode | None = None


def _invite_code_problem(code: InviteCode | None, now: datetime) -> str | None:
    if code is None:
        return _("No valid invite code was given for this group.")
    if not code.is_active:
        return _("The invite code “%(code)s” has been switched off.") % {"code": code.code}
    if code.expires_at is not None and code.expires_at <= now:
        return _("The invite code “%(code)s” has expired.") % {"code": code.code}
    if code.max_uses is not None and code.uses >= code.max_uses:
        return _("The invite code “%(code)s” has been used up.") % {"code": code.code}
    return None


def _evaluate(
    *, community: Community, member: Member, inviter: Member | None, invite_code: str, now: datetime
) -> _Evaluation:
    """Which thresholds the member meets, except that invite codes are only checked, not used."""
    result = _Evaluation()
    for threshold in community.thresholds.all().order_by("pk"):
        problem = None
        if threshold.kind == ThresholdKind.OPEN:
            pass
        elif threshold.kind == ThresholdKind.INVITE_CODE:
            code = None
            if invite_code:
                code = InviteCode.objects.filter(community=community, code=invite_code.strip()).first()
            result.code = code
            problem = _invite_code_problem(code, now)
        elif threshold.kind == ThresholdKind.REFERRAL:
            if inviter is None:
                problem = _("The group needs a referral: name the inviting member.")
            elif inviter.pk == member.pk:
                problem = _("A member cannot refer themselves.")
            else:
                active = Membership.objects.filter(member=inviter, is_active=True)
                if threshold.referral_scope == "group":
                    active = active.filter(community=community)
                    if not active.exists():
                        problem = _("The inviter is not an active member of this group.")
                elif not active.exists():
                    problem = _("The inviter is not an active member of any group of the workspace.")
        elif threshold.kind == ThresholdKind.ACTIVITY:
            done = selectors.member_activity_count(member=member, campaign=threshold.campaign)
            if done < threshold.min_activity:
                problem = _(
                    "The member took part in %(done)s of the %(needed)s activities needed%(campaign)s."
                ) % {
                    "done": done,
                    "needed": threshold.min_activity,
                    "campaign": (_(" (campaign %(c)s)") % {"c": threshold.campaign})
                    if threshold.campaign
                    else "",
                }
        elif threshold.kind == ThresholdKind.PAID and not selectors.member_has_entitlement(
            member=member, product=threshold.product, at=now
        ):
            problem = (
                _("The member has no paid entitlement for “%(product)s”.") % {"product": threshold.product}
                if threshold.product
                else _("The member has no paid entitlement.")
            )
        if problem:
            result.unmet.append(Unmet(threshold.kind, str(problem)))
        else:
            result.met.append(threshold.kind)
    return result


def _use_invite_code(code: InviteCode, now: datetime) -> bool:
    """Count one use, atomically: never more uses than max_uses, whatever runs at the same time."""
    return bool(
        InviteCode.objects.filter(pk=code.pk, is_active=True)
        .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .update(uses=F("uses") + 1)
    )


@transaction.atomic
def membership_join(
    *,
    community: Community,
    member: Member,
    source: str = JoinSource.MANUAL,
    inviter: Member | None = None,
    invite_code: str = "",
    channel: str = "",
    campaign: str = "",
    at: datetime | None = None,
    enforce: bool = True,
    notify: bool = True,
    by=None,
) -> Membership:
    """Let `member` join `community` if its thresholds allow, or raise JoinRefused listing why not.

    `enforce=False` records a join that already happened (imports, the admin): thresholds and
    capacity are not checked, but one active stay per group still is. `notify=False` sends no
    member.joined / member.welcomed webhooks (imports of history).
    """
    # Lock the group: capacity and "one active stay" are decided one join at a time.
    community = Community.objects.select_for_update().select_related("workspace").get(pk=community.pk)
    if member.workspace_id != community.workspace_id or (
        inviter and inviter.workspace_id != community.workspace_id
    ):
        raise ValidationError({"member": _("The member does not belong to this workspace.")})
    if source not in JoinSource.values:
        raise ValidationError({"source": _("Unknown join source “%(source)s”.") % {"source": source}})
    now = timezone.now()
    at = at or now
    if Membership.objects.filter(community=community, member=member, is_active=True).exists():
        raise ValidationError(
            {"member": _("%(member)s is already in this group.") % {"member": member.display_name}},
            code="already_member",
        )
    code_used = None
    if enforce:
        unmet: list[Unmet] = []
        if community.state not in JOINABLE_STATES:
            unmet.append(
                Unmet(
                    "closed",
                    _("The group is “%(state)s” and does not take new members.")
                    % {"state": CommunityState(community.state).label},
                )
            )
        # Penalties first: a banned member, or one kicked from this group, stays out.
        unmet.extend(
            Unmet(code, message) for code, message in join_blocks(member=member, community=community)
        )
        active = Membership.objects.filter(community=community, is_active=True).count()
        if active >= community.member_limit:
            unmet.append(
                Unmet("full", _("The group is full (%(limit)s members).") % {"limit": community.member_limit})
            )
        evaluation = _evaluate(
            community=community, member=member, inviter=inviter, invite_code=invite_code, now=now
        )
        needs_code = ThresholdKind.INVITE_CODE not in [u.code for u in evaluation.unmet] and any(
            kind == ThresholdKind.INVITE_CODE for kind in evaluation.met
        )
        if community.threshold_mode == ThresholdMode.ANY and evaluation.met:
            others_met = [kind for kind in evaluation.met if kind != ThresholdKind.INVITE_CODE]
            threshold_unmet: list[Unmet] = []
            needs_code = needs_code and not others_met
        else:
            threshold_unmet = evaluation.unmet
        if not unmet and not threshold_unmet and needs_code:
            # The last step: use the code only when everything else lets the member in.
            if _use_invite_code(evaluation.code, now):
                code_used = evaluation.code
            else:
                evaluation.code.refresh_from_db()
                threshold_unmet = [
                    Unmet(
                        ThresholdKind.INVITE_CODE,
                        _invite_code_problem(evaluation.code, now) or _("The invite code cannot be used."),
                    )
                ]
        unmet.extend(threshold_unmet)
        if unmet:
            raise JoinRefused(unmet)
    elif invite_code:
        code = InviteCode.objects.filter(community=community, code=invite_code.strip()).first()
        if code is not None and _use_invite_code(code, now):
            code_used = code
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                workspace_id=community.workspace_id,
                community=community,
                member=member,
                joined_at=at,
                source=source,
                inviter=inviter,
                invite_code=code_used,
                channel=channel.strip()[:64],
                campaign=campaign.strip()[:64],
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"member": _("%(member)s is already in this group.") % {"member": member.display_name}},
            code="already_member",
        ) from exc
    # Leaving and rejoining does not end a mute: what is left of it applies again.
    muted_until = mute_remaining(member=member, community=community, at=now)
    if muted_until is not None:
        membership.muted_until = muted_until
        membership.save(update_fields=["muted_until"])
    if notify:
        webhook_emit_many(
            workspace=community.workspace,
            events=member_joined_events(
                membership, community, selectors.community_defaults(community.workspace)
            ),
        )
    return membership


@transaction.atomic
def membership_leave(
    *,
    community: Community,
    member: Member,
    reason: str = LeaveReason.LEFT,
    at: datetime | None = None,
    by=None,
) -> Membership:
    if reason not in LeaveReason.values:
        raise ValidationError({"reason": _("Unknown leave reason “%(reason)s”.") % {"reason": reason}})
    membership = (
        Membership.objects.select_for_update()
        .select_related("member", "community__workspace")
        .filter(community=community, member=member, is_active=True)
        .first()
    )
    if membership is None:
        raise ValidationError(
            {"member": _("%(member)s is not in this group.") % {"member": member.display_name}}
        )
    membership.is_active = False
    membership.left_at = at or timezone.now()
    if membership.left_at < membership.joined_at:
        raise ValidationError({"at": _("A member cannot leave before joining.")})
    membership.leave_reason = reason
    membership.save(update_fields=["is_active", "left_at", "leave_reason"])
    webhook_emit_many(workspace=membership.community.workspace, events=[member_left_event(membership)])
    return membership


# --- group roles ----------------------------------------------------------------------------


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
    if member is not None and member.workspace_id != community.workspace_id:
        errors["member"] = _("The member does not belong to this workspace.")
    if (
        user is not None
        and not WorkspaceMembership.objects.filter(workspace_id=community.workspace_id, user=user).exists()
    ):
        errors["user"] = _("The user does not work in this workspace.")
    if script_position and role not in SCRIPTED_ROLES:
        errors["script_position"] = _("Only KOL and atmosphere roles have an ABC script position.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if role == GroupRole.LEAD:
        RoleAssignment.objects.filter(community=community, role=GroupRole.LEAD, is_active=True).update(
            is_active=False, ended_at=now
        )
    try:
        with transaction.atomic():
            return RoleAssignment.objects.create(
                workspace_id=community.workspace_id,
                community=community,
                role=role,
                member=member,
                user=user,
                script_position=script_position,
                started_at=now,
                assigned_by=by,
            )
    except IntegrityError as exc:
        raise ValidationError({"role": _("This person already holds this role in the group.")}) from exc


@transaction.atomic
def role_end(*, assignment: RoleAssignment, by=None) -> RoleAssignment:
    updated = RoleAssignment.objects.filter(pk=assignment.pk, is_active=True).update(
        is_active=False, ended_at=timezone.now()
    )
    if not updated:
        raise ValidationError({"role": _("This role assignment has already ended.")})
    assignment.refresh_from_db()
    return assignment


# --- invite codes and entitlements ----------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def invite_code_generate() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


@transaction.atomic
def invite_code_create(*, community: Community, code: str = "", by=None, **fields) -> InviteCode:
    invite = InviteCode(
        workspace_id=community.workspace_id,
        community=community,
        code=(code or invite_code_generate()).strip(),
        created_by=by,
        **fields,
    )
    invite.full_clean(exclude=["workspace", "community"], validate_constraints=False)
    save_or_field_error(invite, field="code", message=_("This code is already used in the workspace."))
    return invite


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


__all__ = [
    "JoinRefused",
    "Unmet",
    "community_create",
    "community_transition",
    "community_update",
    "entitlement_grant",
    "entitlement_revoke",
    "invite_code_create",
    "member_create",
    "member_update",
    "membership_join",
    "membership_leave",
    "role_assign",
    "role_end",
    "tags_for_names",
]
