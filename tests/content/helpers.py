"""Shared set-ups for the content tests: groups with members, clicks on a post's links."""

import datetime as dt

from django.utils import timezone

from content import services
from content.models import PostLink
from links.models import Click
from tests.groups.factories import CommunityFactory, MembershipFactory


def group_with_members(workspace, n: int, **fields):
    group = CommunityFactory(workspace=workspace, **fields)
    for _ in range(n):
        MembershipFactory(community=group)
    return group


def one_step_sop(workspace, *, role: str = "lead", action: str = "x", day_offset: int = 0, name: str = "s"):
    """An SOP (saved by the service) of one step at 09:00 on day `day_offset`."""
    return services.sop_save(
        workspace=workspace,
        name=name,
        steps=[{"day_offset": day_offset, "time": dt.time(9), "role": role, "action": action}],
    )


def click_post_links(post, visitors: list[str], *, group=None) -> None:
    """One click per visitor hash on the post's first tracked link (of `group` when given)."""
    links = PostLink.objects.filter(post=post).order_by("community", "position")
    if group is not None:
        links = links.filter(community=group)
    link = links.first().link
    now = timezone.now()
    Click.objects.bulk_create(
        [
            Click(
                workspace_id=post.workspace_id,
                link=link,
                at=now - dt.timedelta(minutes=i),
                day=now.date(),
                platform="wechat",
                visitor_hash=visitor,
            )
            for i, visitor in enumerate(visitors)
        ]
    )


def engagement_event(event_id: str, kind: str, post_id: int, group, member: str, at=None) -> dict:
    return {
        "id": event_id,
        "type": kind,
        "platform": group.platform,
        "group_external_id": group.external_id,
        "member_external_id": member,
        "at": (at or timezone.now()).isoformat(),
        "post": post_id,
    }
