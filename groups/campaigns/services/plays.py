"""Benefit plays: lotteries (commit-reveal draw), daily check-ins with streaks in the workspace's
time zone, and group-buys that unlock at N participants or are refunded / cancelled.

A play closes by itself at `closes_at`: an ETA task and the reconciler claim it by setting
`closed_at` with a conditional UPDATE, then draw the lottery or settle the group-buy once.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.campaigns import lottery
from groups.campaigns.errors import refusal
from groups.campaigns.models import EntryState, Play, PlayEntry, PlayKind, PlayOutcome, PlayReward
from groups.campaigns.payloads import group_brief
from groups.campaigns.services.fatigue import fatigue_check_kind, fatigue_check_participation
from groups.models import ActivityEvent, Community, CommunityKind, CommunityState, Member
from groups.payloads import member_payload
from suo.audit import audit_record, snapshot
from suo.db import save_unless_taken
from suo.models import Workspace
from suo.queue import enqueue_on_commit
from suo.webhooks import webhook_emit_many

KIND_FIELDS = {
    PlayKind.LOTTERY: ("winners_count",),
    PlayKind.CHECKIN: ("streak_days",),
    PlayKind.GROUP_BUY: ("min_participants",),
}


def play_payload(play: Play) -> dict:
    return {
        "id": play.pk,
        "kind": play.kind,
        "title": play.title,
        "group": group_brief(play.group),
        "opens_at": play.opens_at,
        "closes_at": play.closes_at,
        "outcome": play.outcome,
    }


def _enqueue_close(play: Play) -> None:
    enqueue_on_commit("groups.campaigns.tasks.play_close_task", play.pk, eta=play.closes_at)


@transaction.atomic
def play_create(
    *,
    workspace: Workspace,
    group: Community,
    kind: str,
    title: str = "",
    opens_at: datetime,
    closes_at: datetime,
    by=None,
    **fields,
) -> Play:
    """A play on a benefit group's calendar. A lottery's seed is drawn now and only its commitment shown."""
    errors = {}
    if group.workspace_id != workspace.pk:
        raise refusal("group", _("The group does not exist in this workspace."), "does_not_exist")
    if group.kind != CommunityKind.BENEFIT:
        errors["group"] = _("Plays run in benefit groups.")
    elif group.state == CommunityState.ARCHIVED:
        errors["group"] = _("The group is archived.")
    if kind not in PlayKind.values:
        raise ValidationError({"kind": _("Use lottery, checkin or group_buy.")})
    now = timezone.now()
    if closes_at <= opens_at:
        errors["closes_at"] = _("The play must close after it opens.")
    elif closes_at <= now:
        errors["closes_at"] = _("The closing time is in the past.")
    if kind == PlayKind.LOTTERY and opens_at <= now:
        errors["opens_at"] = _(
            "A lottery must open in the future: its seed is committed before entries start."
        )
    for name in KIND_FIELDS[kind]:
        if fields.get(name) is None:
            errors[name] = _("Required for a %(kind)s play.") % {"kind": PlayKind(kind).label}
    for other_kind, names in KIND_FIELDS.items():
        for name in names:
            if other_kind != kind and fields.get(name) is not None:
                errors[name] = _("Only for a %(kind)s play.") % {"kind": PlayKind(other_kind).label}
    if errors:
        raise ValidationError(errors)
    play = Play(
        workspace=workspace,
        group=group,
        kind=kind,
        title=(title or "").strip() or str(PlayKind(kind).label),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=by if by is not None and by.is_authenticated else None,
        **fields,
    )
    if kind == PlayKind.LOTTERY:
        play.seed = lottery.new_seed()
        play.commitment = lottery.commitment_of(play.seed)
    play.full_clean(exclude=["workspace", "group"])
    play.save()
    audit_record(
        actor=by,
        verb="play.created",
        target=play,
        after=snapshot(play, ["group", "kind", "title", "opens_at", "closes_at", "commitment"]),
    )
    fatigue_check_kind(play=play)
    _enqueue_close(play)
    return play


def _local_day(play: Play, at: datetime):
    return at.astimezone(ZoneInfo(play.workspace.timezone)).date()


@transaction.atomic
def play_enter(*, play: Play, member: Member, order_id: str = "", by=None) -> PlayEntry:
    """Enter a lottery or group-buy (once), or check in for today (once a day, in the workspace's zone)."""
    play = Play.objects.select_related("workspace", "group").get(pk=play.pk)
    if member.workspace_id != play.workspace_id:
        raise refusal("member", _("The member does not exist in this workspace."), "does_not_exist")
    now = timezone.now()
    if not (play.opens_at <= now < play.closes_at) or play.closed_at is not None:
        raise refusal(
            "non_field_errors",
            _("Entries are taken between %(opens)s and %(closes)s.")
            % {
                "opens": timezone.localtime(play.opens_at, ZoneInfo(play.workspace.timezone)).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                "closes": timezone.localtime(play.closes_at, ZoneInfo(play.workspace.timezone)).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            },
            "outside_window",
        )
    entry = PlayEntry(
        workspace_id=play.workspace_id,
        play=play,
        member=member,
        order_id=(order_id or "").strip()[:100] if play.kind == PlayKind.GROUP_BUY else "",
        created_at=now,
    )
    if play.kind == PlayKind.CHECKIN:
        entry.day = _local_day(play, now)
        previous = (
            PlayEntry.objects.filter(play=play, member=member, day=entry.day - timedelta(days=1))
            .values_list("streak", flat=True)
            .first()
        )
        entry.streak = (previous or 0) + 1
    if save_unless_taken(entry) is None:
        message = (
            _("%(member)s has already checked in today.")
            if play.kind == PlayKind.CHECKIN
            else _("%(member)s has already entered this play.")
        )
        raise refusal("member", message % {"member": member.display_name}, "already_entered")
    ActivityEvent.objects.create(
        workspace_id=play.workspace_id, member=member, community=play.group, name=play.title[:100], at=now
    )
    events = []
    if play.kind == PlayKind.CHECKIN and entry.streak >= play.streak_days:
        events.extend(_checkin_reward(play, member, entry, now))
    if play.kind == PlayKind.GROUP_BUY:
        events.extend(_group_buy_progress(play, now))
    webhook_emit_many(workspace=play.workspace, events=events)
    return entry


def _checkin_reward(play: Play, member: Member, entry: PlayEntry, now: datetime) -> list:
    reward = PlayReward(
        workspace_id=play.workspace_id,
        play=play,
        member=member,
        streak=entry.streak,
        reward=play.prize,
        created_at=now,
    )
    if save_unless_taken(reward) is None:
        return []  # rewarded once per play
    audit_record(
        actor=None,
        verb="play.checkin_rewarded",
        target=reward,
        after={"streak": entry.streak},
        workspace=play.workspace_id,
    )
    payload = {
        "play": play_payload(play),
        "member": member_payload(member),
        "streak": entry.streak,
        "reward": play.prize,
    }
    return [("play.checkin_rewarded", payload)]


def _group_buy_progress(play: Play, now: datetime) -> list:
    count = PlayEntry.objects.filter(play=play, state=EntryState.ACTIVE).count()
    if count < play.min_participants:
        return []
    if not Play.objects.filter(pk=play.pk, unlocked_at__isnull=True).update(unlocked_at=now):
        return []
    play.unlocked_at = now
    audit_record(actor=None, verb="play.group_buy_unlocked", target=play, after={"participants": count})
    return [("play.group_buy_unlocked", {"play": play_payload(play), "participants": count})]


def play_close(*, play_id: int) -> Play | None:
    """Close a play whose time is up, once: draw, settle the group-buy, or finish the check-ins."""
    with transaction.atomic():
        now = timezone.now()
        if not Play.objects.filter(pk=play_id, closed_at__isnull=True, closes_at__lte=now).update(
            closed_at=now
        ):
            return None
        play = Play.objects.select_related("workspace", "group").get(pk=play_id)
        if play.kind == PlayKind.LOTTERY:
            events = _draw(play)
        elif play.kind == PlayKind.GROUP_BUY:
            events = _settle_group_buy(play)
        else:
            play.outcome = PlayOutcome.FINISHED
            play.save(update_fields=["outcome"])
            events = []
        webhook_emit_many(workspace=play.workspace, events=events)
    fatigue_check_participation(group=play.group)
    return play


def _draw(play: Play) -> list:
    member_ids = list(PlayEntry.objects.filter(play=play).values_list("member_id", flat=True))
    chosen = lottery.winners(play.seed, member_ids, play.winners_count)
    for rank, member_id in enumerate(chosen, start=1):
        PlayEntry.objects.filter(play=play, member_id=member_id).update(rank=rank)
    play.outcome = PlayOutcome.DRAWN
    play.save(update_fields=["outcome"])
    audit_record(
        actor=None,
        verb="play.drawn",
        target=play,
        after={
            "seed": play.seed,
            "commitment": play.commitment,
            "entries": len(member_ids),
            "winners": chosen,
        },
    )
    members = Member.objects.in_bulk(chosen)
    payload = {
        "play": play_payload(play),
        "commitment": play.commitment,
        "seed": play.seed,
        "entries": len(member_ids),
        "winners": [member_payload(members[member_id]) for member_id in chosen],
        "prize": play.prize,
    }
    return [("play.drawn", payload)]


def _settle_group_buy(play: Play) -> list:
    if play.unlocked_at is not None:
        play.outcome = PlayOutcome.SUCCEEDED
        play.save(update_fields=["outcome"])
        audit_record(
            actor=None, verb="play.group_buy_succeeded", target=play, after={"outcome": play.outcome}
        )
        return []
    entries = PlayEntry.objects.filter(play=play, state=EntryState.ACTIVE)
    entries.exclude(order_id="").update(state=EntryState.REFUNDED)
    entries.filter(order_id="").update(state=EntryState.CANCELLED)
    play.outcome = PlayOutcome.FAILED
    play.save(update_fields=["outcome"])
    settled = list(PlayEntry.objects.filter(play=play).select_related("member").order_by("created_at", "pk"))
    audit_record(
        actor=None,
        verb="play.group_buy_failed",
        target=play,
        after={"participants": len(settled), "needed": play.min_participants},
    )
    payload = {
        "play": play_payload(play),
        "participants": len(settled),
        "needed": play.min_participants,
        "entries": [
            {"member": member_payload(entry.member), "order_id": entry.order_id, "state": entry.state}
            for entry in settled
        ],
    }
    return [("play.group_buy_failed", payload)]


def play_draw(*, play: Play, by=None) -> Play:
    """Draw a lottery after its window (the closing job does it too); drawing again changes nothing."""
    if play.kind != PlayKind.LOTTERY:
        raise refusal("kind", _("Only lotteries are drawn."), "not_a_lottery")
    if timezone.now() < play.closes_at:
        raise refusal(
            "non_field_errors",
            _("The entry window is still open; the draw comes after it closes."),
            "window_open",
        )
    play_close(play_id=play.pk)
    return Play.objects.select_related("group").get(pk=play.pk)


def plays_reconcile(*, limit: int = 500) -> int:
    """Close every play whose time passed while no task did (worker down, task lost)."""
    due = list(
        Play.objects.filter(closed_at__isnull=True, closes_at__lte=timezone.now())
        .order_by("closes_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for play_id in due if play_close(play_id=play_id) is not None)
