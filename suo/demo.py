"""Demo data of the tenancy layer: a believable workspace with one login per workspace role."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from suo.models import Role, Workspace
from suo.services import api_token_for, workspace_member_set

DEMO_PASSWORD = "suo-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    workspace: str
    first_name: str


DEMO_WORKSPACE = {"slug": "demo", "name": "星河私域运营", "timezone": "Asia/Shanghai"}
# A second workspace, so that what one tenant sees next to another can be tried by hand.
OTHER_WORKSPACE = {"slug": "chenguang", "name": "晨光读书会", "timezone": "Asia/Shanghai"}

DEMO_LOGINS = [
    DemoLogin("demo_owner", Role.OWNER, "demo", "林晓"),
    DemoLogin("demo_operator", Role.OPERATOR, "demo", "王芳"),
    DemoLogin("demo_moderator", Role.MODERATOR, "demo", "陈磊"),
    DemoLogin("demo_analyst", Role.ANALYST, "demo", "赵敏"),
    DemoLogin("chenguang_owner", Role.OWNER, "chenguang", "周杰"),
]


def role_holders(workspace: Workspace, roles: tuple[str, ...]) -> dict:
    """The (first) user of each of `roles` in `workspace`, None for a role nobody holds there."""
    User = get_user_model()
    return {
        role: User.objects.filter(
            workspace_memberships__workspace=workspace, workspace_memberships__role=role
        ).first()
        for role in roles
    }


def seed() -> dict:
    """Create or refresh the demo workspaces and users; running it twice changes nothing."""
    workspaces = {}
    for spec in (DEMO_WORKSPACE, OTHER_WORKSPACE):
        workspace, _ = Workspace.objects.update_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "timezone": spec["timezone"]}
        )
        workspaces[spec["slug"]] = workspace
    User = get_user_model()
    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=login.username, defaults={"first_name": login.first_name}
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save()
        workspace_member_set(workspace=workspaces[login.workspace], user=user, role=login.role)
        api_token_for(user=user)
    return workspaces
