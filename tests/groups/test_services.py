"""Groups services: lifecycle, thresholds, capacity, roles, welcome templates."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from groups import selectors, services
from groups.models import (
    ActivityEvent,
    Community,
    CommunityDefaults,
    CommunityStateChange,
    Entitlement,
    InviteCode,
    Membership,
)
from groups.models.templates import render_template, validate_template
from tests.groups.factories import (
    CommunityFactory,
    EntitlementFactory,
    InviteCodeFactory,
    MemberFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    ThresholdFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(tenant_a):
    return MemberFactory(workspace=tenant_a.workspace)


def refused_codes(excinfo) -> list[str]:
    return [item.code for item in excinfo.value.unmet]


# --- lifecycle ------------------------------------------------------------------------------


def test_allowed_transitions_are_recorded_with_who_and_when(tenant_a):
    group = CommunityFactory(workspace=tenant_a.workspace, state="planning")

    for state in ("recruiting", "active", "cooling", "active"):
        group = services.community_transition(community=group, to_state=state, by=tenant_a.operator)

    changes = list(CommunityStateChange.objects.filter(community=group).order_by("at", "pk"))
    assert [(c.from_state, c.to_state) for c in changes] == [
        ("planning", "recruiting"),
        ("recruiting", "active"),
        ("active", "cooling"),
        ("cooling", "active"),
    ]
    assert all(c.by == tenant_a.operator for c in changes)
    assert group.state == "active"


@pytest.mark.parametrize(
    ("start", "target"), [("planning", "active"), ("active", "recruiting"), ("archived", "active")]
)
def test_transition_is_refused_when_not_allowed(tenant_a, start, target):
    group = CommunityFactory(workspace=tenant_a.workspace, state=start)

    with pytest.raises(ValidationError) as excinfo:
        services.community_transition(community=group, to_state=target, by=tenant_a.operator)

    assert "state" in excinfo.value.message_dict
    group.refresh_from_db()
    assert group.state == start
    assert not CommunityStateChange.objects.filter(community=group).exists()


def test_archiving_ends_active_memberships(group):
    stay = MembershipFactory(community=group)

    services.community_transition(community=group, to_state="archived")

    stay.refresh_from_db()
    assert not stay.is_active
    assert stay.leave_reason == "archived"


# --- thresholds -----------------------------------------------------------------------------


def test_open_group_without_thresholds_lets_anyone_join(group, member):
    membership = services.membership_join(community=group, member=member, source="link")

    assert membership.is_active and membership.source == "link"


def test_invite_code_threshold_needs_a_valid_code_and_counts_its_use(group, member):
    ThresholdFactory(community=group, kind="invite_code")
    code = InviteCodeFactory(community=group, code="HELLO", max_uses=2)

    with pytest.raises(services.JoinRefused) as excinfo:
        services.membership_join(community=group, member=member, invite_code="WRONG")
    assert refused_codes(excinfo) == ["invite_code"]

    membership = services.membership_join(community=group, member=member, invite_code="HELLO")
    code.refresh_from_db()
    assert code.uses == 1
    assert membership.invite_code == code


@pytest.mark.parametrize(
    ("changes", "word"),
    [
        ({"max_uses": 1, "uses": 1}, "used up"),
        ({"is_active": False}, "switched off"),
        ({"expires_at": -1}, "expired"),
    ],
)
def test_invite_code_is_refused_when_used_up_off_or_expired(group, member, changes, word):
    ThresholdFactory(community=group, kind="invite_code")
    if changes.get("expires_at") == -1:
        changes["expires_at"] = timezone.now() - timedelta(minutes=1)
    InviteCodeFactory(community=group, code="X1", **changes)

    with translation.override("en"), pytest.raises(services.JoinRefused) as excinfo:
        services.membership_join(community=group, member=member, invite_code="X1")

    assert excinfo.value.unmet[0].code == "invite_code"
    with translation.override("en"):
        assert word in str(excinfo.value.unmet[0].message)


def test_referral_in_group_scope_needs_an_inviter_active_in_this_group(tenant_a, group, member):
    ThresholdFactory(community=group, kind="referral", referral_scope="group")
    inviter = MemberFactory(workspace=tenant_a.workspace)
    other_group = CommunityFactory(workspace=tenant_a.workspace)
    MembershipFactory(community=other_group, member=inviter)

    with pytest.raises(services.JoinRefused) as excinfo:
        services.membership_join(community=group, member=member, inviter=inviter)
    assert refused_codes(excinfo) == ["referral"]

    MembershipFactory(community=group, member=inviter)
    membership = services.membership_join(community=group, member=member, inviter=inviter, source="referral")
    assert membership.inviter == inviter


def test_referral_in_workspace_scope_accepts_an_inviter_of_any_group(tenant_a, group, member):
    ThresholdFactory(community=group, kind="referral", referral_scope="workspace")
    inviter = MemberFactory(workspace=tenant_a.workspace)
    MembershipFactory(community=CommunityFactory(workspace=tenant_a.workspace), member=inviter)

    assert services.membership_join(community=group, member=member, inviter=inviter).is_active


def test_referral_is_refused_without_inviter_or_when_self_referred(group, member):
    ThresholdFactory(community=group, kind="referral")
    MembershipFactory(
        community=group, member=member, is_active=False, left_at=timezone.now(), leave_reason="left"
    )

    for inviter in (None, member):
        with pytest.raises(services.JoinRefused):
            services.membership_join(community=group, member=member, inviter=inviter)


def test_activity_threshold_counts_events_of_the_campaign(tenant_a, group, member):
    ThresholdFactory(community=group, kind="activity", min_activity=2, campaign="d11")
    ActivityEvent.objects.create(
        workspace=tenant_a.workspace, member=member, campaign="d11", at=timezone.now()
    )
    ActivityEvent.objects.create(
        workspace=tenant_a.workspace, member=member, campaign="other", at=timezone.now()
    )

    with pytest.raises(services.JoinRefused) as excinfo:
        services.membership_join(community=group, member=member)
    assert refused_codes(excinfo) == ["activity"]
    assert "1" in excinfo.value.unmet[0].message

    ActivityEvent.objects.create(
        workspace=tenant_a.workspace, member=member, campaign="d11", at=timezone.now()
    )
    assert services.membership_join(community=group, member=member).is_active


def test_paid_threshold_needs_a_current_entitlement_of_the_product(group, member):
    ThresholdFactory(community=group, kind="paid", product="vip")
    EntitlementFactory(member=member, product="other")
    EntitlementFactory(member=member, product="vip", revoked_at=timezone.now())
    EntitlementFactory(
        member=member,
        product="vip",
        expires_at=timezone.now() - timedelta(days=1),
        granted_at=timezone.now() - timedelta(days=30),
    )

    with pytest.raises(services.JoinRefused) as excinfo:
        services.membership_join(community=group, member=member)
    assert refused_codes(excinfo) == ["paid"]

    EntitlementFactory(member=member, product="vip")
    assert services.membership_join(community=group, member=member).is_active


def test_all_mode_lists_every_unmet_threshold_and_uses_no_code(group, member):
    ThresholdFactory(community=group, kind="invite_code")
    ThresholdFactory(community=group, kind="paid")
    code = InviteCodeFactory(community=group, code="OK", max_uses=5)

    with pytest.raises(services.JoinRefused) as excinfo:
        services.membership_join(community=group, member=member, invite_code="OK")

    assert refused_codes(excinfo) == ["paid"]
    code.refresh_from_db()
    assert code.uses == 0  # a refused join does not burn a use


def test_all_mode_joins_when_every_threshold_is_met(group, member):
    ThresholdFactory(community=group, kind="invite_code")
    ThresholdFactory(community=group, kind="paid")
    InviteCodeFactory(community=group, code="OK")
    EntitlementFactory(member=member)

    assert services.membership_join(community=group, member=member, invite_code="OK").invite_code.code == "OK"


def test_any_mode_joins_on_one_met_threshold_without_using_the_code(group, member):
    group.threshold_mode = "any"
    group.save()
    ThresholdFactory(community=group, kind="invite_code")
    ThresholdFactory(community=group, kind="paid")
    code = InviteCodeFactory(community=group, code="OK")
    EntitlementFactory(member=member)

    membership = services.membership_join(community=group, member=member, invite_code="OK")

    code.refresh_from_db()
    assert membership.is_active and code.uses == 0


def test_any_mode_refuses_listing_all_when_none_is_met(group, member):
    group.threshold_mode = "any"
    group.save()
    ThresholdFactory(community=group, kind="invite_code")
    ThresholdFactory(community=group, kind="paid")

    with pytest.raises(services.JoinRefused) as excinfo:
        services.membership_join(community=group, member=member)

    assert sorted(refused_codes(excinfo)) == ["invite_code", "paid"]


def test_full_group_refuses(tenant_a, member):
    group = CommunityFactory(workspace=tenant_a.workspace, member_limit=1)
    MembershipFactory(community=group)

    with pytest.raises(services.JoinRefused) as excinfo:
        services.membership_join(community=group, member=member)

    assert "full" in refused_codes(excinfo)


def test_group_not_recruiting_refuses(tenant_a, member):
    group = CommunityFactory(workspace=tenant_a.workspace, state="planning")

    with pytest.raises(services.JoinRefused) as excinfo:
        services.membership_join(community=group, member=member)

    assert refused_codes(excinfo) == ["closed"]


def test_rejoining_makes_a_new_row_and_history_is_kept(group, member):
    first = services.membership_join(community=group, member=member)
    services.membership_leave(community=group, member=member, reason="left")
    second = services.membership_join(community=group, member=member)

    assert first.pk != second.pk
    assert Membership.objects.filter(community=group, member=member).count() == 2
    assert Membership.objects.filter(community=group, member=member, is_active=True).get() == second


def test_joining_twice_is_refused_and_the_database_enforces_it(group, member):
    services.membership_join(community=group, member=member)

    with pytest.raises(ValidationError):
        services.membership_join(community=group, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            workspace=group.workspace, community=group, member=member, joined_at=timezone.now(), source="link"
        )


def test_leaving_when_not_a_member_is_refused(group, member):
    with pytest.raises(ValidationError) as excinfo:
        services.membership_leave(community=group, member=member)

    assert "member" in excinfo.value.message_dict


def test_member_of_another_workspace_cannot_join(group, tenant_b):
    stranger = MemberFactory(workspace=tenant_b.workspace)

    with pytest.raises(ValidationError):
        services.membership_join(community=group, member=stranger)


# --- roles ----------------------------------------------------------------------------------


def test_a_new_lead_replaces_the_current_one(group, tenant_a):
    first = services.role_assign(community=group, role="lead", user=tenant_a.operator)
    second = services.role_assign(
        community=group, role="lead", member=MemberFactory(workspace=tenant_a.workspace)
    )

    first.refresh_from_db()
    assert not first.is_active and first.ended_at
    assert selectors.community_lead(group) == second


def test_database_refuses_two_active_leads(group, tenant_a):
    services.role_assign(community=group, role="lead", user=tenant_a.operator)

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignmentFactory(
            community=group,
            user=tenant_a.owner,
        )


def test_script_position_only_on_kol_and_atmosphere(group, member):
    assert (
        services.role_assign(community=group, role="kol", member=member, script_position="A").script_position
        == "A"
    )

    with pytest.raises(ValidationError) as excinfo:
        services.role_assign(community=group, role="operator", member=member, script_position="B")
    assert "script_position" in excinfo.value.message_dict


def test_role_needs_a_holder_of_this_workspace(group, tenant_b):
    with pytest.raises(ValidationError) as excinfo:
        services.role_assign(community=group, role="kol")
    assert "member" in excinfo.value.message_dict

    with pytest.raises(ValidationError) as excinfo:
        services.role_assign(community=group, role="kol", user=tenant_b.operator)
    assert "user" in excinfo.value.message_dict


# --- welcome and announcement templates -----------------------------------------------------


def test_welcome_renders_placeholders_with_workspace_default_rules(tenant_a, group, member):
    CommunityDefaults.objects.create(
        workspace=tenant_a.workspace, rules_text="不发广告", welcome_template="默认欢迎 {nickname}"
    )
    group.welcome_template = "欢迎 {nickname} 加入{group}，感谢 {inviter} 邀请。群规：{rules} {{不是占位符}}"
    inviter = MemberFactory(workspace=tenant_a.workspace, display_name="阿强")

    text = selectors.welcome_render(
        community=group,
        member=member,
        inviter=inviter,
        defaults=selectors.community_defaults(tenant_a.workspace),
    )

    assert (
        text == f"欢迎 {member.display_name} 加入{group.name}，感谢 阿强 邀请。群规：不发广告 {{不是占位符}}"
    )


def test_empty_group_template_uses_the_workspace_default(tenant_a, group, member):
    defaults = CommunityDefaults.objects.create(
        workspace=tenant_a.workspace, welcome_template="Hi {nickname}"
    )

    assert (
        selectors.welcome_render(community=group, member=member, defaults=defaults)
        == f"Hi {member.display_name}"
    )


@pytest.mark.parametrize(
    "template",
    [
        "Hi {name}",
        "Hi {nickname.__class__}",
        "Hi {nickname!r}",
        "Hi {nickname:>9}",
        "Hi {nickname",
        "Hi }",
        "{0}",
    ],
)
def test_bad_placeholders_are_refused_when_saved(tenant_a, template):
    with pytest.raises(ValidationError) as excinfo:
        services.community_create(
            workspace=tenant_a.workspace, name="g", kind="flash", welcome_template=template
        )

    assert "welcome_template" in excinfo.value.message_dict


def test_valid_template_passes_and_renders_missing_values_empty():
    validate_template("{nickname}{group}{inviter}{rules}")

    assert render_template("{nickname}/{inviter}", nickname="小明") == "小明/"


# --- rules that used to live in views and serializers ----------------------------------------


def test_a_group_with_member_history_is_not_deleted_by_the_service(group, member):
    MembershipFactory(community=group, member=member)
    empty = CommunityFactory(workspace=group.workspace)

    with pytest.raises(ValidationError) as refused:
        services.community_delete(community=group)
    services.community_delete(community=empty)

    assert "state" in refused.value.message_dict
    assert Community.objects.filter(pk=group.pk).exists()
    assert not Community.objects.filter(pk=empty.pk).exists()


def test_an_invite_code_keeps_its_code_and_group_and_never_drops_below_its_uses(group):
    invite = InviteCodeFactory(community=group, code="KEEP", max_uses=5)
    InviteCode.objects.filter(pk=invite.pk).update(uses=3)
    other_group = CommunityFactory(workspace=group.workspace)

    for change in ({"code": "NEW"}, {"community": other_group}, {"max_uses": 2}):
        with pytest.raises(ValidationError) as refused:
            services.invite_code_update(invite=invite, **change)
        assert set(refused.value.message_dict) == set(change)
    changed = services.invite_code_update(invite=invite, max_uses=3, note="够了")

    invite.refresh_from_db()
    assert (invite.code, invite.community_id, invite.max_uses, invite.note) == ("KEEP", group.pk, 3, "够了")
    assert changed.uses == 3


def test_an_entitlement_that_expires_before_it_is_granted_is_refused_by_the_service(member):
    now = timezone.now()

    with pytest.raises(ValidationError) as refused:
        services.entitlement_grant(member=member, product="vip", granted_at=now, expires_at=now)

    assert "expires_at" in refused.value.message_dict
    assert not Entitlement.objects.exists()
