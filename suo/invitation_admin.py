"""Workspace invitations in the admin: owners invite by username and cancel; invitees accept or decline.

Registered by suo/admin.py. The same services as /api/workspace-members/ and /api/invitations/.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms.models import construct_instance
from django.http import Http404, HttpResponseRedirect
from django.urls import re_path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from suo.admin_scoping import AddThenShowMixin, WorkspaceScopedAdmin
from suo.models import InvitationState, WorkspaceInvitation
from suo.services import (
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_decline,
    invitation_validate,
)
from suo.tenancy import OWNER_ROLES, workspace_ids


class InvitationForm(forms.ModelForm):
    class Meta:
        model = WorkspaceInvitation
        fields = ["workspace", "username", "role"]
        help_texts = {
            "username": _(
                "They see the invitation once they log in with this username, and join only if they "
                "accept it. Nobody is told whether an account of this name exists yet."
            )
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("workspace") and cleaned.get("username") and cleaned.get("role"):
            try:
                cleaned["username"] = invitation_validate(
                    workspace=cleaned["workspace"], username=cleaned["username"], role=cleaned["role"]
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned

    def _post_clean(self):
        # No model validation here: invitation_create checks, renews a pending invitation of the
        # same name, sets the expiry and writes the audit record.
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


@admin.register(WorkspaceInvitation)
class WorkspaceInvitationAdmin(AddThenShowMixin, WorkspaceScopedAdmin):
    form = InvitationForm
    admin_write_roles = OWNER_ROLES
    list_display = ["username", "workspace", "role", "state_shown", "invited_by", "expires_at", "created_at"]
    list_filter = ["state", "role"]
    list_select_related = ["workspace", "invited_by"]
    search_fields = ["username"]
    actions = ["cancel"]
    add_fields = ["workspace", "username", "role"]
    shown_fields = [*add_fields, "state_shown", "invited_by", "expires_at", "decided_at"]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)  # invitees have no role in the workspace
        if request.user.is_superuser:
            return queryset
        owned = workspace_ids(request.user, OWNER_ROLES)
        return queryset.filter(Q(workspace__in=owned) | Q(username=request.user.get_username()))

    def _is_invitee(self, request, obj) -> bool:
        return obj is not None and obj.username == request.user.get_username()

    def has_module_permission(self, request):
        return self._may(request, None, OWNER_ROLES) or self.get_queryset(request).exists()

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return self._is_invitee(request, obj) or self._may(request, obj, OWNER_ROLES)

    def has_change_permission(self, request, obj=None):
        return False  # an invitation is accepted, declined or cancelled, never edited

    def has_delete_permission(self, request, obj=None):
        return False  # cancelled instead, so the history stays

    def has_cancel_permission(self, request):
        return self._may(request, None, OWNER_ROLES)

    @admin.display(description=_("state"))
    def state_shown(self, invitation):
        return InvitationState(invitation.shown_state).label

    def save_model(self, request, obj, form, change):
        if not self._may(request, obj, OWNER_ROLES):
            raise PermissionDenied
        invitation = invitation_create(
            workspace=obj.workspace, username=obj.username, role=obj.role, by=request.user
        )
        obj.pk = invitation.pk

    def response_add(self, request, obj, post_url_continue=None):
        # Not Django's "was added": nobody was added, someone was invited.
        invitation = WorkspaceInvitation.objects.get(pk=obj.pk)
        self.message_user(
            request,
            _("%(username)s is invited. They join only when they accept; the invitation expires on %(date)s.")
            % {"username": invitation.username, "date": invitation.expires_at.date()},
        )
        return HttpResponseRedirect(reverse("admin:suo_workspaceinvitation_changelist"))

    @admin.action(description=_("Cancel the selected invitations"), permissions=["cancel"])
    def cancel(self, request, queryset):
        done = 0
        for invitation in queryset.filter(state=InvitationState.PENDING):
            if self._may(request, invitation, OWNER_ROLES):
                invitation_cancel(invitation=invitation, by=request.user)
                done += 1
        self.message_user(request, _("%(n)s invitations cancelled.") % {"n": done})

    # --- the invitee's buttons on the invitation's page ---

    def get_urls(self):
        return [
            re_path(
                r"^(?P<pk>\d+)/(?P<decision>accept|decline)/$",
                self.admin_site.admin_view(require_POST(self.decide_view)),
                name="suo_workspaceinvitation_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk: str, decision: str):
        invitation = self.get_queryset(request).filter(pk=pk).first()
        if not self._is_invitee(request, invitation):
            raise Http404
        decide = invitation_accept if decision == "accept" else invitation_decline
        try:
            decide(invitation=invitation, user=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:suo_workspaceinvitation_change", args=[pk]))
        if decision == "accept":
            self.message_user(
                request,
                _("You joined %(workspace)s as %(role)s.")
                % {"workspace": invitation.workspace, "role": invitation.get_role_display()},
            )
            return HttpResponseRedirect(reverse("admin:index"))
        self.message_user(
            request, _("You declined the invitation to %(workspace)s.") % {"workspace": invitation.workspace}
        )
        return HttpResponseRedirect(reverse("admin:suo_workspaceinvitation_changelist"))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        may_decide = self._is_invitee(request, obj) and obj.shown_state == InvitationState.PENDING
        context["invitee_decisions"] = (
            [
                (reverse("admin:suo_workspaceinvitation_decide", args=[obj.pk, decision]), label)
                for decision, label in (("accept", _("Accept and join")), ("decline", _("Decline")))
            ]
            if may_decide
            else []
        )
        return super().render_change_form(request, context, add, change, form_url, obj)
