"""Writes of the groups app: one transaction each, keyword-only, returning what changed.

One module per concern; this package lists them all, so callers write `services.membership_join`.
The modules import each other directly, never through this package.
"""

from groups.services.communities import (
    community_create,
    community_delete,
    community_delete_refusal,
    community_transition,
    community_update,
    role_assign,
    role_end,
    tag_names_clean,
    tags_for_names,
)
from groups.services.joining import (
    JoinRefused,
    Unmet,
    invite_code_create,
    invite_code_delete,
    invite_code_generate,
    invite_code_update,
    membership_join,
    membership_leave,
)
from groups.services.members import (
    entitlement_grant,
    entitlement_revoke,
    member_create,
    member_delete,
    member_update,
)

__all__ = [
    "JoinRefused",
    "Unmet",
    "community_create",
    "community_delete",
    "community_delete_refusal",
    "community_transition",
    "community_update",
    "entitlement_grant",
    "entitlement_revoke",
    "invite_code_create",
    "invite_code_delete",
    "invite_code_generate",
    "invite_code_update",
    "member_create",
    "member_delete",
    "member_update",
    "membership_join",
    "membership_leave",
    "role_assign",
    "role_end",
    "tag_names_clean",
    "tags_for_names",
]
