"""The group page: lifecycle, thresholds, who does what, invite codes, welcome previews; and the
list of group roles across groups."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups import selectors, services
from groups.models import (
    Community,
    CommunityState,
    CommunityStateChange,
    GroupRole,
    InviteCode,
    Member,
    RoleAssignment,
    Threshold,
)
from groups.models.community import STATE_TRANSITIONS
from groups.readonly_admin import ReadOnlyInline
from suo.admin_scoping import ServiceDeleteMixin, WorkspaceScopedAdmin, WorkspaceScopedInline

SAMPLE_NICKNAME = _("Xiaoming")
SAMPLE_INVITER = _("Aqiang")


class ThresholdInline(WorkspaceScopedInline):
    model = Threshold
    extra = 0
    fields = ["kind", "referral_scope", "min_activity", "campaign", "product"]


class CurrentRoleInline(WorkspaceScopedInline):
    """Who does what now; deleting a row ends the role (it stays in the history)."""

    model = RoleAssignment
    verbose_name = _("current role holder")
    verbose_name_plural = _("who does what (current)")
    extra = 0
    fields = ["role", "member", "user", "script_position", "started_at", "assigned_by"]
    readonly_fields = fields
    ordering = ["role", "pk"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(is_active=True)
            .select_related("member", "user", "assigned_by")
        )

    def has_add_permission(self, request, obj=None):
        return False


class NewRoleForm(forms.ModelForm):
    """Only collects the choice: role_assign() decides (a new lead replaces the current one)."""

    class Meta:
        model = RoleAssignment
        fields = ["role", "member", "user", "script_position"]

    def validate_constraints(self, exclude=None):
        pass

    def validate_unique(self):
        pass

    def _post_clean(self):
        pass  # no model validation: the row is made by role_assign()


class NewRoleInline(WorkspaceScopedInline):
    model = RoleAssignment
    form = NewRoleForm
    verbose_name = _("new role holder")
    verbose_name_plural = _("give a group role (a new lead replaces the current one)")
    extra = 1
    fields = ["role", "member", "user", "script_position"]

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class InviteCodeInline(WorkspaceScopedInline):
    model = InviteCode
    extra = 0
    fields = ["code", "max_uses", "uses", "expires_at", "is_active", "note"]
    readonly_fields = ["uses"]


class StateChangeInline(ReadOnlyInline):
    model = CommunityStateChange
    fields = ["at", "from_state", "to_state", "by", "note"]
    readonly_fields = fields


def _transition_action(to_state: str, label):
    def run(modeladmin, request, queryset):
        moved = 0
        for community in queryset:
            try:
                services.community_transition(community=community, to_state=to_state, by=request.user)
                moved += 1
            except ValidationError as exc:
                modeladmin.message_user(
                    request, f"{community.name}: {' '.join(exc.messages)}", messages.ERROR
                )
        if moved:
            modeladmin.message_user(
                request,
                gettext("%(count)s group(s) moved to “%(state)s”.") % {"count": moved, "state": label},
            )

    run.__name__ = f"move_to_{to_state}"
    return admin.action(description=_("Move to “%(state)s”") % {"state": label})(run)


@admin.register(Community)
class CommunityAdmin(ServiceDeleteMixin, WorkspaceScopedAdmin):
    list_display = [
        "name",
        "kind",
        "platform",
        "state",
        "active_members",
        "member_limit",
        "lead",
        "workspace",
    ]
    list_filter = ["kind", "platform", "state"]
    search_fields = ["name", "external_id"]
    list_select_related = ["workspace"]
    filter_horizontal = ["tags"]
    readonly_fields = [
        "state",
        "state_changed_at",
        "next_states",
        "welcome_preview",
        "announcement_preview",
        "recent_activity",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "workspace",
                    "name",
                    "kind",
                    "platform",
                    "external_id",
                    "member_limit",
                    "tags",
                    "notes",
                ]
            },
        ),
        (_("Lifecycle"), {"fields": ["state", "state_changed_at", "next_states"]}),
        (_("Joining"), {"fields": ["threshold_mode"]}),
        (_("Moderation"), {"fields": ["ladder"]}),
        (
            _("Welcome and announcement"),
            {
                "fields": [
                    "welcome_template",
                    "welcome_preview",
                    "announcement_template",
                    "announcement_preview",
                    "rules_text",
                ]
            },
        ),
        (_("Last four weeks"), {"fields": ["recent_activity"]}),
    ]
    inlines = [ThresholdInline, CurrentRoleInline, NewRoleInline, InviteCodeInline, StateChangeInline]
    actions = [
        _transition_action(state, CommunityState(state).label)
        for state in (
            CommunityState.RECRUITING,
            CommunityState.ACTIVE,
            CommunityState.COOLING,
            CommunityState.ARCHIVED,
        )
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True))
            .prefetch_related(
                "tags",
                models_prefetch_leads(),
            )
        )

    @admin.display(description=_("members"), ordering="member_count")
    def active_members(self, community):
        return community.member_count

    @admin.display(description=_("group lead"))
    def lead(self, community):
        leads = getattr(community, "leads", [])
        return leads[0].holder_name if leads else "—"

    @admin.display(description=_("allowed next states"))
    def next_states(self, community):
        states = STATE_TRANSITIONS.get(community.state, ())
        text = ", ".join(str(CommunityState(s).label) for s in states) or "—"
        return format_html(
            "{}<br><small>{}</small>", text, gettext("Use the actions of the group list to move it.")
        )

    def _preview(self, community, announcement: bool):
        if community is None or community.pk is None:
            return "—"
        text = selectors.welcome_render(
            community=community,
            member=None,
            nickname=str(SAMPLE_NICKNAME),
            inviter=Member(display_name=str(SAMPLE_INVITER)),
            defaults=selectors.community_defaults(community.workspace),
            announcement=announcement,
        )
        return format_html('<div style="white-space: pre-wrap">{}</div>', text or "—")

    @admin.display(description=_("welcome preview"))
    def welcome_preview(self, community):
        return self._preview(community, announcement=False)

    @admin.display(description=_("announcement preview"))
    def announcement_preview(self, community):
        return self._preview(community, announcement=True)

    @admin.display(description=_("joins / leaves / messages per day"))
    def recent_activity(self, community):
        if community is None or community.pk is None:
            return "—"
        rows = selectors.community_daily_stats(community=community, days=28)
        if not rows:
            return "—"
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            gettext("day"),
            gettext("joins"),
            gettext("leaves"),
            gettext("messages"),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((r["day"], r["joins"], r["leaves"], r["messages"]) for r in rows),
        )
        return format_html("<table>{}{}</table>", head, body)

    def delete_refusal(self, obj):
        return services.community_delete_refusal(obj)

    def delete_service(self, request, obj):
        services.community_delete(community=obj, by=request.user)

    def save_model(self, request, obj, form, change):
        self.ensure_may_write(request, obj)  # saved with its thresholds and tags in save_related

    def save_related(self, request, form, formsets, change):
        """The group through community_create / community_update (thresholds and tags with it),
        then its roles and invite codes through their services, as the API does."""
        data = form.cleaned_data
        fields = {
            name: data[name] for name in form.fields if name in data and name not in ("workspace", "tags")
        }
        thresholds = next(f for f in formsets if f.model is Threshold)
        rows = [
            {name: f.cleaned_data[name] for name in ThresholdInline.fields}
            for f in thresholds.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        tags = [tag.name for tag in data.get("tags", [])]
        if change:
            services.community_update(
                community=form.instance,
                by=request.user,
                tags=tags,
                thresholds=rows if thresholds.has_changed() else None,
                **fields,
            )
        else:
            created = services.community_create(
                workspace=data["workspace"], by=request.user, tags=tags, thresholds=rows, **fields
            )
            form.instance.pk, form.instance.state = created.pk, created.state
        for formset in formsets:
            # The change message reads these; the rows are written by the services below.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is InviteCode:
                self._save_invite_codes(request, form.instance, formset)
            elif formset.model is RoleAssignment:
                self._save_roles(request, form.instance, formset)

    def _save_invite_codes(self, request, community, formset):
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None)
            invite = row.instance
            if not data or not (row.has_changed() or data.get("DELETE")):
                continue
            values = {name: data[name] for name in InviteCodeInline.fields if name in data}
            if data.get("DELETE"):
                if invite.pk:
                    services.invite_code_delete(invite=invite, by=request.user)
                    formset.deleted_objects.append(invite)
            elif invite.pk is None:
                made = services.invite_code_create(community=community, by=request.user, **values)
                formset.new_objects.append(made)
            else:
                changed = {name: values[name] for name in row.changed_data if name in values}
                services.invite_code_update(invite=invite, by=request.user, **changed)
                formset.changed_objects.append((invite, list(changed)))

    def _save_roles(self, request, community, formset):
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None)
            if not data:
                continue
            if isinstance(row, NewRoleForm):
                if row.has_changed() and not data.get("DELETE"):
                    values = {name: data.get(name) for name in NewRoleInline.fields}
                    values["script_position"] = values["script_position"] or ""
                    assigned = services.role_assign(community=community, by=request.user, **values)
                    formset.new_objects.append(assigned)
            elif data.get("DELETE") and row.instance.pk and row.instance.is_active:
                services.role_end(assignment=row.instance, by=request.user)
                formset.deleted_objects.append(row.instance)


def models_prefetch_leads():
    from django.db.models import Prefetch

    return Prefetch(
        "roles",
        queryset=RoleAssignment.objects.filter(role=GroupRole.LEAD, is_active=True).select_related(
            "member", "user"
        ),
        to_attr="leads",
    )


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(WorkspaceScopedAdmin):
    """Who does what, across groups: filter by role or group."""

    list_display = ["community", "role", "holder", "script_position", "is_active", "started_at", "ended_at"]
    list_filter = ["role", "is_active", "script_position"]
    search_fields = ["community__name", "member__display_name", "user__username"]
    list_select_related = ["community", "member", "user"]
    ordering = ["community__name", "role", "-started_at"]

    @admin.display(description=_("holder"))
    def holder(self, assignment):
        return assignment.holder_name

    actions = ["end_roles"]

    def has_add_permission(self, request, *args):
        return False  # assigned on the group's page, where a new lead replaces the old one

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a role is ended (role_end), so who did what stays in the history

    def has_end_permission(self, request) -> bool:
        return super().has_change_permission(request)

    @admin.action(description=_("End the selected roles (kept as history)"), permissions=["end"])
    def end_roles(self, request, queryset):
        ended = 0
        for assignment in queryset.filter(is_active=True):
            if self._may(request, assignment, self.admin_write_roles):
                services.role_end(assignment=assignment, by=request.user)
                ended += 1
        self.message_user(request, gettext("%(count)s role(s) ended.") % {"count": ended})
