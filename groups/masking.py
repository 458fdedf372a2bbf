"""Contact details (phone, WeChat id) are masked for analysts: in the API, in the admin's lists,
change forms and searches, decided per row by the user's role in that row's workspace."""

from suo.models import Role, Workspace
from suo.tenancy import role_in, workspace_ids

# Member fields that analysts see masked and may not search or filter by.
MASKED_FIELDS = ("phone", "wechat_id")
MASKED_ROLES = frozenset({Role.ANALYST})


def mask(value: str) -> str:
    """`13812345678` → `138******78`; short values are all stars."""
    if not value:
        return value
    if len(value) <= 4:
        return "*" * len(value)
    keep = 3 if len(value) >= 11 else 2
    return value[:keep] + "*" * (len(value) - keep - 2) + value[-2:]


def contacts_masked(user, workspace: Workspace | int) -> bool:
    """Whether `user` sees the contact details of `workspace`'s members masked."""
    if user.is_superuser:
        return False
    return role_in(user, workspace) in MASKED_ROLES


def masked_workspace_ids(user) -> list[int]:
    """The workspaces whose members' contact details `user` sees masked."""
    if user.is_superuser:
        return []
    return workspace_ids(user, MASKED_ROLES)


def touches_masked_field(lookup: str) -> bool:
    """Whether a query path (`phone__startswith`, `member__wechat_id`, `^phone`) reads a masked field."""
    return any(part.lstrip("^=@") in MASKED_FIELDS for part in lookup.split("__"))
