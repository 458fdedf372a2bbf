"""Moderation services: ladders end to end, windows, severity, scope, mutes and their expiry,
kicks and bans against rejoining, revokes, appeals, the audit trail and the webhooks."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from groups import services
from groups.models import (
    Appeal,
    Community,
    Ladder,
    LeaveReason,
    Membership,
    Penalty,
    PenaltyAction,
    Severity,
    Violation,
)
from groups.moderation import conduct, ladders, mutes, tasks
from groups.moderation import services as moderation
from groups.selectors import welcome_render
from suo.models import AppendOnlyError, AuditRecord, WebhookDelivery, WebhookEndpoint
from tests.groups.factories import (
    CommunityFactory,
    MemberFactory,
    MembershipFactory,
    RuleFactory,
    ladder_with,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(tenant_a):
    return tenant_a.workspace


@pytest.fixture
def group(ws):
    return CommunityFactory(workspace=ws, kind="benefit")


@pytest.fixture
def member(ws, group):
    member = MemberFactory(workspace=ws, display_name="小王")
    MembershipFactory(community=group, member=member)
    return member


@pytest.fixture
def spam(ws):
    return RuleFactory(workspace=ws, title="禁止刷屏", category="spam")


def log(group, member, rule, by, **kwargs):
    """Log a violation; the violation (the outcome is checked where it matters)."""
    return moderation.violation_log(community=group, member=member, rule=rule, by=by, **kwargs).violation


def active_membership(group, member):
    return Membership.objects.filter(community=group, member=member, is_active=True).first()


def test_default_ladder_warns_then_mutes_24h_then_kicks_and_stays_at_the_last_step(
    tenant_a, group, member, spam
):
    moderator = tenant_a.moderator

    first = moderation.violation_log(community=group, member=member, rule=spam, by=moderator)
    second = moderation.violation_log(community=group, member=member, rule=spam, by=moderator)

    assert (first.violation.step, first.violation.action) == (1, "warn")
    assert (first.counted_violations, first.next_action, first.replayed) == (1, "mute", False)
    assert (second.violation.step, second.violation.action, second.violation.mute_minutes) == (
        2,
        "mute",
        1440,
    )
    muted_until = active_membership(group, member).muted_until
    assert muted_until == second.violation.created_at + timedelta(hours=24)
    assert second.muted_until == muted_until and second.next_action == "kick"

    third = log(group, member, spam, moderator)

    assert (third.step, third.action) == (3, PenaltyAction.KICK)
    assert active_membership(group, member) is None
    stay = Membership.objects.get(community=group, member=member)
    assert stay.leave_reason == LeaveReason.KICKED
    fourth = log(group, member, spam, moderator)
    assert (fourth.step, fourth.action) == (3, "kick")  # capped at the last step
    ladder = Ladder.objects.get(workspace=group.workspace, is_default=True)
    assert [str(s.action) for s in ladder.steps.order_by("position")] == ["warn", "mute", "kick"]
    assert (ladder.window_days, ladder.scope) == (30, "group")


def test_a_violation_31_days_old_no_longer_counts(tenant_a, group, member, spam):
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=31)):
        log(group, member, spam, tenant_a.moderator)
    with time_machine.travel(start - timedelta(days=29)):
        log(group, member, spam, tenant_a.moderator)

    now = log(group, member, spam, tenant_a.moderator)

    assert now.counted_before == 1  # only the 29-day-old one
    assert now.step == 2


def test_revoked_violations_do_not_count(tenant_a, group, member, spam):
    first = log(group, member, spam, tenant_a.moderator)
    moderation.violation_revoke(violation=first, by=tenant_a.operator, reason="误判")

    again = log(group, member, spam, tenant_a.moderator)

    assert (again.step, again.action, again.counted_before) == (1, "warn", 0)


def test_severity_starts_the_ladder_later_and_is_capped_at_the_last_step(tenant_a, ws, group, member, spam):
    ladder = ladder_with(ws, [("warn",), ("mute", 60), ("kick",), ("ban",)], is_default=True)
    abuse = RuleFactory(workspace=ws, category="abuse", severity=Severity.SERIOUS)
    fraud = RuleFactory(workspace=ws, category="fraud", severity=Severity.GRAVEST)

    first = log(group, member, abuse, tenant_a.moderator)
    assert (first.step, first.action, first.mute_minutes, first.ladder) == (2, "mute", 60, ladder)
    second = log(group, member, abuse, tenant_a.moderator)
    assert (second.step, second.action) == (3, "kick")

    other = MemberFactory(workspace=ws)
    MembershipFactory(community=group, member=other)
    fraudster = log(group, other, fraud, tenant_a.moderator)
    assert (fraudster.step, fraudster.action) == (4, "ban")


def test_group_scope_counts_only_that_group_and_workspace_scope_counts_every_group(
    tenant_a, ws, member, spam
):
    one, two = CommunityFactory(workspace=ws), CommunityFactory(workspace=ws)
    for group in (one, two):
        MembershipFactory(community=group, member=member)
    log(one, member, spam, tenant_a.moderator)

    assert log(two, member, spam, tenant_a.moderator).step == 1  # default scope: per group

    strict = ladder_with(ws, [("warn",), ("mute", 10), ("kick",)], scope="workspace")
    third = CommunityFactory(workspace=ws, ladder=strict)
    MembershipFactory(community=third, member=member)
    assert log(third, member, spam, tenant_a.moderator).step == 3  # two earlier, in other groups


def test_a_group_ladder_overrides_the_workspace_default(tenant_a, ws, member, spam):
    ladder = ladder_with(ws, [("mute", 10), ("ban",)], name="快闪群阶梯")
    flash = CommunityFactory(workspace=ws, kind="flash", ladder=ladder)
    MembershipFactory(community=flash, member=member)

    violation = log(flash, member, spam, tenant_a.moderator)

    assert (violation.ladder, violation.action, violation.mute_minutes) == (ladder, "mute", 10)


def test_a_longer_mute_is_never_shortened_by_a_shorter_one(tenant_a, ws, group, member, spam):
    group.ladder = ladder_with(ws, [("mute", 600), ("mute", 10)])
    group.save()

    long = log(group, member, spam, tenant_a.moderator)
    log(group, member, spam, tenant_a.moderator)

    assert active_membership(group, member).muted_until == long.created_at + timedelta(minutes=600)


def test_the_mute_is_lifted_on_time_by_its_eta_task(
    tenant_a, group, member, spam, queued, django_capture_on_commit_callbacks
):
    log(group, member, spam, tenant_a.moderator)
    with django_capture_on_commit_callbacks(execute=True):
        mute = log(group, member, spam, tenant_a.moderator)
    penalty = Penalty.objects.get(violation=mute)
    mutes = [(q.args, q.eta) for q in queued if q.task == "groups.tasks.mute_expire"]
    assert mutes == [([penalty.pk], penalty.ends_at)]

    tasks.mute_expire.apply(args=[penalty.pk])  # too early: nothing happens
    assert active_membership(group, member).muted_until == penalty.ends_at
    with time_machine.travel(penalty.ends_at + timedelta(seconds=1)):
        tasks.mute_expire.apply(args=[penalty.pk])

    penalty.refresh_from_db()
    assert penalty.state == "ended"
    assert active_membership(group, member).muted_until is None
    assert AuditRecord.objects.filter(verb="penalty.expired", target_id=str(penalty.pk)).count() == 1


def test_the_sweep_lifts_mutes_missed_while_no_worker_ran_and_the_late_task_does_nothing(
    tenant_a, group, member, spam
):
    log(group, member, spam, tenant_a.moderator)
    mute = log(group, member, spam, tenant_a.moderator)  # its ETA task was never run (worker down)
    penalty = Penalty.objects.get(violation=mute)

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert tasks.mutes_sweep.apply().get() == 1
        assert tasks.mutes_sweep.apply().get() == 0
        tasks.mute_expire.apply(args=[penalty.pk])  # the task arrives late

    penalty.refresh_from_db()
    assert penalty.state == "ended"
    assert active_membership(group, member).muted_until is None
    assert AuditRecord.objects.filter(verb="penalty.expired").count() == 1


def test_the_sweep_keeps_a_longer_mute_running(tenant_a, ws, group, member, spam):
    group.ladder = ladder_with(ws, [("mute", 10), ("mute", 600)])
    group.save()
    log(group, member, spam, tenant_a.moderator)
    longer = log(group, member, spam, tenant_a.moderator)

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert mutes.mutes_sweep() == 1

    assert active_membership(group, member).muted_until == Penalty.objects.get(violation=longer).ends_at


def test_leaving_and_rejoining_does_not_end_a_mute(tenant_a, group, member, spam):
    log(group, member, spam, tenant_a.moderator)
    mute = log(group, member, spam, tenant_a.moderator)
    services.membership_leave(community=group, member=member)

    again = services.membership_join(community=group, member=member)

    assert again.muted_until == Penalty.objects.get(violation=mute).ends_at


def test_a_kicked_member_cannot_rejoin_that_group_until_the_kick_is_revoked(tenant_a, ws, member, spam):
    group = CommunityFactory(workspace=ws, ladder=ladder_with(ws, [("kick",)]))
    MembershipFactory(community=group, member=member)
    other = CommunityFactory(workspace=ws)
    kick = log(group, member, spam, tenant_a.moderator)

    with pytest.raises(services.JoinRefused) as refused:
        services.membership_join(community=group, member=member)
    assert [u.code for u in refused.value.unmet] == ["kicked"]
    services.membership_join(community=other, member=member)  # other groups are open

    moderation.violation_revoke(violation=kick, by=tenant_a.owner, reason="申诉成功")
    assert services.membership_join(community=group, member=member).is_active


def test_ban_ends_every_membership_and_refuses_rejoining_any_group(tenant_a, ws, member, spam):
    group = CommunityFactory(workspace=ws, ladder=ladder_with(ws, [("ban",)]))
    MembershipFactory(community=group, member=member)
    elsewhere = CommunityFactory(workspace=ws)
    MembershipFactory(community=elsewhere, member=member)
    endpoint = WebhookEndpoint.objects.create(
        workspace=ws, name="bot", url="http://127.0.0.1:9/hook", secret="s", event_types=["penalty.applied"]
    )

    ban = log(group, member, spam, tenant_a.moderator, note="冒充客服骗钱")

    assert not Membership.objects.filter(member=member, is_active=True).exists()
    assert set(Membership.objects.filter(member=member).values_list("leave_reason", flat=True)) == {"banned"}
    for target in (group, elsewhere, CommunityFactory(workspace=ws)):
        with pytest.raises(services.JoinRefused) as refused:
            services.membership_join(community=target, member=member)
        assert "banned" in [u.code for u in refused.value.unmet]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    data = delivery.payload["data"]
    assert delivery.event_type == "penalty.applied"
    assert (data["action"], data["violation_id"], data["member"]["external_id"]) == (
        "ban",
        ban.pk,
        member.external_id,
    )
    assert (
        {g["id"] for g in data["groups_left"]}
        == set(Membership.objects.filter(member=member).values_list("community_id", flat=True))
        >= {group.pk, elsewhere.pk}
    )
    assert data["note"] == "冒充客服骗钱" and data["logged_by"] == tenant_a.moderator.username

    moderation.violation_revoke(violation=ban, by=tenant_a.operator, reason="误封")
    assert services.membership_join(community=elsewhere, member=member).is_active


def test_every_step_goes_out_as_a_penalty_applied_webhook(tenant_a, ws, group, member, spam):
    WebhookEndpoint.objects.create(workspace=ws, name="bot", url="http://127.0.0.1:9/", secret="s")

    for _ in range(3):
        log(group, member, spam, tenant_a.moderator)

    applied = WebhookDelivery.objects.filter(event_type="penalty.applied").order_by("pk")
    assert [d.payload["data"]["action"] for d in applied] == ["warn", "mute", "kick"]
    assert applied[1].payload["data"]["muted_until"] is not None
    assert WebhookDelivery.objects.filter(event_type="member.left").count() == 1


def test_revoke_lifts_an_active_mute_stops_counting_and_is_audited(tenant_a, ws, group, member, spam):
    WebhookEndpoint.objects.create(workspace=ws, name="bot", url="http://127.0.0.1:9/", secret="s")
    log(group, member, spam, tenant_a.moderator)
    mute = log(group, member, spam, tenant_a.moderator)

    moderation.violation_revoke(violation=mute, by=tenant_a.operator, reason="看错人了")

    mute.refresh_from_db()
    assert mute.revoked_at is not None and mute.revoked_by == tenant_a.operator
    assert Penalty.objects.get(violation=mute).state == "lifted"
    assert active_membership(group, member).muted_until is None
    assert ladders.ladder_next_step(member=member, community=group).number == 2
    lifted = WebhookDelivery.objects.get(event_type="penalty.lifted").payload["data"]
    assert (lifted["reason"], lifted["action"], lifted["muted_until"]) == ("revoked", "mute", None)
    assert WebhookDelivery.objects.filter(event_type="violation.revoked").count() == 1
    record = AuditRecord.objects.get(verb="violation.revoked")
    assert (record.actor, record.before, record.after["reason"]) == (
        tenant_a.operator,
        {"revoked": False},
        "看错人了",
    )
    with pytest.raises(ValidationError) as twice:
        moderation.violation_revoke(violation=mute, by=tenant_a.operator, reason="again")
    assert "violation" in twice.value.message_dict


def test_revoke_needs_a_reason(tenant_a, group, member, spam):
    violation = log(group, member, spam, tenant_a.moderator)

    with pytest.raises(ValidationError) as error:
        moderation.violation_revoke(violation=violation, by=tenant_a.operator, reason="  ")

    assert "reason" in error.value.message_dict
    assert Violation.objects.get(pk=violation.pk).revoked_at is None


def test_an_accepted_appeal_revokes_the_violation(tenant_a, group, member, spam):
    log(group, member, spam, tenant_a.moderator)
    mute = log(group, member, spam, tenant_a.moderator)

    appeal = moderation.appeal_file(violation=mute, statement="我只是转发了活动链接", by=tenant_a.moderator)
    with pytest.raises(ValidationError):
        moderation.appeal_file(violation=mute, statement="again", by=tenant_a.moderator)
    moderation.appeal_decide(appeal=appeal, accept=True, reason="活动链接是官方的", by=tenant_a.operator)

    appeal.refresh_from_db()
    mute.refresh_from_db()
    assert (appeal.state, appeal.decided_by, appeal.decision_reason) == (
        "accepted",
        tenant_a.operator,
        "活动链接是官方的",
    )
    assert mute.revoke_reason == "活动链接是官方的"
    assert active_membership(group, member).muted_until is None
    verbs = list(
        AuditRecord.objects.filter(target_type="groups.appeal").order_by("pk").values_list("verb", flat=True)
    )
    assert verbs == ["appeal.filed", "appeal.accepted"]
    with pytest.raises(ValidationError) as decided:
        moderation.appeal_decide(appeal=appeal, accept=False, reason="x", by=tenant_a.operator)
    assert "appeal" in decided.value.message_dict


def test_a_rejected_appeal_keeps_the_violation_and_cannot_be_filed_again(tenant_a, group, member, spam):
    warn = log(group, member, spam, tenant_a.moderator)
    appeal = moderation.appeal_file(violation=warn, statement="冤枉", by=tenant_a.moderator)

    moderation.appeal_decide(appeal=appeal, accept=False, reason="聊天记录证据充分", by=tenant_a.owner)

    warn.refresh_from_db()
    assert warn.revoked_at is None
    assert Appeal.objects.get(pk=appeal.pk).state == "rejected"
    assert AuditRecord.objects.filter(verb="appeal.rejected", actor=tenant_a.owner).exists()
    with pytest.raises(ValidationError):
        moderation.appeal_file(violation=warn, statement="再申诉", by=tenant_a.moderator)


def test_revoking_closes_a_pending_appeal(tenant_a, group, member, spam):
    warn = log(group, member, spam, tenant_a.moderator)
    appeal = moderation.appeal_file(violation=warn, statement="冤枉", by=tenant_a.moderator)

    moderation.violation_revoke(violation=warn, by=tenant_a.operator, reason="撤销")

    assert Appeal.objects.get(pk=appeal.pk).state == "closed"


def test_logging_is_refused_naming_the_field_when_the_rule_does_not_apply(tenant_a, ws, group, member):
    flash_only = RuleFactory(workspace=ws, community_kind="flash")
    retired = RuleFactory(workspace=ws, is_active=False)
    other_group_rule = RuleFactory(workspace=ws, community=CommunityFactory(workspace=ws))

    for rule in (flash_only, retired, other_group_rule):
        with pytest.raises(ValidationError) as error:
            log(group, member, rule, tenant_a.moderator)
        assert "rule" in error.value.message_dict
    assert not Violation.objects.exists()


def test_every_change_is_in_the_append_only_audit_trail(tenant_a, group, member, spam):
    violation = log(group, member, spam, tenant_a.moderator, note="连发 20 条广告")

    records = AuditRecord.objects.filter(workspace=group.workspace).order_by("pk")
    assert [r.verb for r in records] == ["violation.logged", "penalty.applied"]
    logged = records[0]
    assert (logged.actor, logged.actor_name, logged.target_type, logged.target_id) == (
        tenant_a.moderator,
        tenant_a.moderator.username,
        "groups.violation",
        str(violation.pk),
    )
    assert logged.after["action"] == "warn" and logged.after["note"] == "连发 20 条广告"
    with pytest.raises(AppendOnlyError):
        logged.save()
    with pytest.raises(AppendOnlyError):
        logged.delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=logged.pk).update(verb="x")
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.all().delete()


def test_ladder_and_rule_edits_are_audited_with_before_and_after(tenant_a, ws):
    ladder = ladders.ladder_default(ws)
    conduct.ladder_save(
        ladder=ladder,
        by=tenant_a.operator,
        window_days=7,
        steps=[{"action": "warn"}, {"action": "mute", "mute_minutes": 60}, {"action": "ban"}],
    )
    rule = conduct.rule_save(rule=RuleFactory.build(workspace=ws), by=tenant_a.operator)
    conduct.rule_save(rule=rule, by=tenant_a.operator, severity=Severity.GRAVE)

    record = AuditRecord.objects.get(verb="ladder.changed")
    assert record.before["window_days"] == 30 and record.after["window_days"] == 7
    assert [s["action"] for s in record.after["steps"]] == ["warn", "mute", "ban"]
    change = AuditRecord.objects.get(verb="rule.changed")
    assert (change.before["severity"], change.after["severity"]) == (0, 2)
    assert AuditRecord.objects.filter(verb="rule.created").count() == 1


def test_a_new_default_ladder_takes_over_and_the_last_default_cannot_be_unset(tenant_a, ws):
    old = ladders.ladder_default(ws)
    new = conduct.ladder_save(ladder=Ladder(workspace=ws, name="新默认"), by=tenant_a.owner, is_default=True)

    assert list(Ladder.objects.filter(workspace=ws, is_default=True)) == [new]
    old.refresh_from_db()
    assert not old.is_default
    with pytest.raises(ValidationError):
        conduct.ladder_save(ladder=new, by=tenant_a.owner, is_default=False)
    with pytest.raises(ValidationError):
        conduct.ladder_delete(ladder=new, by=tenant_a.owner)


def test_a_mute_step_needs_a_duration(tenant_a, ws):
    with pytest.raises(ValidationError) as error:
        conduct.ladder_save(
            ladder=Ladder(workspace=ws, name="x"), by=tenant_a.owner, steps=[{"action": "mute"}]
        )
    assert "steps.0.mute_minutes" in error.value.message_dict


def test_the_rules_placeholder_renders_the_code_of_conduct_with_a_fallback(ws, group):
    group.welcome_template = "欢迎 {nickname}！群规：\n{rules}"
    group.rules_text = "旧群规"
    group.save()
    member = MemberFactory(workspace=ws, display_name="阿强")

    assert welcome_render(community=group, member=member).endswith("旧群规")

    RuleFactory(workspace=ws, title="禁止广告", description="不发外链和二维码", position=1)
    RuleFactory(workspace=ws, title="友善交流", description="", position=2)
    RuleFactory(workspace=ws, title="快闪群专属", community_kind="flash")
    RuleFactory(workspace=ws, title="已停用", is_active=False)

    text = welcome_render(community=Community.objects.get(pk=group.pk), member=member)
    assert "禁止广告" in text and "不发外链和二维码" in text and "友善交流" in text
    assert "快闪群专属" not in text and "已停用" not in text and "旧群规" not in text
    assert text.index("禁止广告") < text.index("友善交流")


def test_the_lifecycle_transition_is_audited(tenant_a, ws):
    group = CommunityFactory(workspace=ws, state="planning")

    services.community_transition(community=group, to_state="recruiting", by=tenant_a.operator)

    record = AuditRecord.objects.get(verb="community.state_changed")
    assert (record.before, record.after["state"], record.actor) == (
        {"state": "planning"},
        "recruiting",
        tenant_a.operator,
    )
