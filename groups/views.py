"""HTML pages of the groups app: the violation desk (/desk/) for community managers."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from groups.models import Community, CommunityState, PenaltyAction, Rule, RuleCategory, Severity, Violation
from groups.models.community import CommunityKind
from suo.models import Workspace
from suo.selectors import workspace_chosen
from suo.tenancy import MODERATE_ROLES, role_in, scoped, workspace_ids


def _desk_workspace(request) -> tuple[Workspace | None, list[Workspace]]:
    """The workspace the desk works in, or None and the choices when the user moderates several."""
    slug = request.GET.get("workspace")
    workspace, choices = workspace_chosen(user=request.user, slug=slug, roles=MODERATE_ROLES)
    if workspace is None:
        if not choices:
            raise PermissionDenied(_("Your role does not allow logging violations."))
    elif slug and role_in(request.user, workspace) not in MODERATE_ROLES:
        raise PermissionDenied(_("Your role in this workspace does not allow logging violations."))
    return workspace, choices


@login_required(login_url="admin:login")
def desk(request):
    """Find a member, pick group and rule, see what will happen, submit; then the next one."""
    workspace, choices = _desk_workspace(request)
    if workspace is None:
        return render(request, "groups/desk_choose.html", {"workspaces": choices})
    groups = list(
        Community.objects.filter(workspace=workspace)
        .exclude(state=CommunityState.ARCHIVED)
        .order_by("name", "pk")
        .values("id", "name", "kind", "platform")
    )
    rules = [
        {
            "id": rule.pk,
            "title": rule.title,
            "category": rule.category,
            "category_label": str(RuleCategory(rule.category).label),
            "severity": rule.severity,
            "severity_label": str(Severity(rule.severity).label) if rule.severity in Severity.values else "",
            "kind": rule.community_kind,
            "group": rule.community_id,
        }
        for rule in Rule.objects.filter(workspace=workspace, is_active=True).order_by("position", "pk")
    ]
    config = {
        "workspace": workspace.slug,
        "urls": {
            "search": reverse("api:desk-members"),
            "preview": reverse("api:desk-preview"),
            "log": reverse("api:violation-list"),
        },
        "groups": groups,
        "rules": rules,
        "actions": {value: str(label) for value, label in PenaltyAction.choices},
        "kinds": {value: str(label) for value, label in CommunityKind.choices},
        "text": {
            "searching": _("Searching…"),
            "no_match": _("No member matches."),
            "violations": _("%(n)s violations"),
            "in_groups": _("In groups"),
            "other_groups": _("Other groups"),
            "not_in_groups": _("Not in any group now"),
            "choose_group": _("Choose the group"),
            "choose_rule": _("Choose the rule"),
            "rule_not_here": _("This rule does not apply to the chosen group."),
            "will_apply": _("Will apply"),
            "step_of": _("step %(step)s of %(total)s"),
            "counted": _("%(n)s violations count (window %(days)s days, %(scope)s)"),
            "scope_group": _("this group"),
            "scope_workspace": _("all groups"),
            "last_step": _("last step of the ladder"),
            "severity": _("severity skips %(n)s steps"),
            "banned": _("Banned"),
            "muted_until": _("Muted until %(until)s"),
            "kicked": _("Kicked from this group"),
            "history": _("History"),
            "no_history": _("No violations yet."),
            "revoked": _("revoked"),
            "submit": _("Log violation"),
            "submitting": _("Logging…"),
            "logged": _("Logged #%(id)s: %(label)s for %(name)s. Ready for the next one."),
            "failed": _("Not logged: %(detail)s"),
            "network": _("The network failed; try again (it will not be logged twice)."),
        },
    }
    return render(
        request,
        "groups/desk.html",
        {"workspace": workspace, "choices": choices, "config": config},
    )


@login_required(login_url="admin:login")
def desk_screenshot(request, pk: int):
    """A violation's screenshot, only for people who moderate its workspace."""
    violation = (
        scoped(Violation.objects.all(), workspace_ids(request.user, MODERATE_ROLES)).filter(pk=pk).first()
    )
    if violation is None or not violation.screenshot:
        raise Http404
    response = FileResponse(violation.screenshot.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
