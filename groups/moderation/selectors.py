"""Moderation reads: the code of conduct of a group, the penalties that keep a member out of a
group (for joining), member search and history for the desk, the step preview, violation and
appeal lists."""

from datetime import datetime

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import (
    Appeal,
    Community,
    Member,
    Membership,
    Penalty,
    PenaltyAction,
    PenaltyState,
    Rule,
    Violation,
)
from groups.models.moderation import describe_action, describe_duration
from groups.moderation.ladders import ladder_next_step
from suo.models import Workspace


def rules_for(community: Community) -> QuerySet[Rule]:
    """The active rules of the code of conduct that apply to the group, in their order."""
    return (
        Rule.objects.filter(workspace_id=community.workspace_id, is_active=True)
        .filter(Q(community__isnull=True) | Q(community_id=community.pk))
        .filter(Q(community_kind="") | Q(community_kind=community.kind))
        .order_by("position", "pk")
    )


def rules_render(community: Community) -> str:
    """The code of conduct as members read it where a template says {rules}; empty if it has no rules."""
    lines = []
    for number, rule in enumerate(rules_for(community), start=1):
        if rule.description:
            lines.append(
                _("%(n)s. %(title)s: %(description)s")
                % {"n": number, "title": rule.title, "description": rule.description}
            )
        else:
            lines.append(_("%(n)s. %(title)s") % {"n": number, "title": rule.title})
    return "\n".join(lines)


def _member_cards(queryset: QuerySet[Member]) -> QuerySet[Member]:
    """Members with `active_memberships` (groups now, with `muted_until`) and `violation_count`."""
    return queryset.annotate(
        violation_count=Count("violations", filter=Q(violations__revoked_at__isnull=True), distinct=True),
    ).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(is_active=True)
            .select_related("community")
            .order_by("community__name", "pk"),
            to_attr="active_memberships",
        )
    )


def member_search(*, workspace: Workspace, query: str, limit: int = 10) -> list[Member]:
    """Members whose name contains `query` or whose external / WeChat id starts with it.

    Exact matches come first."""
    query = query.strip()
    if not query:
        return []
    matches = Member.objects.filter(workspace=workspace).filter(
        Q(display_name__icontains=query) | Q(external_id__istartswith=query) | Q(wechat_id__istartswith=query)
    )
    exact = Count("pk", filter=Q(external_id=query) | Q(wechat_id=query) | Q(display_name=query))
    return list(_member_cards(matches).annotate(exact=exact).order_by("-exact", "display_name", "pk")[:limit])


def member_card(member: Member) -> Member:
    return _member_cards(Member.objects.filter(pk=member.pk)).get()


def member_history(*, member: Member, limit: int = 20) -> list[Violation]:
    return list(
        Violation.objects.filter(member=member)
        .select_related("community", "rule", "logged_by", "penalty")
        .order_by("-created_at", "-pk")[:limit]
    )


def member_standing(*, member: Member, at: datetime | None = None) -> dict:
    """Banned? Muted where and until when? Kicked from which groups?"""
    at = at or timezone.now()
    active = Penalty.objects.filter(member=member, state=PenaltyState.ACTIVE).values_list(
        "action", "community_id"
    )
    banned = False
    kicked: list[int] = []
    for action, community_id in active:
        if action == PenaltyAction.BAN:
            banned = True
        elif action == PenaltyAction.KICK:
            kicked.append(community_id)
    muted = {
        membership.community_id: membership.muted_until
        for membership in Membership.objects.filter(member=member, is_active=True, muted_until__gt=at)
    }
    return {"banned": banned, "kicked_from": sorted(kicked), "muted": muted}


def step_preview(*, member: Member, community: Community, rule: Rule | None) -> dict:
    """What logging a violation now would do, without doing it."""
    nxt = ladder_next_step(member=member, community=community, rule=rule)
    return {
        "ladder": {
            "id": nxt.ladder.pk,
            "name": nxt.ladder.name,
            "window_days": nxt.ladder.window_days,
            "scope": nxt.ladder.scope,
            "steps": [
                {
                    "number": number,
                    "action": step.action,
                    "mute_minutes": step.mute_minutes,
                    "label": describe_action(step.action, step.mute_minutes),
                }
                for number, step in enumerate(nxt.steps, start=1)
            ],
        },
        "counted_violations": nxt.counted,
        "severity": nxt.severity,
        "step": nxt.number,
        "action": nxt.action,
        "mute_minutes": nxt.mute_minutes,
        "label": describe_action(nxt.action, nxt.mute_minutes),
        "duration": describe_duration(nxt.mute_minutes),
        "is_last_step": nxt.number == nxt.total,
    }


def violation_list(*, queryset: QuerySet[Violation] | None = None) -> QuerySet[Violation]:
    queryset = queryset if queryset is not None else Violation.objects.all()
    return queryset.select_related(
        "member", "community", "rule", "logged_by", "revoked_by", "penalty"
    ).order_by("-created_at", "-pk")


def appeal_list(*, queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    queryset = queryset if queryset is not None else Appeal.objects.all()
    return queryset.select_related(
        "violation__member", "violation__community", "violation__rule", "filed_by", "decided_by"
    ).order_by("-filed_at", "-pk")


def member_is_banned(member: Member) -> bool:
    return Penalty.objects.filter(member=member, action=PenaltyAction.BAN, state=PenaltyState.ACTIVE).exists()


def join_blocks(*, member: Member, community: Community) -> list[tuple[str, str]]:
    """(code, message) for each penalty that keeps the member out of the group (for membership_join)."""
    actions = set(
        Penalty.objects.filter(member=member, state=PenaltyState.ACTIVE)
        .filter(Q(action=PenaltyAction.BAN) | Q(action=PenaltyAction.KICK, community=community))
        .values_list("action", flat=True)
    )
    blocks = []
    if PenaltyAction.BAN in actions:
        blocks.append(("banned", _("The member is banned from the groups of this workspace.")))
    elif PenaltyAction.KICK in actions:
        blocks.append(
            (
                "kicked",
                _(
                    "The member was kicked from this group and may not rejoin unless the violation is revoked."  # noqa: E501
                ),
            )
        )
    return blocks


def mute_remaining(*, member: Member | int, community: Community | int, at: datetime) -> datetime | None:
    """The end of the longest mute still running for the member in the group (a rejoin gets it
    back; a lifted mute leaves the others)."""
    return Penalty.objects.filter(
        member=member,
        community=community,
        action=PenaltyAction.MUTE,
        state=PenaltyState.ACTIVE,
        ends_at__gt=at,
    ).aggregate(until=Max("ends_at"))["until"]
