"""Admin of posts (scheduled through content.services) and the calendar of upcoming posts and tasks."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from content import selectors, services
from content.admin.library import ServiceAdmin
from content.models import ItemStatus, Post, PostState, SopTask
from content.services.posts import PAST_TOLERANCE
from groups.models import Community
from suo.admin_scoping import AddThenShowMixin
from suo.models import Workspace
from suo.tenancy import READ_ROLES, scoped, workspace_ids


class PostForm(forms.ModelForm):
    groups = forms.ModelMultipleChoiceField(label=_("groups"), queryset=Community.objects.none())

    class Meta:
        model = Post
        fields = ["workspace", "item", "scheduled_at"]

    def clean(self):
        cleaned = super().clean()
        workspace, item = cleaned.get("workspace"), cleaned.get("item")
        if workspace and item and item.workspace_id != workspace.pk:
            self.add_error("item", gettext("The item belongs to another workspace."))
        if item and item.status == ItemStatus.ARCHIVED:
            self.add_error("item", gettext("The item is archived; restore it or clone it before posting it."))
        if workspace and any(group.workspace_id != workspace.pk for group in cleaned.get("groups") or []):
            self.add_error("groups", gettext("A group belongs to another workspace."))
        when = cleaned.get("scheduled_at")
        if when and when < timezone.now() - PAST_TOLERANCE:
            self.add_error("scheduled_at", gettext("The time is in the past; choose now or a later time."))
        return cleaned


@admin.register(Post)
class PostAdmin(AddThenShowMixin, ServiceAdmin):
    form = PostForm
    list_display = ["item", "scheduled_at", "state", "sent_at", "reach_total"]
    list_filter = ["state"]
    list_select_related = ["item"]
    date_hierarchy = "scheduled_at"
    search_fields = ["item__title"]
    actions = ["cancel_posts"]
    readonly_fields = ["state", "sent_at", "delivery_list", "metrics_line"]
    change_list_template = "admin/content/post/change_list.html"

    add_fields = ["workspace", "item", "groups", "scheduled_at"]
    shown_fields = ["workspace", "item", "scheduled_at", "state", "sent_at", "delivery_list", "metrics_line"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            groups = Community.objects.order_by("name")
            if not request.user.is_superuser:
                groups = scoped(groups, workspace_ids(request.user, READ_ROLES))
            form.base_fields["groups"].queryset = groups
        return form

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deliveries__community", "links__link")

    @admin.display(description=_("reach"))
    def reach_total(self, post: Post) -> int:
        return sum(d.reach or 0 for d in post.deliveries.all())

    @admin.display(description=_("deliveries"))
    def delivery_list(self, post: Post):
        return format_html_join(
            "",
            "<p><strong>{}</strong>（{}）<br>{}</p>",
            ((d.community.name, d.reach or "—", d.body) for d in post.deliveries.all()),
        )

    @admin.display(description=_("metrics"))
    def metrics_line(self, post: Post) -> str:
        m = selectors.post_metrics(post=post)
        return gettext(
            "reach %(reach)d · opens %(opens)d (%(open_rate).1f%%) · interactions %(interactions)d "
            "(%(interaction_rate).1f%%) · shares %(shares)d (%(share_rate).1f%%)"
        ) % {**m, **{k: m[k] * 100 for k in ("open_rate", "interaction_rate", "share_rate")}}

    def save_with_services(self, request, obj, data, change):
        return services.post_create(
            workspace=data["workspace"],
            item=data["item"],
            groups=list(data["groups"]),
            scheduled_at=data["scheduled_at"],
            by=request.user,
        )

    @admin.action(description=_("Cancel the selected scheduled posts"))
    def cancel_posts(self, request, queryset):
        cancelled = 0
        for post in queryset.filter(state=PostState.DUE):
            if self.has_change_permission(request, post):
                services.post_cancel(post=post, by=request.user)
                cancelled += 1
        self.message_user(request, gettext("%(n)d posts cancelled.") % {"n": cancelled}, messages.SUCCESS)

    def get_urls(self):
        return [
            path("calendar/", self.admin_site.admin_view(self.calendar_view), name="content_calendar"),
            *super().get_urls(),
        ]

    def calendar_view(self, request):
        """Upcoming posts and SOP tasks of one workspace, by day in its time zone."""
        allowed = Workspace.objects.order_by("name")
        if not request.user.is_superuser:
            allowed = allowed.filter(pk__in=workspace_ids(request.user, READ_ROLES))
        if not allowed.exists():
            raise PermissionDenied
        chosen = request.GET.get("workspace", "")
        workspace = (allowed.filter(pk=chosen).first() if chosen.isdigit() else None) or allowed.first()
        try:
            days = max(1, min(int(request.GET.get("days", 14)), 62))
        except ValueError:
            days = 14
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Content calendar"),
            "workspace": workspace,
            "workspaces": allowed,
            "days": days,
            "calendar": selectors.calendar(
                posts=Post.objects.filter(workspace=workspace),
                tasks=SopTask.objects.filter(workspace=workspace),
                tz=workspace.timezone,
                days=days,
            ),
            "reminders": selectors.reminders_for(
                user=request.user, queryset=SopTask.objects.filter(workspace=workspace)
            ),
        }
        return render(request, "admin/content/calendar.html", context)
