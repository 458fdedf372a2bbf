"""Webhook payloads of the groups app: one shape for a group, a member, a join and a leave,
whichever path the change took (the API, the admin, bots' events, a CSV import, moderation)."""

from groups import selectors
from groups.models import Community, CommunityDefaults, Member, Membership


def group_payload(community: Community) -> dict:
    return {
        "id": community.pk,
        "name": community.name,
        "kind": community.kind,
        "platform": community.platform,
        "external_id": community.external_id,
    }


def member_payload(member: Member | None) -> dict | None:
    if member is None:
        return None
    return {
        "id": member.pk,
        "display_name": member.display_name,
        "platform": member.platform,
        "external_id": member.external_id,
    }


def member_joined_events(
    membership: Membership, community: Community, defaults: CommunityDefaults | None
) -> list[tuple[str, dict]]:
    """`member.joined`, and `member.welcomed` with the rendered welcome when the group has one."""
    member, inviter = membership.member, membership.inviter
    payload = {
        "membership_id": membership.pk,
        "group": group_payload(community),
        "member": member_payload(member),
        "inviter": member_payload(inviter),
        "source": membership.source,
        "joined_at": membership.joined_at,
    }
    welcome = selectors.welcome_render(community=community, member=member, inviter=inviter, defaults=defaults)
    events = [("member.joined", payload)]
    if welcome:
        events.append(("member.welcomed", {**payload, "message": welcome}))
    return events


def member_left_event(membership: Membership) -> tuple[str, dict]:
    return (
        "member.left",
        {
            "membership_id": membership.pk,
            "group": group_payload(membership.community),
            "member": member_payload(membership.member),
            "reason": membership.leave_reason,
            "left_at": membership.left_at,
        },
    )
