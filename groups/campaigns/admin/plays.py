"""Benefit plays in the admin: the calendar, entries, rewards and fatigue alerts."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups.campaigns import services
from groups.campaigns.admin.common import ServiceForm
from groups.campaigns.models import Play, PlayAlert, PlayEntry, PlayReward
from groups.campaigns.models.plays import PLAY_SLOT, PLAY_TERMS
from groups.readonly_admin import ReadOnlyAdmin, ReadOnlyInline
from suo.admin_scoping import AddThenShowMixin, WorkspaceScopedAdmin

PLAY_FIELDS = ["workspace", *PLAY_SLOT, *PLAY_TERMS]


class PlayForm(ServiceForm, forms.ModelForm):
    class Meta:
        model = Play
        fields = PLAY_FIELDS

    def service_kwargs(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in PLAY_FIELDS}
        return {name: value for name, value in values.items() if value is not None}

    def service_call(self):
        return services.play_create, self.service_kwargs()


class EntryInline(ReadOnlyInline):
    model = PlayEntry
    fields = ["member", "day", "streak", "order_id", "state", "rank", "created_at"]
    readonly_fields = fields
    ordering = ["rank", "created_at", "pk"]


@admin.register(Play)
class PlayAdmin(AddThenShowMixin, WorkspaceScopedAdmin):
    form = PlayForm
    list_display = ["title", "kind", "group", "opens_at", "closes_at", "status", "outcome"]
    list_filter = ["kind", "outcome", "group"]
    search_fields = ["title"]
    list_select_related = ["group"]
    date_hierarchy = "opens_at"
    ordering = ["-opens_at"]
    inlines = [EntryInline]

    # A play is planned once; what happens to it afterwards is the entries' and the draw's.
    add_fields = PLAY_FIELDS
    shown_fields = [*PLAY_FIELDS, "commitment", "outcome", "unlocked_at", "closed_at"]

    @admin.display(description=_("status"))
    def status(self, play):
        if play.outcome:
            return play.get_outcome_display()
        now = timezone.now()
        if now < play.opens_at:
            return gettext("scheduled")
        return gettext("open") if now < play.closes_at else gettext("closing")

    def save_model(self, request, obj, form, change):
        if change:
            return
        play = services.play_create(by=request.user, **form.service_kwargs())
        obj.pk, obj._state.adding = play.pk, False


@admin.register(PlayReward)
class PlayRewardAdmin(ReadOnlyAdmin):
    list_display = ["member", "play", "streak", "reward", "created_at"]
    list_select_related = ["member", "play"]
    search_fields = ["member__display_name", "play__title"]


@admin.register(PlayAlert)
class PlayAlertAdmin(ReadOnlyAdmin):
    list_display = ["kind", "group", "play", "message", "created_at", "read_at"]
    list_filter = ["kind", "group"]
    list_select_related = ["group", "play"]
    actions = ["mark_read"]

    @admin.action(description=_("Mark as read"), permissions=["view"])
    def mark_read(self, request, queryset):
        count = queryset.filter(read_at__isnull=True).update(read_at=timezone.now())
        self.message_user(request, gettext("%(count)s alert(s) marked as read.") % {"count": count})
