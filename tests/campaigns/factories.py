"""Campaign test data made through the services, so schedules and seeds are what production makes."""

from datetime import datetime, timedelta

from django.utils import timezone

from groups.campaigns import services
from groups.campaigns.models import PHASES, Campaign, Offer, Play
from groups.models import Community, Member, Membership
from tests.groups.factories import CommunityFactory


def phases_from(start: datetime, step: timedelta = timedelta(hours=1)) -> list[dict]:
    return [{"phase": phase, "starts_at": start + step * index} for index, phase in enumerate(PHASES)]


def flash_group(workspace, **fields) -> Community:
    return CommunityFactory(
        workspace=workspace, kind="flash", state=fields.pop("state", "planning"), **fields
    )


def make_campaign(
    workspace,
    *,
    group: Community | None = None,
    start: datetime | None = None,
    step: timedelta = timedelta(hours=1),
    slug: str = "double11",
    **fields,
) -> Campaign:
    group = group or flash_group(workspace)
    start = start or timezone.now() + timedelta(minutes=10)
    return services.campaign_create(
        workspace=workspace,
        group=group,
        name=fields.pop("name", "双十一快闪"),
        slug=slug,
        phases=phases_from(start, step),
        **fields,
    )


def make_offer(campaign: Campaign, **fields) -> Offer:
    return services.offer_create(
        campaign=campaign,
        name=fields.pop("name", "限量礼盒"),
        stock=fields.pop("stock", 100),
        price=fields.pop("price", "99.00"),
        **fields,
    )


def members_in(group: Community, count: int) -> list[Member]:
    """`count` members with an active stay in `group` (bulk, for the big races)."""
    members = Member.objects.bulk_create(
        [
            Member(
                workspace=group.workspace,
                display_name=f"抢购者{index}",
                external_id=f"{group.pk}-buyer-{index}",
                first_seen_at=timezone.now(),
            )
            for index in range(count)
        ]
    )
    if members and members[0].pk is None:
        members = list(
            Member.objects.filter(workspace=group.workspace, external_id__startswith=f"{group.pk}-buyer-")
        )
    Membership.objects.bulk_create(
        [
            Membership(
                workspace=group.workspace,
                community=group,
                member=member,
                joined_at=timezone.now(),
                source="link",
            )
            for member in members
        ]
    )
    return members


def make_play(
    workspace, *, kind: str, group: Community | None = None, opens_at=None, closes_at=None, **fields
) -> Play:
    group = group or CommunityFactory(workspace=workspace, kind="benefit")
    opens_at = opens_at or timezone.now() + timedelta(minutes=5)
    closes_at = closes_at or opens_at + timedelta(days=1)
    defaults = {
        "lottery": {"winners_count": 3},
        "checkin": {"streak_days": 3},
        "group_buy": {"min_participants": 3},
    }
    return services.play_create(
        workspace=workspace,
        group=group,
        kind=kind,
        title=fields.pop("title", f"{kind} play"),
        opens_at=opens_at,
        closes_at=closes_at,
        **{**defaults[kind], **fields},
    )
