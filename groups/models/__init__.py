"""Community groups, the people in them, who does what, and the rules for joining."""

from groups.models.community import (
    Community,
    CommunityDefaults,
    CommunityKind,
    CommunityState,
    CommunityStateChange,
    Platform,
    Tag,
    ThresholdMode,
)
from groups.models.events import ActivityEvent, InboundEvent, MessageDailyCount
from groups.models.members import (
    GroupRole,
    JoinSource,
    LeaveReason,
    Member,
    Membership,
    RoleAssignment,
    ScriptPosition,
)
from groups.models.thresholds import Entitlement, InviteCode, ReferralScope, Threshold, ThresholdKind

__all__ = [
    "ActivityEvent",
    "Community",
    "CommunityDefaults",
    "CommunityKind",
    "CommunityState",
    "CommunityStateChange",
    "Entitlement",
    "GroupRole",
    "InboundEvent",
    "InviteCode",
    "JoinSource",
    "LeaveReason",
    "Member",
    "Membership",
    "MessageDailyCount",
    "Platform",
    "ReferralScope",
    "RoleAssignment",
    "ScriptPosition",
    "Tag",
    "Threshold",
    "ThresholdKind",
    "ThresholdMode",
]
