import factory
from django.utils import timezone

from groups.models import (
    Community,
    Entitlement,
    InviteCode,
    Ladder,
    LadderStep,
    Member,
    Membership,
    RoleAssignment,
    Rule,
    Threshold,
)
from tests.suo.factories import WorkspaceRowFactory, same_workspace


class CommunityFactory(WorkspaceRowFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"测试群{n}")
    kind = "lead_gen"
    platform = "wechat"
    external_id = factory.Sequence(lambda n: f"room-{n}")
    state = "active"


class MemberFactory(WorkspaceRowFactory):
    class Meta:
        model = Member

    display_name = factory.Sequence(lambda n: f"成员{n}")
    platform = "wechat"
    external_id = factory.Sequence(lambda n: f"wxid-{n}")
    first_seen_at = factory.LazyFunction(timezone.now)


class InGroupFactory(factory.django.DjangoModelFactory):
    """A row of a group, in the group's workspace."""

    class Meta:
        abstract = True

    community = factory.SubFactory(CommunityFactory)
    workspace = factory.SelfAttribute("community.workspace")


class MembershipFactory(InGroupFactory):
    class Meta:
        model = Membership

    member = factory.SubFactory(MemberFactory, workspace=same_workspace())
    joined_at = factory.LazyFunction(timezone.now)
    source = "link"


class RoleAssignmentFactory(InGroupFactory):
    class Meta:
        model = RoleAssignment

    role = "lead"
    started_at = factory.LazyFunction(timezone.now)


class ThresholdFactory(InGroupFactory):
    class Meta:
        model = Threshold

    kind = "open"


class InviteCodeFactory(InGroupFactory):
    class Meta:
        model = InviteCode

    code = factory.Sequence(lambda n: f"CODE{n}")


class EntitlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entitlement

    member = factory.SubFactory(MemberFactory)
    workspace = factory.SelfAttribute("member.workspace")
    product = "vip"
    granted_at = factory.LazyFunction(timezone.now)


class RuleFactory(WorkspaceRowFactory):
    class Meta:
        model = Rule

    title = factory.Sequence(lambda n: f"群规{n}")
    description = "不要发广告"
    category = "ads"
    severity = 0


def ladder_with(workspace, steps, *, window_days=30, scope="group", is_default=False, name="阶梯"):
    """A ladder with steps given as ("warn",), ("mute", minutes), ("kick",), ("ban",)."""
    ladder = Ladder.objects.create(
        workspace=workspace, name=name, window_days=window_days, scope=scope, is_default=is_default
    )
    LadderStep.objects.bulk_create(
        [
            LadderStep(
                workspace=workspace,
                ladder=ladder,
                position=index,
                action=step[0],
                mute_minutes=step[1] if step[0] == "mute" else None,
            )
            for index, step in enumerate(steps, start=1)
        ]
    )
    return ladder
