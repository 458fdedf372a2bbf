"""Operators' console for the lifecycle: thresholds, cold-group flags, migrations (preview, apply).

The admin calls the same services as the API; every list is scoped to the user's workspaces.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups.dashboards.lifecycle import lifecycle_settings_for, migration_candidates
from groups.dashboards.models import ColdGroupFlag, GroupMigration, LifecycleSettings
from groups.dashboards.services import (
    SETTINGS_FIELDS,
    cold_groups_flag,
    group_migrate,
    lifecycle_settings_update,
)
from groups.models import Community, CommunityState
from groups.readonly_admin import ReadOnlyAdmin
from suo.admin_scoping import WorkspaceScopedAdmin, form_add_refusal
from suo.models import Workspace
from suo.tenancy import CONFIGURE_ROLES, scoped, workspace_ids


@admin.register(LifecycleSettings)
class LifecycleSettingsAdmin(WorkspaceScopedAdmin):
    list_display = ["workspace", "cold_messages_per_member", "cold_weeks", "migration_active_days"]
    fields = ["workspace", *SETTINGS_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return ["workspace"] if obj else []

    def save_model(self, request, obj, form, change):
        if not self._may(request, obj, CONFIGURE_ROLES):
            raise PermissionDenied
        saved = lifecycle_settings_update(
            workspace=obj.workspace, by=request.user, **{name: getattr(obj, name) for name in SETTINGS_FIELDS}
        )
        obj.pk = saved.pk
        obj._state.adding = False


@admin.register(ColdGroupFlag)
class ColdGroupFlagAdmin(ReadOnlyAdmin):
    list_display = ["community", "flagged_at", "threshold", "weekly", "resolved_at", "migrate_link"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["community"]
    search_fields = ["community__name"]
    actions = ["check_now"]

    @admin.display(description=_("messages per member, week by week"))
    def weekly(self, flag: ColdGroupFlag) -> str:
        return " · ".join(
            f"{week['week']}: {week['per_member'] if week['per_member'] is not None else '—'}"
            for week in flag.weeks
        )

    @admin.display(description=_("migrate"))
    def migrate_link(self, flag: ColdGroupFlag):
        from django.utils.html import format_html

        if not flag.is_open:
            return "—"
        url = reverse("admin:dashboards_groupmigration_migrate") + f"?source={flag.community_id}"
        return format_html('<a href="{}">{}</a>', url, gettext("Migrate active members…"))

    @admin.action(description=_("Check every group for coldness now"))
    def check_now(self, request, queryset):
        workspaces = Workspace.objects.filter(pk__in=workspace_ids(request.user, CONFIGURE_ROLES))
        new = sum(len(cold_groups_flag(workspace=workspace)) for workspace in workspaces)
        self.message_user(request, gettext("%(n)s new cold groups.") % {"n": new}, messages.SUCCESS)


class MigrationForm(forms.Form):
    source = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("From group"))
    target = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("To group"))
    active_days = forms.IntegerField(min_value=1, max_value=365, label=_("Active in the last N days"))
    archive_source = forms.BooleanField(
        required=False,
        label=_("Then archive the source group"),
        help_text=_("Closes every remaining membership of the source group with the reason “archived”."),
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        open_groups = groups.exclude(state=CommunityState.ARCHIVED).order_by("name", "pk")
        self.fields["source"].queryset = open_groups
        self.fields["target"].queryset = open_groups

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("target") and data["source"] == data["target"]:
            raise ValidationError({"target": _("Choose a target group other than the source.")})
        if (
            data.get("source")
            and data.get("target")
            and data["source"].workspace_id != data["target"].workspace_id
        ):
            raise ValidationError({"target": _("The target group belongs to another workspace.")})
        return data


@admin.register(GroupMigration)
class GroupMigrationAdmin(WorkspaceScopedAdmin):
    list_display = [
        "source",
        "target",
        "moved",
        "already_in_target",
        "active_days",
        "archived_source",
        "by",
        "at",
    ]
    list_select_related = ["source", "target", "by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "migrate/",
                self.admin_site.admin_view(self.migrate_view),
                name="dashboards_groupmigration_migrate",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:dashboards_groupmigration_migrate"))

    def migrate_view(self, request):
        """Choose the groups, preview who moves (list and count), then apply."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        groups = Community.objects.all()
        if not request.user.is_superuser:
            groups = scoped(groups, workspace_ids(request.user, CONFIGURE_ROLES))
        data = request.POST if request.method == "POST" else None
        initial = {"source": request.GET.get("source"), "active_days": 14}
        form = MigrationForm(data, groups=groups, initial=initial)
        preview = None
        if form.is_valid():
            source, target = form.cleaned_data["source"], form.cleaned_data["target"]
            days = form.cleaned_data["active_days"]
            if request.POST.get("apply"):
                try:
                    migration = group_migrate(
                        source=source,
                        target=target,
                        active_days=days,
                        archive_source=form.cleaned_data["archive_source"],
                        by=request.user,
                    )
                except ValidationError as exc:
                    form_add_refusal(form, exc)
                else:
                    self.message_user(
                        request,
                        gettext("%(n)s members moved from %(source)s to %(target)s.")
                        % {"n": migration.moved, "source": source.name, "target": target.name},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:dashboards_groupmigration_changelist"))
            members = migration_candidates(source=source, active_days=days)
            preview = {"count": members.count(), "members": list(members[:500])}
        elif data is None and request.GET.get("source"):
            source = groups.filter(pk=request.GET["source"]).first()
            if source is not None:
                form.initial["active_days"] = lifecycle_settings_for(source.workspace).migration_active_days
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Migrate active members to another group"),
            "form": form,
            "preview": preview,
        }
        return TemplateResponse(request, "admin/dashboards/groupmigration/migrate.html", context)
