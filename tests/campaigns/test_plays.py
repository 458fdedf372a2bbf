"""Benefit plays: the lottery's commit-reveal draw, check-in streaks across midnight, group-buys."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from groups.campaigns import selectors, services
from groups.campaigns.models import PlayAlert, PlayEntry, PlayReward
from groups.models import ActivityEvent
from suo.models import WebhookDelivery
from tests.campaigns.factories import make_play
from tests.groups.factories import CommunityFactory, MemberFactory

pytestmark = pytest.mark.django_db


def rerun(verify: dict, count: int) -> list[int]:
    """The draw as an outsider re-runs it from the published data only."""

    def score(member_id):
        return hashlib.sha256(f"{verify['seed']}:{member_id}".encode()).hexdigest()

    return sorted(verify["entries"], key=lambda member_id: (score(member_id), member_id))[:count]


def test_a_lottery_commits_to_its_seed_before_opening_and_reveals_it_only_at_the_draw(tenant_a, hook):
    play = make_play(tenant_a.workspace, kind="lottery", winners_count=3)
    members = [MemberFactory(workspace=tenant_a.workspace) for _ in range(10)]
    before = selectors.play_verify(play)
    with time_machine.travel(play.opens_at + timedelta(minutes=1), tick=False):
        for member in members:
            services.play_enter(play=play, member=member)
        during = selectors.play_verify(play)
    with time_machine.travel(play.closes_at + timedelta(seconds=1), tick=False):
        drawn = services.play_draw(play=play)
    after = selectors.play_verify(drawn)

    assert len(before["commitment"]) == 64 and before["seed"] is None and during["seed"] is None
    assert len(after["seed"]) == 64 and after["seed"] == after["seed"].lower()
    assert hashlib.sha256(after["seed"].encode("utf-8")).hexdigest() == before["commitment"]
    assert after["winners"] == rerun(after, 3)
    assert sorted(after["entries"]) == sorted(m.pk for m in members)
    [event] = [d.payload["data"] for d in WebhookDelivery.objects.filter(event_type="play.drawn")]
    assert [w["id"] for w in event["winners"]] == after["winners"] and event["seed"] == after["seed"]


def test_drawing_again_gives_the_same_winners(tenant_a):
    play = make_play(tenant_a.workspace, kind="lottery", winners_count=2)
    with time_machine.travel(play.opens_at + timedelta(minutes=1), tick=False):
        for _ in range(6):
            services.play_enter(play=play, member=MemberFactory(workspace=tenant_a.workspace))
    with time_machine.travel(play.closes_at + timedelta(minutes=1), tick=False):
        first = selectors.play_winner_ids(services.play_draw(play=play))
        second = selectors.play_winner_ids(services.play_draw(play=play))

    assert first == second and len(first) == 2


def test_the_lottery_draws_itself_when_its_window_closes(tenant_a):
    play = make_play(tenant_a.workspace, kind="lottery", winners_count=1)
    with time_machine.travel(play.opens_at + timedelta(minutes=1), tick=False):
        services.play_enter(play=play, member=MemberFactory(workspace=tenant_a.workspace))

    with time_machine.travel(play.closes_at + timedelta(seconds=1), tick=False):
        assert services.plays_reconcile() == 1
        assert services.plays_reconcile() == 0

    play.refresh_from_db()
    assert play.outcome == "drawn" and len(selectors.play_winner_ids(play)) == 1


def test_entries_outside_the_window_and_second_entries_are_refused(tenant_a):
    play = make_play(tenant_a.workspace, kind="lottery")
    member = MemberFactory(workspace=tenant_a.workspace)

    with pytest.raises(ValidationError) as early:
        services.play_enter(play=play, member=member)
    with time_machine.travel(play.opens_at + timedelta(minutes=1), tick=False):
        services.play_enter(play=play, member=member)
        with pytest.raises(ValidationError) as twice:
            services.play_enter(play=play, member=member)
    with time_machine.travel(play.closes_at, tick=False), pytest.raises(ValidationError) as late:
        services.play_enter(play=play, member=MemberFactory(workspace=tenant_a.workspace))

    assert early.value.error_dict["non_field_errors"][0].code == "outside_window"
    assert twice.value.error_dict["member"][0].code == "already_entered"
    assert late.value.error_dict["non_field_errors"][0].code == "outside_window"
    assert PlayEntry.objects.filter(play=play).count() == 1
    assert ActivityEvent.objects.filter(member=member, name=play.title).count() == 1


def test_the_draw_is_refused_while_the_window_is_open(tenant_a):
    play = make_play(tenant_a.workspace, kind="lottery")

    with (
        time_machine.travel(play.opens_at + timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError),
    ):
        services.play_draw(play=play)

    play.refresh_from_db()
    assert play.outcome == "" and play.closed_at is None


def test_a_lottery_must_open_in_the_future_so_its_seed_is_committed_first(tenant_a):
    with pytest.raises(ValidationError) as refused:
        make_play(tenant_a.workspace, kind="lottery", opens_at=datetime.now(UTC) - timedelta(minutes=1))

    assert "opens_at" in refused.value.message_dict


# --- check-ins: days in the workspace's time zone (Asia/Shanghai, UTC+8) ---------------------------


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def checkin_at(play, member, moment):
    with time_machine.travel(moment, tick=False):
        return services.play_enter(play=play, member=member)


def test_check_ins_just_before_and_after_midnight_in_shanghai_are_two_days_of_one_streak(tenant_a, hook):
    with time_machine.travel(shanghai(1, 9), tick=False):
        play = make_play(
            tenant_a.workspace,
            kind="checkin",
            streak_days=3,
            prize="积分 50",
            opens_at=shanghai(1, 10),
            closes_at=shanghai(20, 0),
        )
    member = MemberFactory(workspace=tenant_a.workspace)

    first = checkin_at(play, member, shanghai(2, 23, 58))  # 15:58 UTC on the 2nd
    second = checkin_at(play, member, shanghai(3, 0, 2))  # 16:02 UTC on the 2nd, already the 3rd here
    third = checkin_at(play, member, shanghai(4, 7))

    assert [(e.day.day, e.streak) for e in (first, second, third)] == [(2, 1), (3, 2), (4, 3)]
    reward = PlayReward.objects.get(play=play, member=member)
    assert (reward.streak, reward.reward) == (3, "积分 50")
    assert WebhookDelivery.objects.filter(event_type="play.checkin_rewarded").count() == 1


def test_a_second_check_in_on_the_same_local_day_is_refused_even_across_utc_midnight(tenant_a):
    with time_machine.travel(shanghai(1, 9), tick=False):
        play = make_play(
            tenant_a.workspace, kind="checkin", opens_at=shanghai(1, 10), closes_at=shanghai(20, 0)
        )
    member = MemberFactory(workspace=tenant_a.workspace)

    checkin_at(play, member, shanghai(5, 7, 30))  # 23:30 UTC on the 4th
    with pytest.raises(ValidationError):
        checkin_at(play, member, shanghai(5, 8, 30))  # 00:30 UTC on the 5th: still the 5th here

    assert PlayEntry.objects.filter(play=play, member=member).count() == 1


def test_a_missed_day_starts_the_streak_again_and_the_reward_comes_once(tenant_a):
    with time_machine.travel(shanghai(1, 9), tick=False):
        play = make_play(
            tenant_a.workspace,
            kind="checkin",
            streak_days=2,
            opens_at=shanghai(1, 10),
            closes_at=shanghai(20, 0),
        )
    member = MemberFactory(workspace=tenant_a.workspace)

    streaks = [checkin_at(play, member, shanghai(day, 12)).streak for day in (2, 3, 5, 6, 7)]

    assert streaks == [1, 2, 1, 2, 3]
    assert PlayReward.objects.filter(play=play, member=member).count() == 1


# --- group-buys ------------------------------------------------------------------------------------


def test_a_group_buy_unlocks_at_its_participants_and_succeeds_at_the_deadline(tenant_a, hook):
    play = make_play(tenant_a.workspace, kind="group_buy", min_participants=3, deal_price="59.00")
    with time_machine.travel(play.opens_at + timedelta(minutes=1), tick=False):
        for index in range(4):
            services.play_enter(
                play=play, member=MemberFactory(workspace=tenant_a.workspace), order_id=f"T{index}"
            )
    with time_machine.travel(play.closes_at + timedelta(seconds=1), tick=False):
        services.plays_reconcile()

    play.refresh_from_db()
    assert play.outcome == "succeeded" and play.unlocked_at is not None
    assert WebhookDelivery.objects.filter(event_type="play.group_buy_unlocked").count() == 1
    assert set(PlayEntry.objects.filter(play=play).values_list("state", flat=True)) == {"active"}


def test_a_group_buy_short_of_participants_refunds_paid_entries_and_cancels_the_rest(tenant_a, hook):
    play = make_play(tenant_a.workspace, kind="group_buy", min_participants=5)
    with time_machine.travel(play.opens_at + timedelta(minutes=1), tick=False):
        paid = services.play_enter(
            play=play, member=MemberFactory(workspace=tenant_a.workspace), order_id="T-1"
        )
        free = services.play_enter(play=play, member=MemberFactory(workspace=tenant_a.workspace))
    with time_machine.travel(play.closes_at + timedelta(seconds=1), tick=False):
        services.plays_reconcile()

    play.refresh_from_db()
    paid.refresh_from_db()
    free.refresh_from_db()
    assert play.outcome == "failed"
    assert (paid.state, free.state) == ("refunded", "cancelled")
    [failed] = [d.payload["data"] for d in WebhookDelivery.objects.filter(event_type="play.group_buy_failed")]
    assert {(e["order_id"], e["state"]) for e in failed["entries"]} == {
        ("T-1", "refunded"),
        ("", "cancelled"),
    }


# --- fatigue -------------------------------------------------------------------------------------


def test_a_third_play_of_one_kind_within_a_week_warns_the_operator(tenant_a, hook):
    group = CommunityFactory(workspace=tenant_a.workspace, kind="benefit")
    start = datetime.now(UTC) + timedelta(hours=1)
    for day in range(3):
        make_play(tenant_a.workspace, kind="lottery", group=group, opens_at=start + timedelta(days=day))

    [alert] = PlayAlert.objects.filter(group=group)
    assert alert.kind == "kind_too_often"
    assert WebhookDelivery.objects.filter(event_type="play.fatigue_warning").count() == 1


def test_participation_dropping_three_plays_in_a_row_warns_once(tenant_a, hook):
    group = CommunityFactory(workspace=tenant_a.workspace, kind="benefit")
    members = [MemberFactory(workspace=tenant_a.workspace) for _ in range(8)]
    start = datetime.now(UTC) + timedelta(hours=1)
    kinds = ["lottery", "group_buy", "checkin", "lottery"]
    for index, (kind, participants) in enumerate(zip(kinds, [8, 6, 4, 2], strict=True)):
        opens = start + timedelta(days=3 * index)
        play = make_play(
            tenant_a.workspace, kind=kind, group=group, opens_at=opens, closes_at=opens + timedelta(days=1)
        )
        with time_machine.travel(opens + timedelta(minutes=1), tick=False):
            for member in members[:participants]:
                services.play_enter(play=play, member=member)
        with time_machine.travel(play.closes_at + timedelta(seconds=1), tick=False):
            services.plays_reconcile()

    [alert] = PlayAlert.objects.filter(group=group, kind="participation_dropping")
    assert alert.details["participants"] == [8, 6, 4, 2]


def test_plays_run_only_in_benefit_groups(tenant_a):
    flash = CommunityFactory(workspace=tenant_a.workspace, kind="flash")

    with pytest.raises(ValidationError) as refused:
        make_play(tenant_a.workspace, kind="checkin", group=flash)

    assert "group" in refused.value.message_dict
