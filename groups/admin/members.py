"""Members (contacts masked for analysts), the CSV import, memberships added and ended by hand."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups import import_uploads, services
from groups.csv_import import COLUMNS, decode, members_import
from groups.masking import MASKED_FIELDS, contacts_masked, mask, masked_workspace_ids, touches_masked_field
from groups.models import (
    LeaveReason,
    Member,
    Membership,
)
from groups.readonly_admin import ReadOnlyInline
from suo.admin_scoping import AddThenShowMixin, ServiceDeleteMixin, WorkspaceScopedAdmin
from suo.models import Workspace
from suo.tenancy import MODERATE_ROLES, role_in, workspace_ids


class MembershipInline(ReadOnlyInline):
    model = Membership
    fk_name = "member"
    fields = ["community", "joined_at", "source", "inviter", "is_active", "left_at", "leave_reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("community", "inviter")


class CsvImportForm(forms.Form):
    """A new file to preview, or the token of a previewed file (kept server-side) to import."""

    workspace = forms.ModelChoiceField(queryset=Workspace.objects.none(), label=_("workspace"))
    csv_file = forms.FileField(label=_("CSV file"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("csv_file")
        cleaned["text"] = None
        if upload is not None:
            if upload.size > 10 * 1024 * 1024:
                raise ValidationError({"csv_file": _("At most 10 MB per file.")})
            try:
                cleaned["text"] = decode(upload.read())
            except UnicodeDecodeError as exc:
                raise ValidationError({"csv_file": _("Save the file as UTF-8 CSV.")}) from exc
        elif not cleaned.get("token"):
            raise ValidationError({"csv_file": _("Choose a CSV file.")})
        return cleaned


_MASKED_SEARCH = "_groups_masked_search"


@admin.register(Member)
class MemberAdmin(ServiceDeleteMixin, WorkspaceScopedAdmin):
    admin_write_roles = MODERATE_ROLES
    change_list_template = "admin/groups/member/change_list.html"
    search_fields = ["display_name", "external_id", "wechat_id"]
    list_filter = ["platform"]
    list_select_related = ["workspace"]
    filter_horizontal = ["tags"]
    inlines = [MembershipInline]

    list_display = [
        "display_name",
        "platform",
        "external_id",
        "phone_shown",
        "wechat_shown",
        "tag_names",
        "active_groups",
        "first_seen_at",
    ]

    # --- contact details: masked per row by the user's role in the row's workspace ---
    def get_fields(self, request, obj=None):
        masked = obj is not None and contacts_masked(request.user, obj.workspace_id)
        contact = ["phone_shown", "wechat_shown"] if masked else list(MASKED_FIELDS)
        return ["workspace", "display_name", "platform", "external_id", *contact, "tags", "first_seen_at"]

    def get_readonly_fields(self, request, obj=None):
        masked = obj is not None and contacts_masked(request.user, obj.workspace_id)
        return ["phone_shown", "wechat_shown"] if masked else []

    def get_queryset(self, request):
        masked = masked_workspace_ids(request.user)
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_group_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True),
                contacts_masked=Case(
                    When(workspace_id__in=masked, then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                ),
            )
            .prefetch_related("tags")
        )

    def get_search_results(self, request, queryset, search_term):
        """Masked fields are searched only in the workspaces where the user sees them: a prefix
        search would otherwise reveal them character by character."""
        masked = masked_workspace_ids(request.user)
        if not masked or not search_term:
            return super().get_search_results(request, queryset, search_term)
        seen, seen_duplicates = super().get_search_results(
            request, queryset.exclude(workspace_id__in=masked), search_term
        )
        setattr(request, _MASKED_SEARCH, True)
        try:
            hidden, hidden_duplicates = super().get_search_results(
                request, queryset.filter(workspace_id__in=masked), search_term
            )
        finally:
            delattr(request, _MASKED_SEARCH)
        found = queryset.filter(Q(pk__in=seen.values("pk")) | Q(pk__in=hidden.values("pk")))
        return found, seen_duplicates or hidden_duplicates

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if getattr(request, _MASKED_SEARCH, False):
            return [name for name in fields if not touches_masked_field(name)]
        return fields

    def lookup_allowed(self, lookup, value, request=None):
        if touches_masked_field(lookup) and (request is None or masked_workspace_ids(request.user)):
            return False  # no ?phone__startswith=138 to read what the list masks
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("phone"))
    def phone_shown(self, member):
        return mask(member.phone) if getattr(member, "contacts_masked", True) else member.phone

    @admin.display(description=_("WeChat id"))
    def wechat_shown(self, member):
        return mask(member.wechat_id) if getattr(member, "contacts_masked", True) else member.wechat_id

    @admin.display(description=_("tags"))
    def tag_names(self, member):
        return ", ".join(tag.name for tag in member.tags.all())

    @admin.display(description=_("groups now"), ordering="active_group_count")
    def active_groups(self, member):
        return member.active_group_count

    def save_model(self, request, obj, form, change):
        self.ensure_may_write(request, obj)
        data = form.cleaned_data
        fields = {name: data[name] for name in form.fields if name in data}
        fields.pop("workspace", None)
        tags = [tag.name for tag in fields.pop("tags", [])]
        if change:
            services.member_update(member=obj, tags=tags, **fields)
        else:
            obj.pk = services.member_create(workspace=data["workspace"], tags=tags, **fields).pk

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # the tags were set by the service
            self.save_formset(request, form, formset, change=change)

    def delete_service(self, request, obj):
        services.member_delete(member=obj, by=request.user)

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
        report, token = None, ""
        if request.method == "POST" and form.is_valid():
            workspace, text = form.cleaned_data["workspace"], form.cleaned_data["text"]
            where = {"workspace": workspace, "user": request.user}
            if text is not None:  # a new file: preview it, and keep it for the confirmation
                report = members_import(workspace=workspace, text=text, dry_run=True)
                token = import_uploads.upload_keep(text=text, **where) if report.ok else ""
            else:  # the confirmation of a previewed file
                kept = {"token": form.cleaned_data["token"], **where}
                try:
                    text = import_uploads.upload_text(**kept)
                except import_uploads.UploadExpired as expired:
                    form.add_error("csv_file", str(expired.message))
                else:
                    report = members_import(workspace=workspace, text=text, dry_run=False)
                    import_uploads.upload_discard(**kept)
                    if report.applied:
                        summary = report.summary()
                        self.message_user(request, gettext("Imported: %(summary)s") % {"summary": summary})
                        return HttpResponseRedirect(reverse("admin:groups_member_changelist"))
            if report is not None:
                form = CsvImportForm(initial={"workspace": workspace.pk, "token": token})
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


@admin.register(Membership)
class MembershipAdmin(AddThenShowMixin, WorkspaceScopedAdmin):
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

    add_fields = ["workspace", "community", "member", "source", "inviter", "joined_at"]
    shown_fields = [
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

    def has_delete_permission(self, request, obj=None):
        return False  # a stay is ended (the actions below), so the history stays

    def save_model(self, request, obj, form, change):
        if change:
            return
        self.ensure_may_write(request, obj)
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
