from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from suo import invitation_admin  # noqa: F401  (registers the invitations' admin)
from suo.admin_scoping import ReadOnlyScopedAdmin, WorkspaceScopedAdmin, WorkspaceScopedInline
from suo.models import (
    AuditRecord,
    Role,
    WebhookDelivery,
    WebhookEndpoint,
    Workspace,
    WorkspaceMembership,
)
from suo.services import ensure_an_owner_remains, workspace_member_remove, workspace_member_set
from suo.tenancy import CONFIGURE_ROLES, OWNER_ROLES, scoped, workspace_ids
from suo.webhooks import event_type_choices, new_secret, webhook_send_test


class MembershipForm(forms.ModelForm):
    class Meta:
        model = WorkspaceMembership
        fields = ["workspace", "user", "role"]

    def clean(self):
        cleaned = super().clean()
        leaving_owner = self.instance.pk and self.instance.role == Role.OWNER
        if leaving_owner and (cleaned.get("role") != Role.OWNER or cleaned.get("DELETE")):
            ensure_an_owner_remains(self.instance.workspace, self.instance, lock=False)
        return cleaned


class OwnerKeepingFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept_roles = [
            form.cleaned_data.get("role")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if self.instance.pk and Role.OWNER not in kept_roles:
            raise ValidationError(_("A workspace needs at least one owner: make someone else owner first."))


class NoAddingWithoutConsent:
    """Owners change roles and remove people; someone joins only by accepting an invitation.

    Superusers, who run the installation, may still add a membership directly.
    """

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["user"] if isinstance(self, admin.TabularInline) else ["workspace", "user"]
        return fields


class WorkspaceMembershipInline(NoAddingWithoutConsent, WorkspaceScopedInline):
    model = WorkspaceMembership
    form = MembershipForm
    formset = OwnerKeepingFormSet
    admin_write_roles = OWNER_ROLES
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    admin_write_roles = OWNER_ROLES
    list_display = ["name", "slug", "timezone", "member_count", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WorkspaceMembershipInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, workspace: Workspace) -> int:
        return workspace.member_count

    def has_add_permission(self, request, *args):
        # Creating workspaces is for superusers here; anyone else uses the API or createworkspace.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_formset(self, request, form, formset, change):
        """Role changes go through the services, which keep at least one owner per workspace."""
        if formset.model is not WorkspaceMembership:
            return super().save_formset(request, form, formset, change)
        with transaction.atomic():
            for membership in formset.save(commit=False):
                workspace_member_set(workspace=form.instance, user=membership.user, role=membership.role)
            for membership in formset.deleted_objects:
                workspace_member_remove(membership=membership)


@admin.register(WorkspaceMembership)
class WorkspaceMembershipAdmin(NoAddingWithoutConsent, WorkspaceScopedAdmin):
    admin_write_roles = OWNER_ROLES
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role", "workspace"]
    list_select_related = ["user", "workspace"]
    search_fields = ["user__username", "workspace__name"]
    form = MembershipForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)  # checks the role in obj.workspace
        workspace_member_set(workspace=obj.workspace, user=obj.user, role=obj.role)

    def delete_model(self, request, obj):
        try:
            workspace_member_remove(membership=obj)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level=messages.ERROR)


# --- outbound webhooks ----------------------------------------------------------------------


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked, or “All events”: every event is sent."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["workspace", "name", "url", "event_types", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [
            (name, f"{name} · {label}") for name, label in event_type_choices()
        ]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(WorkspaceScopedAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "types", "is_active", "workspace", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    list_select_related = ["workspace"]
    readonly_fields = ["secret_shown", "recent_deliveries"]
    actions = ["send_test"]

    def get_fields(self, request, obj=None):
        fields = ["workspace", "name", "url", "event_types", "is_active"]
        return [*fields, "secret_shown", "recent_deliveries"] if obj is not None else fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # Signing secrets are for the people who configure integrations.
        return scoped(queryset, workspace_ids(request.user, CONFIGURE_ROLES))

    def has_module_permission(self, request):
        return self._may(request, None, CONFIGURE_ROLES)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj, CONFIGURE_ROLES)

    @admin.display(description=_("types"))
    def types(self, endpoint):
        return ", ".join(endpoint.event_types) or _("all")

    @admin.display(description=_("signing secret"))
    def secret_shown(self, endpoint):
        return endpoint.secret

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = new_secret()
        super().save_model(request, obj, form, change)

    @admin.display(description=_("recent deliveries"))
    def recent_deliveries(self, endpoint):
        rows = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")[:10]
        if not rows:
            return _("Nothing sent yet.")
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("created at"),
            _("event type"),
            _("state"),
            _("response status"),
            _("answer or error"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{} #{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        date_format(localtime(row.created_at), "SHORT_DATETIME_FORMAT"),
                        row.event_type,
                        row.attempt,
                        row.get_state_display(),
                        row.response_status or "—",
                        row.error or row.response_body or "—",
                    )
                    for row in rows
                ),
            ),
        )

    def _queue_test(self, request, endpoint):
        webhook_send_test(endpoint=endpoint)
        self.message_user(
            request,
            _("A test event to %(name)s is queued; its result appears under “recent deliveries” on its page.")
            % {"name": endpoint.name},
        )

    @admin.action(description=_("Send a test event"), permissions=["change"])
    def send_test(self, request, queryset):
        for endpoint in queryset.select_related("workspace"):
            self._queue_test(request, endpoint)

    def get_urls(self):
        return [
            path(
                "<int:pk>/send-test/",
                self.admin_site.admin_view(require_POST(self.send_test_view)),
                name="suo_webhookendpoint_send_test",
            ),
            *super().get_urls(),
        ]

    def send_test_view(self, request, pk):
        endpoint = self.get_queryset(request).filter(pk=pk).first()
        if endpoint is None:
            raise Http404
        if not self.has_change_permission(request, endpoint):
            raise PermissionDenied
        self._queue_test(request, endpoint)
        return HttpResponseRedirect(reverse("admin:suo_webhookendpoint_change", args=[pk]))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyScopedAdmin):
    admin_read_roles = CONFIGURE_ROLES
    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "attempt",
        "state",
        "response_status",
        "duration_ms",
    ]
    list_filter = ["state", "event_type"]
    search_fields = ["event_id", "event_type"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"


# --- the audit trail: read-only for everyone, superusers included -----------------------------


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyScopedAdmin):
    admin_read_roles = OWNER_ROLES
    list_display = ["at", "actor_name", "verb", "target_type", "target_repr", "workspace"]
    list_filter = ["verb", "target_type"]
    search_fields = ["verb", "target_repr", "actor_name", "target_id"]
    list_select_related = ["workspace"]
    date_hierarchy = "at"
    fields = ["at", "workspace", "actor_name", "verb", "target_type", "target_id", "target_repr", "changes"]
    readonly_fields = fields

    @admin.display(description=_("before → after"))
    def changes(self, record):
        import json

        from django.utils.html import format_html

        def shown(value):
            return (
                json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) if value is not None else "—"
            )

        return format_html(
            '<div style="display:flex;gap:2em"><pre>{}</pre><pre>{}</pre></div>',
            shown(record.before),
            shown(record.after),
        )
