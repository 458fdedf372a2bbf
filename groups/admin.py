"""The operators' console for groups: lifecycle, thresholds, roles, members, imports."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups import selectors, services
from groups.csv_import import COLUMNS, decode, members_import
from groups.masking import mask
from groups.models import (
    ActivityEvent,
    Community,
    CommunityDefaults,
    CommunityState,
    CommunityStateChange,
    Entitlement,
    GroupRole,
    InboundEvent,
    InviteCode,
    LeaveReason,
    Member,
    Membership,
    MessageDailyCount,
    RoleAssignment,
    Tag,
    Threshold,
)
from groups.models.community import STATE_TRANSITIONS
from groups.models.members import SCRIPTED_ROLES
from suo.admin_scoping import WorkspaceScopedAdmin, WorkspaceScopedInline
from suo.models import Role, Workspace
from suo.tenancy import MODERATE_ROLES, role_in, workspace_ids

SAMPLE_NICKNAME = _("Xiaoming")
SAMPLE_INVITER = _("Aqiang")


# --- group page -----------------------------------------------------------------------------


class ThresholdInline(WorkspaceScopedInline):
    model = Threshold
    extra = 0
    fields = ["kind", "referral_scope", "min_activity", "campaign", "product"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields.pop("workspace", None)
        return formset


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
    class Meta:
        model = RoleAssignment
        fields = ["role", "member", "user", "script_position"]

    def validate_constraints(self, exclude=None):
        pass  # role_assign() decides: a new lead replaces the current one

    def validate_unique(self):
        pass

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("member") and not cleaned.get("user"):
            raise ValidationError(_("Name a member, a suo user, or both."))
        if cleaned.get("script_position") and cleaned.get("role") not in SCRIPTED_ROLES:
            raise ValidationError(
                {"script_position": _("Only KOL and atmosphere roles have an ABC script position.")}
            )
        return cleaned


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

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields.pop("workspace", None)
        return formset


class StateChangeInline(WorkspaceScopedInline):
    model = CommunityStateChange
    extra = 0
    fields = ["at", "from_state", "to_state", "by", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
class CommunityAdmin(WorkspaceScopedAdmin):
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

    def save_model(self, request, obj, form, change):
        if not change:
            obj.state = CommunityState.PLANNING
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is Threshold or formset.model is InviteCode:
            for row in formset.save(commit=False):
                row.workspace_id = form.instance.workspace_id
                if isinstance(row, InviteCode) and row.pk is None:
                    row.created_by = request.user
                row.save()
            for row in formset.deleted_objects:
                row.delete()
            return
        if formset.model is RoleAssignment:
            # The change message reads these; role rows are written by the services below.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if (
            formset.model is RoleAssignment
            and isinstance(formset.form, type)
            and issubclass(formset.form, NewRoleForm)
        ):
            for role_form in formset.forms:
                data = getattr(role_form, "cleaned_data", None)
                if not data or data.get("DELETE") or not role_form.has_changed():
                    continue
                try:
                    assignment = services.role_assign(
                        community=form.instance,
                        role=data["role"],
                        member=data.get("member"),
                        user=data.get("user"),
                        script_position=data.get("script_position", ""),
                        by=request.user,
                    )
                    formset.new_objects.append(assignment)
                except ValidationError as exc:
                    self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        if formset.model is RoleAssignment:
            for deleted in formset.deleted_forms:
                assignment = deleted.instance
                if assignment.pk and assignment.is_active:
                    services.role_end(assignment=assignment, by=request.user)
                    formset.deleted_objects.append(assignment)
            return
        super().save_formset(request, form, formset, change)


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

    def has_add_permission(self, request, *args):
        return False  # assigned on the group's page, where a new lead replaces the old one

    def has_change_permission(self, request, obj=None):
        return False


# --- members --------------------------------------------------------------------------------


class MembershipInline(WorkspaceScopedInline):
    model = Membership
    fk_name = "member"
    extra = 0
    fields = ["community", "joined_at", "source", "inviter", "is_active", "left_at", "leave_reason"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("community", "inviter")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CsvImportForm(forms.Form):
    workspace = forms.ModelChoiceField(queryset=Workspace.objects.none(), label=_("workspace"))
    csv_file = forms.FileField(label=_("CSV file"), required=False)
    csv_text = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("csv_file")
        if upload is not None:
            if upload.size > 10 * 1024 * 1024:
                raise ValidationError({"csv_file": _("At most 10 MB per file.")})
            try:
                cleaned["csv_text"] = decode(upload.read())
            except UnicodeDecodeError as exc:
                raise ValidationError({"csv_file": _("Save the file as UTF-8 CSV.")}) from exc
        if not cleaned.get("csv_text"):
            raise ValidationError({"csv_file": _("Choose a CSV file.")})
        return cleaned


@admin.register(Member)
class MemberAdmin(WorkspaceScopedAdmin):
    admin_write_roles = MODERATE_ROLES
    change_list_template = "admin/groups/member/change_list.html"
    search_fields = ["display_name", "external_id", "wechat_id"]
    list_filter = ["platform"]
    list_select_related = ["workspace"]
    filter_horizontal = ["tags"]
    inlines = [MembershipInline]

    def _reads_only(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return False
        if obj is not None:
            return role_in(request.user, obj.workspace_id) == Role.ANALYST
        return not workspace_ids(request.user, MODERATE_ROLES)

    def get_list_display(self, request):
        contact = ["phone_masked", "wechat_masked"] if self._reads_only(request) else ["phone", "wechat_id"]
        return [
            "display_name",
            "platform",
            "external_id",
            *contact,
            "tag_names",
            "active_groups",
            "first_seen_at",
        ]

    def get_fields(self, request, obj=None):
        contact = (
            ["phone_masked", "wechat_masked"] if self._reads_only(request, obj) else ["phone", "wechat_id"]
        )
        return ["workspace", "display_name", "platform", "external_id", *contact, "tags", "first_seen_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["phone_masked", "wechat_masked"] if self._reads_only(request, obj) else []

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_group_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
            )
            .prefetch_related("tags")
        )

    @admin.display(description=_("phone"))
    def phone_masked(self, member):
        return mask(member.phone)

    @admin.display(description=_("WeChat id"))
    def wechat_masked(self, member):
        return mask(member.wechat_id)

    @admin.display(description=_("tags"))
    def tag_names(self, member):
        return ", ".join(tag.name for tag in member.tags.all())

    @admin.display(description=_("groups now"), ordering="active_group_count")
    def active_groups(self, member):
        return member.active_group_count

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="groups_member_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload → dry-run report with per-row errors → confirm → import."""
        writable = workspace_ids(request.user, MODERATE_ROLES) if not request.user.is_superuser else None
        if writable is not None and not writable:
            raise PermissionDenied
        workspaces = (
            Workspace.objects.all() if writable is None else Workspace.objects.filter(pk__in=writable)
        )
        form = CsvImportForm(request.POST or None, request.FILES or None)
        form.fields["workspace"].queryset = workspaces
        if len(workspaces) == 1:
            form.fields["workspace"].initial = workspaces[0].pk
        report = None
        if request.method == "POST" and form.is_valid():
            confirm = request.POST.get("confirm") == "1"
            report = members_import(
                workspace=form.cleaned_data["workspace"],
                text=form.cleaned_data["csv_text"],
                dry_run=not confirm,
            )
            if report.applied:
                self.message_user(request, gettext("Imported: %(summary)s") % {"summary": report.summary()})
                return HttpResponseRedirect(reverse("admin:groups_member_changelist"))
            form = CsvImportForm(
                initial={
                    "workspace": form.cleaned_data["workspace"].pk,
                    "csv_text": form.cleaned_data["csv_text"],
                }
            )
            form.fields["workspace"].queryset = workspaces
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import members from CSV"),
            "form": form,
            "report": report,
            "columns": ",".join(COLUMNS),
        }
        return TemplateResponse(request, "admin/groups/member/import.html", context)


class MembershipAddForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["workspace", "community", "member", "source", "inviter", "joined_at"]

    def validate_constraints(self, exclude=None):
        pass  # membership_join() checks "one active stay" under a lock

    def clean(self):
        cleaned = super().clean()
        workspace, community, member = (
            cleaned.get("workspace"),
            cleaned.get("community"),
            cleaned.get("member"),
        )
        inviter = cleaned.get("inviter")
        for name, row in (("community", community), ("member", member), ("inviter", inviter)):
            if row is not None and workspace is not None and row.workspace_id != workspace.pk:
                self.add_error(name, _("Not in this workspace."))
        if (
            community
            and member
            and Membership.objects.filter(community=community, member=member, is_active=True).exists()
        ):
            self.add_error(
                "member", _("%(member)s is already in this group.") % {"member": member.display_name}
            )
        return cleaned


@admin.register(Membership)
class MembershipAdmin(WorkspaceScopedAdmin):
    admin_write_roles = MODERATE_ROLES
    list_display = [
        "member",
        "community",
        "joined_at",
        "source",
        "inviter",
        "is_active",
        "left_at",
        "leave_reason",
    ]
    list_filter = ["is_active", "source", "leave_reason", "community__kind"]
    search_fields = ["member__display_name", "member__external_id", "community__name"]
    list_select_related = ["member", "community", "inviter"]
    date_hierarchy = "joined_at"
    actions = ["end_as_left", "end_as_kicked", "end_as_migrated"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["workspace", "community", "member", "source", "inviter", "joined_at"]
        return [
            "workspace",
            "community",
            "member",
            "joined_at",
            "source",
            "inviter",
            "invite_code",
            "is_active",
            "left_at",
            "leave_reason",
            "muted_until",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        if role_in(request.user, obj.workspace_id) not in MODERATE_ROLES and not request.user.is_superuser:
            raise PermissionDenied
        membership = services.membership_join(
            community=obj.community,
            member=obj.member,
            source=obj.source,
            inviter=obj.inviter,
            at=obj.joined_at,
            enforce=False,
            by=request.user,
        )
        obj.pk = membership.pk

    def _end(self, request, queryset, reason):
        ended = 0
        for membership in queryset.filter(is_active=True).select_related("community", "member"):
            if (
                role_in(request.user, membership.workspace_id) not in MODERATE_ROLES
                and not request.user.is_superuser
            ):
                continue
            services.membership_leave(
                community=membership.community, member=membership.member, reason=reason, by=request.user
            )
            ended += 1
        self.message_user(request, gettext("%(count)s membership(s) ended.") % {"count": ended})

    @admin.action(description=_("End: the member left"), permissions=["change"])
    def end_as_left(self, request, queryset):
        self._end(request, queryset, LeaveReason.LEFT)

    @admin.action(description=_("End: kicked"), permissions=["change"])
    def end_as_kicked(self, request, queryset):
        self._end(request, queryset, LeaveReason.KICKED)

    @admin.action(description=_("End: migrated to another group"), permissions=["change"])
    def end_as_migrated(self, request, queryset):
        self._end(request, queryset, LeaveReason.MIGRATED)


# --- thresholds' data, defaults, tags, the event log ----------------------------------------


@admin.register(InviteCode)
class InviteCodeAdmin(WorkspaceScopedAdmin):
    list_display = ["code", "community", "uses", "max_uses", "expires_at", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "community__name", "note"]
    list_select_related = ["community"]
    readonly_fields = ["uses", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Entitlement)
class EntitlementAdmin(WorkspaceScopedAdmin):
    list_display = ["member", "product", "order_id", "granted_at", "expires_at", "revoked_at"]
    search_fields = ["member__display_name", "product", "order_id"]
    list_filter = ["product"]
    list_select_related = ["member"]


@admin.register(CommunityDefaults)
class CommunityDefaultsAdmin(WorkspaceScopedAdmin):
    list_display = ["workspace"]
    list_select_related = ["workspace"]


@admin.register(Tag)
class TagAdmin(WorkspaceScopedAdmin):
    list_display = ["name", "workspace"]
    search_fields = ["name"]
    list_select_related = ["workspace"]


class ReadOnlyAdmin(WorkspaceScopedAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at"]
    list_filter = ["type"]
    search_fields = ["event_id"]


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyAdmin):
    list_display = ["member", "name", "campaign", "community", "at"]
    search_fields = ["member__display_name", "campaign", "name"]
    list_select_related = ["member", "community"]


@admin.register(MessageDailyCount)
class MessageDailyCountAdmin(ReadOnlyAdmin):
    list_display = ["day", "community", "member", "count"]
    list_select_related = ["member", "community"]
    date_hierarchy = "day"


# The moderation console (code of conduct, ladders, violations, penalties, appeals) registers itself.
from groups.moderation import admin as moderation_admin  # noqa: E402, F401
