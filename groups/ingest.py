"""Events in: batches of join / leave / message / activity events pushed by bots and platforms.

A batch is applied in one transaction with a fixed number of queries (not one per event):
event ids are claimed first (a unique constraint makes a resent event a duplicate, also when two
batches race), members are upserted in bulk, memberships created and ended in bulk, and messages
are added to a per-member-per-day counter with one INSERT ... ON CONFLICT statement.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from groups import event_kinds, selectors
from groups.models import (
    ActivityEvent,
    Community,
    CommunityState,
    InboundEvent,
    JoinSource,
    LeaveReason,
    Member,
    Membership,
    MessageDailyCount,
)
from groups.payloads import member_joined_events, member_left_event
from suo.models import Workspace
from suo.webhooks import webhook_emit_many

MAX_BATCH = 1000
NEEDS_GROUP = ("join", "leave", "message")


@dataclass
class EventResult:
    id: str
    status: str  # applied | skipped | duplicate | rejected
    code: str = ""
    detail: str = ""
    fields: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {"id": self.id, "status": self.status}
        if self.code:
            out["code"] = self.code
        if self.detail:
            out["detail"] = self.detail
        if self.fields:
            out["fields"] = self.fields
        return out


def _claim(workspace: Workspace, events: list[dict]) -> set[str]:
    """Insert an InboundEvent per new id; returns the ids this call claimed (others are duplicates)."""
    pending = {event["id"]: event["type"] for event in events}
    for _attempt in range(5):
        existing = set(
            InboundEvent.objects.filter(workspace=workspace, event_id__in=list(pending)).values_list(
                "event_id", flat=True
            )
        )
        new = {event_id: kind for event_id, kind in pending.items() if event_id not in existing}
        try:
            with transaction.atomic():
                InboundEvent.objects.bulk_create(
                    [
                        InboundEvent(workspace=workspace, event_id=event_id, type=kind)
                        for event_id, kind in new.items()
                    ]
                )
            return set(new)
        except IntegrityError:
            # Another batch claimed some of these ids meanwhile (and has committed): read again.
            continue
    raise IntegrityError("could not claim event ids")


def _members(workspace: Workspace, wanted: dict[tuple[str, str], dict]) -> dict[tuple[str, str], Member]:
    """Existing members by (platform, external id), creating the missing ones in one insert."""

    def load() -> dict[tuple[str, str], Member]:
        ids = {external_id for _platform, external_id in wanted}
        found = Member.objects.filter(workspace=workspace, external_id__in=list(ids))
        return {(m.platform, m.external_id): m for m in found if (m.platform, m.external_id) in wanted}

    members = load()
    missing = [key for key in wanted if key not in members]
    if missing:
        Member.objects.bulk_create(
            [
                Member(
                    workspace=workspace,
                    platform=platform,
                    external_id=external_id,
                    display_name=(wanted[(platform, external_id)]["name"] or external_id)[:100],
                    first_seen_at=wanted[(platform, external_id)]["at"],
                )
                for platform, external_id in missing
            ],
            ignore_conflicts=True,
        )
        members = load()
    return members


def events_ingest(*, workspace: Workspace, events: list[dict]) -> list[EventResult]:
    """Apply validated events (dicts from the API's EventInput); one result per event, in order."""
    results: list[EventResult | None] = [None] * len(events)
    first_index: dict[str, int] = {}
    for index, event in enumerate(events):
        if event["id"] in first_index:
            results[index] = EventResult(
                event["id"], "duplicate", "duplicate_in_batch", _("Sent twice in this batch.")
            )
        else:
            first_index[event["id"]] = index

    with transaction.atomic():
        group_keys = {(e["platform"], e["group_external_id"]) for e in events if e.get("group_external_id")}
        communities: dict[tuple[str, str], Community] = {}
        if group_keys:
            found = (
                Community.objects.select_for_update()
                .filter(workspace=workspace, external_id__in=[external for _p, external in group_keys])
                .order_by("pk")
            )
            communities = {
                (c.platform, c.external_id): c for c in found if (c.platform, c.external_id) in group_keys
            }

        candidates: list[int] = []
        for index in first_index.values():
            event = events[index]
            key = (event["platform"], event.get("group_external_id") or "")
            if (event["type"] in NEEDS_GROUP or event_kinds.needs_group(event["type"])) and not key[1]:
                results[index] = EventResult(
                    event["id"],
                    "rejected",
                    "invalid",
                    _("group_external_id: this event type needs a group."),
                    {"group_external_id": [_("This field is required.")]},
                )
            elif key[1] and key not in communities:
                results[index] = EventResult(
                    event["id"],
                    "rejected",
                    "unknown_group",
                    _("No group on %(platform)s with external id “%(id)s” in this workspace.")
                    % {"platform": event["platform"], "id": key[1]},
                    {"group_external_id": [_("Unknown group.")]},
                )
            elif event["type"] == "join" and communities[key].state == CommunityState.ARCHIVED:
                results[index] = EventResult(
                    event["id"],
                    "rejected",
                    "group_archived",
                    _("The group is archived and takes no members."),
                )
            else:
                candidates.append(index)

        # Types registered by other apps may refuse single events (e.g. an unknown post) before claiming.
        refused = event_kinds.check_batch(
            workspace,
            {
                i: event_kinds.KindEvent(
                    events[i],
                    communities.get((events[i]["platform"], events[i].get("group_external_id") or "")),
                )
                for i in candidates
            },
        )
        for index, rejection in refused.items():
            results[index] = EventResult(
                events[index]["id"], "rejected", rejection.code, rejection.detail, rejection.fields
            )
        candidates = [i for i in candidates if i not in refused]

        claimed = _claim(workspace, [events[i] for i in candidates]) if candidates else set()
        to_apply = []
        for index in candidates:
            if events[index]["id"] in claimed:
                to_apply.append(index)
            else:
                results[index] = EventResult(
                    events[index]["id"], "duplicate", "duplicate", _("Already received.")
                )

        wanted: dict[tuple[str, str], dict] = {}
        for index in to_apply:
            event = events[index]
            for external_id, name in (
                (event["member_external_id"], event.get("member_name", "")),
                (event.get("inviter_external_id") or "", ""),
            ):
                if not external_id:
                    continue
                key = (event["platform"], external_id)
                entry = wanted.setdefault(key, {"name": name, "at": event["at"]})
                entry["name"] = entry["name"] or name
                entry["at"] = min(entry["at"], event["at"])
        members = _members(workspace, wanted) if wanted else {}

        def member_of(event, field_name="member_external_id"):
            external_id = event.get(field_name)
            return members.get((event["platform"], external_id)) if external_id else None

        def community_of(event):
            return communities.get((event["platform"], event.get("group_external_id") or ""))

        membership_events = sorted(
            (i for i in to_apply if events[i]["type"] in ("join", "leave")),
            key=lambda i: (events[i]["at"], i),
        )
        active: dict[tuple[int, int], Membership] = {}
        if membership_events:
            community_ids = {community_of(events[i]).pk for i in membership_events}
            member_ids = {member_of(events[i]).pk for i in membership_events}
            for membership in Membership.objects.select_related("community", "member").filter(
                community_id__in=community_ids, member_id__in=member_ids, is_active=True
            ):
                active[(membership.community_id, membership.member_id)] = membership
        created: list[Membership] = []
        ended: list[Membership] = []
        for index in membership_events:
            event = events[index]
            community, member = community_of(event), member_of(event)
            key = (community.pk, member.pk)
            if event["type"] == "join":
                if key in active:
                    results[index] = EventResult(
                        event["id"], "skipped", "already_member", _("Already in the group.")
                    )
                    continue
                membership = Membership(
                    workspace=workspace,
                    community=community,
                    member=member,
                    joined_at=event["at"],
                    source=event.get("source") or JoinSource.LINK,
                    inviter=member_of(event, "inviter_external_id"),
                    channel=event.get("channel", ""),
                    campaign=event.get("campaign", ""),
                )
                active[key] = membership
                created.append(membership)
            else:
                membership = active.pop(key, None)
                if membership is None:
                    results[index] = EventResult(
                        event["id"], "skipped", "not_a_member", _("Not in the group.")
                    )
                    continue
                membership.is_active = False
                membership.left_at = max(event["at"], membership.joined_at)
                membership.leave_reason = event.get("reason") or LeaveReason.LEFT
                if membership.pk:
                    ended.append(membership)
            results[index] = EventResult(event["id"], "applied")
        if created:
            Membership.objects.bulk_create(created, batch_size=500)
        if ended:
            Membership.objects.bulk_update(ended, ["is_active", "left_at", "leave_reason"], batch_size=500)

        _count_messages(
            workspace,
            [events[i] for i in to_apply if events[i]["type"] == "message"],
            member_of,
            community_of,
        )
        activities = [
            ActivityEvent(
                workspace=workspace,
                member=member_of(events[i]),
                community=community_of(events[i]),
                campaign=events[i].get("campaign", ""),
                name=events[i].get("name", ""),
                at=events[i]["at"],
            )
            for i in to_apply
            if events[i]["type"] == "activity"
        ]
        if activities:
            ActivityEvent.objects.bulk_create(activities, batch_size=500)
        event_kinds.apply_batch(
            workspace,
            [
                event_kinds.KindEvent(events[i], community_of(events[i]), member_of(events[i]))
                for i in to_apply
                if events[i]["type"] in event_kinds.EVENT_KINDS
            ],
        )
        for index in to_apply:
            if results[index] is None:
                results[index] = EventResult(events[index]["id"], "applied")

        outgoing = []
        defaults = selectors.community_defaults(workspace) if created else None
        for membership in created:
            outgoing.extend(member_joined_events(membership, membership.community, defaults))
        left = [m for m in created if not m.is_active] + ended
        outgoing.extend(member_left_event(m) for m in left)
        webhook_emit_many(workspace=workspace, events=outgoing)
    return results  # type: ignore[return-value]


def _count_messages(workspace: Workspace, messages: list[dict], member_of, community_of) -> None:
    """Add each member's messages to their per-day count in the group (workspace time zone)."""
    if not messages:
        return
    tz = ZoneInfo(workspace.timezone)
    totals: dict[tuple[int, int, object], int] = defaultdict(int)
    for event in messages:
        day = event["at"].astimezone(tz).date()
        totals[(community_of(event).pk, member_of(event).pk, day)] += event.get("count") or 1
    table = connection.ops.quote_name(MessageDailyCount._meta.db_table)
    sql = (
        f"INSERT INTO {table} (workspace_id, community_id, member_id, day, count) "
        f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT (community_id, member_id, day) "
        f"DO UPDATE SET count = {table}.count + excluded.count"
    )
    params = [
        (workspace.pk, community_id, member_id, connection.ops.adapt_datefield_value(day), count)
        for (community_id, member_id, day), count in sorted(totals.items(), key=lambda item: item[0][:2])
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
