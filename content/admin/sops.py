"""Admin of SOPs (saved and applied through content.services) and of their tasks."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from content import selectors, services
from content.admin.library import ServiceAdmin
from content.models import Sop, SopStep, SopTask, TaskStatus
from groups.models import Community
from suo.admin_scoping import WorkspaceScopedAdmin, WorkspaceScopedInline, form_add_refusal
from suo.tenancy import CONFIGURE_ROLES, MODERATE_ROLES

STEP_FIELDS = ["day_offset", "weekday", "time", "role", "action", "item", "script"]


class SopStepInline(WorkspaceScopedInline):
    model = SopStep
    fields = STEP_FIELDS
    extra = 1
    min_num = 1


@admin.register(Sop)
class SopAdmin(ServiceAdmin):
    inlines = [SopStepInline]
    list_display = ["name", "auto_kind", "is_active", "completion", "apply_link"]
    list_filter = ["auto_kind", "is_active"]
    search_fields = ["name"]
    fields = ["workspace", "name", "description", "auto_kind", "is_active", "completion_people"]
    readonly_fields = ["completion_people"]

    def save_model(self, request, obj, form, change):
        pass  # saved with its steps in save_related, where the inline's rows are known

    def save_related(self, request, form, formsets, change):
        rows = [
            f.cleaned_data
            for formset in formsets
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        data = form.cleaned_data
        sop = services.sop_save(
            workspace=data["workspace"],
            sop=form.instance if change else None,
            steps=[{name: row.get(name) for name in STEP_FIELDS} for row in rows],
            by=request.user,
            **{name: data[name] for name in ("name", "description", "auto_kind", "is_active")},
        )
        form.instance.pk = sop.pk

    def construct_change_message(self, request, form, formsets, add=False):
        return super().construct_change_message(request, form, [], add)  # steps were saved by the service

    def get_queryset(self, request):
        return selectors.sop_list(queryset=super().get_queryset(request))

    @admin.display(description=_("completion rate"))
    def completion(self, sop: Sop) -> str:
        rate = getattr(sop, "completion_rate", None)
        return f"{rate:.0%}" if rate is not None else "—"

    @admin.display(description=_("completion per person"))
    def completion_people(self, sop: Sop):
        if not sop.pk:
            return "—"
        result = selectors.sop_completion(sop=sop)
        nobody = gettext("nobody holds this role")
        lines = [
            f"{row['name'] or nobody}: {row['done']}/{row['tasks']} ({row['completion_rate']:.0%})"
            for row in result["people"]
        ]
        return "\n".join(lines) or "—"

    @admin.display(description=_("apply"))
    def apply_link(self, sop: Sop):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:content_sop_apply", args=[sop.pk]),
            gettext("Apply to a group"),
        )

    def get_urls(self):
        return [
            path("<int:pk>/apply/", self.admin_site.admin_view(self.apply_view), name="content_sop_apply"),
            *super().get_urls(),
        ]

    def apply_view(self, request, pk: int):
        sop = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self._may(request, sop, CONFIGURE_ROLES):
            raise PermissionDenied
        form = ApplyForm(request.POST or None)
        form.fields["group"].queryset = Community.objects.filter(workspace=sop.workspace).order_by("name")
        if request.method == "POST" and form.is_valid():
            try:
                application = services.sop_apply(
                    sop=sop,
                    community=form.cleaned_data["group"],
                    start_date=form.cleaned_data["start_date"],
                    by=request.user,
                )
            except ValidationError as exc:
                form_add_refusal(form, exc)
            else:
                created = gettext("%(n)d tasks created.") % {"n": len(application.created_tasks)}
                self.message_user(request, created, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:content_soptask_changelist")
                    + f"?community__id__exact={application.community_id}"
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Apply “%(sop)s” to a group") % {"sop": sop.name},
            "form": form,
            "sop": sop,
        }
        return render(request, "admin/content/sop/apply.html", context, status=400 if form.errors else 200)


class ApplyForm(forms.Form):
    group = forms.ModelChoiceField(label=_("group"), queryset=Community.objects.none())
    start_date = forms.DateField(label=_("start date"), required=False, help_text=_("Day 0; empty = today."))


@admin.register(SopTask)
class SopTaskAdmin(WorkspaceScopedAdmin):
    list_display = ["due_at", "community", "role", "assignee_name", "action", "status", "reminder"]
    list_filter = ["status", "role", "reminder"]
    list_select_related = ["community"]
    search_fields = ["action", "assignee_name", "community__name"]
    date_hierarchy = "due_at"
    actions = ["mark_done", "mark_skipped"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def _close(self, request, queryset, status: str) -> None:
        closed = 0
        for task in queryset.filter(status=TaskStatus.OPEN):
            if self._may(request, task, MODERATE_ROLES):
                services.task_close(task=task, status=status, by=request.user)
                closed += 1
        self.message_user(request, gettext("%(n)d tasks ticked.") % {"n": closed}, messages.SUCCESS)

    @admin.action(description=_("Tick done"))
    def mark_done(self, request, queryset):
        self._close(request, queryset, TaskStatus.DONE)

    @admin.action(description=_("Tick skipped"))
    def mark_skipped(self, request, queryset):
        self._close(request, queryset, TaskStatus.SKIPPED)
