"""Joining and leaving groups: thresholds (open, invite code, referral, activity, paid, combined
with all / any), capacity, penalties that keep a member out, invite codes."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import selectors
from groups.models import (
    Community,
    CommunityState,
    InviteCode,
    JoinSource,
    LeaveReason,
    Member,
    Membership,
    ThresholdKind,
    ThresholdMode,
)
from groups.models.community import JOINABLE_STATES
from groups.moderation.selectors import join_blocks, mute_remaining
from groups.payloads import member_joined_events, member_left_event
from suo.db import save_or_field_error
from suo.webhooks import webhook_emit_many


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
    membership = Membership(
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
    save_or_field_error(
        membership,
        field="member",
        message=_("%(member)s is already in this group.") % {"member": member.display_name},
    )
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
def invite_code_update(
    *, invite: InviteCode, by=None, community: Community | None = None, code: str | None = None, **fields
) -> InviteCode:
    """Change an invite code's limits, expiry, note or switch it off; its code and group stay."""
    invite = InviteCode.objects.select_for_update().get(pk=invite.pk)
    for name, value in (("community", community), ("code", code)):
        if value is not None and value != getattr(invite, name):
            raise ValidationError({name: _("Cannot be changed; make a new code instead.")}, code="immutable")
    for name, value in fields.items():
        setattr(invite, name, value)
    invite.full_clean(exclude=["workspace", "community"], validate_constraints=False)
    invite.save(update_fields=list(fields))
    return invite


@transaction.atomic
def invite_code_delete(*, invite: InviteCode, by=None) -> None:
    """Delete an invite code; the memberships it opened keep their history without it."""
    invite.delete()
