"""Reads of the groups app: querysets and aggregates computed in the database."""

from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from groups.models import (
    ActivityEvent,
    Community,
    CommunityDefaults,
    Entitlement,
    GroupRole,
    Member,
    Membership,
    MessageDailyCount,
    RoleAssignment,
)
from groups.models.templates import render_template
from groups.moderation.selectors import rules_render
from suo.models import Workspace


def community_list(
    *, workspace: Workspace | None = None, queryset: QuerySet | None = None
) -> QuerySet[Community]:
    """Groups with their active member count, tags and current role holders, in a fixed number of queries."""
    queryset = queryset if queryset is not None else Community.objects.all()
    if workspace is not None:
        queryset = queryset.filter(workspace=workspace)
    return (
        queryset.annotate(
            member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
        )
        .prefetch_related(
            "tags",
            "thresholds",
            Prefetch(
                "roles",
                queryset=RoleAssignment.objects.filter(is_active=True)
                .select_related("member", "user")
                .order_by("role", "pk"),
                to_attr="active_roles",
            ),
        )
        .order_by("name", "pk")
    )


def membership_list(
    *, community: Community, active: bool | None = None, source: str = ""
) -> QuerySet[Membership]:
    """The group's memberships, newest first: current ones (`active=True`), past ones, or both."""
    queryset = (
        Membership.objects.filter(community=community)
        .select_related("member", "inviter", "invite_code")
        .order_by("-joined_at", "-pk")
    )
    if active is not None:
        queryset = queryset.filter(is_active=active)
    if source:
        queryset = queryset.filter(source=source)
    return queryset


def role_list(*, community: Community, ended_too: bool = False) -> QuerySet[RoleAssignment]:
    """Who does what in the group: current holders, and past ones with `ended_too`."""
    queryset = RoleAssignment.objects.filter(community=community).select_related("member", "user")
    if not ended_too:
        queryset = queryset.filter(is_active=True)
    return queryset.order_by("role", "-started_at", "pk")


def member_list(*, queryset: QuerySet | None = None) -> QuerySet[Member]:
    queryset = queryset if queryset is not None else Member.objects.all()
    return (
        queryset.annotate(
            active_groups=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
        )
        .prefetch_related("tags")
        .order_by("display_name", "pk")
    )


def community_defaults(workspace: Workspace) -> CommunityDefaults | None:
    return CommunityDefaults.objects.filter(workspace=workspace).first()


def welcome_render(
    *,
    community: Community,
    member: Member | None,
    inviter: Member | None = None,
    defaults: CommunityDefaults | None = None,
    announcement: bool = False,
    nickname: str | None = None,
) -> str:
    """The group's welcome (or announcement) with its placeholders filled; the workspace default if empty."""
    field = "announcement_template" if announcement else "welcome_template"
    template = getattr(community, field) or (getattr(defaults, field) if defaults else "")
    rules = rules_text(community=community, defaults=defaults)
    return render_template(
        template,
        nickname=nickname if nickname is not None else (member.display_name if member else ""),
        group=community.name,
        inviter=inviter.display_name if inviter else "",
        rules=rules,
    )


def rules_text(*, community: Community, defaults: CommunityDefaults | None = None) -> str:
    """What {rules} renders: the group's code of conduct; when it has no rules, the group's own
    rules text, then the workspace default."""
    if community.pk is not None:
        # Remembered on the instance: a batch of joins renders one group's welcome many times.
        rendered = getattr(community, "_rules_rendered", None)
        if rendered is None:
            rendered = community._rules_rendered = rules_render(community)
        if rendered:
            return rendered
    return community.rules_text or (defaults.rules_text if defaults else "")


def member_activity_count(*, member: Member, campaign: str = "") -> int:
    queryset = ActivityEvent.objects.filter(member=member)
    if campaign:
        queryset = queryset.filter(campaign=campaign)
    return queryset.count()


def member_has_entitlement(*, member: Member, product: str = "", at: datetime | None = None) -> bool:
    at = at or timezone.now()
    queryset = Entitlement.objects.filter(member=member, revoked_at__isnull=True, granted_at__lte=at).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    )
    if product:
        queryset = queryset.filter(product=product)
    return queryset.exists()


def community_lead(community: Community) -> RoleAssignment | None:
    return (
        RoleAssignment.objects.filter(community=community, role=GroupRole.LEAD, is_active=True)
        .select_related("member", "user")
        .first()
    )


def _count_per_day(rows: QuerySet, moment: str) -> dict[date, int]:
    """{day: how many rows}, by the day of the `moment` field (in the current time zone)."""
    return dict(
        rows.annotate(day=TruncDate(moment))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
        .values_list("day", "n")
    )


def community_daily_stats(*, community: Community, days: int = 28) -> list[dict]:
    """Per day: joins, leaves and messages of the group over the last `days` days (SQL aggregates)."""
    since = timezone.now() - timedelta(days=days)
    stays = Membership.objects.filter(community=community)
    joins = _count_per_day(stays.filter(joined_at__gte=since), "joined_at")
    leaves = _count_per_day(stays.filter(left_at__gte=since), "left_at")
    messages = dict(
        MessageDailyCount.objects.filter(community=community, day__gte=since.date())
        .values("day")
        .annotate(n=Sum("count"))
        .order_by("day")
        .values_list("day", "n")
    )
    days_seen: list[date] = sorted(set(joins) | set(leaves) | set(messages))
    return [
        {
            "day": day,
            "joins": joins.get(day, 0),
            "leaves": leaves.get(day, 0),
            "messages": messages.get(day, 0),
        }
        for day in days_seen
    ]


def inviter_is_active_somewhere(*, inviter: Member) -> bool:
    return Membership.objects.filter(member=inviter, is_active=True).exists()


def members_in_community(community: Community) -> QuerySet[Member]:
    return Member.objects.filter(
        Exists(Membership.objects.filter(member=OuterRef("pk"), community=community, is_active=True))
    )
