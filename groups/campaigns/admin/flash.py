"""Campaigns in the admin: the schedule as four start times, offers and messages inline, a
timeline of the phases, claims, and the follow-up tasks customer service works through."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups.campaigns import selectors, services
from groups.campaigns.admin.common import ServiceForm
from groups.campaigns.models import (
    PHASES,
    Campaign,
    CampaignPhase,
    Claim,
    FollowUpTask,
    Offer,
    PhaseTransition,
    ScheduledMessage,
    TransitionState,
)
from groups.campaigns.services.flash import EDITABLE
from groups.readonly_admin import ReadOnlyAdmin, ReadOnlyInline
from suo.admin_scoping import WorkspaceScopedAdmin, WorkspaceScopedInline

PHASE_FIELDS = {phase: f"{phase}_at" for phase in PHASES}
CAMPAIGN_FIELDS = ["slug", *EDITABLE]


class CampaignForm(ServiceForm, forms.ModelForm):
    preheat_at = forms.SplitDateTimeField(label=_("preheat starts"), widget=AdminSplitDateTime)
    ignite_at = forms.SplitDateTimeField(label=_("ignite starts"), widget=AdminSplitDateTime)
    wrap_up_at = forms.SplitDateTimeField(label=_("wrap-up starts"), widget=AdminSplitDateTime)
    closed_at = forms.SplitDateTimeField(label=_("closes at"), widget=AdminSplitDateTime)

    class Meta:
        model = Campaign
        fields = ["workspace", "group", *CAMPAIGN_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for row in self.instance.transitions.all():
                field = self.fields[PHASE_FIELDS[row.phase]]
                field.initial = timezone.localtime(row.due_at)
                if row.state == TransitionState.DONE:
                    field.help_text = _("Already started: this time can no longer change.")
            for name in ("workspace", "group"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        # On change only the moved phases: an untouched field shows its time without microseconds.
        moved = [
            (index, phase, name)
            for index, (phase, name) in enumerate(PHASE_FIELDS.items())
            if not self.instance.pk or name in self.changed_data
        ]
        self.error_fields = {
            f"phases.{position}.starts_at": name for position, (_i, _p, name) in enumerate(moved)
        }
        return {
            **{name: data.get(name) for name in CAMPAIGN_FIELDS},
            "phases": [{"phase": phase, "starts_at": data.get(name)} for _index, phase, name in moved],
        }

    def service_call(self):
        if self.instance.pk:
            return services.campaign_update, {"campaign": self.instance, **self.service_kwargs()}
        kwargs = self.service_kwargs()
        return services.campaign_create, {
            "workspace": self.cleaned_data["workspace"],
            "group": self.cleaned_data["group"],
            **kwargs,
        }


class TransitionInline(ReadOnlyInline):
    model = PhaseTransition
    fields = ["phase", "due_at", "state", "done_at", "messages_sent", "note"]
    readonly_fields = fields
    ordering = ["position"]


OFFER_FIELDS = ["name", "price", "stock", "per_member_limit", "position"]
FOLLOW_UP_FIELDS = ["state", "assignee", "note"]


class OfferForm(ServiceForm, forms.ModelForm):
    class Meta:
        model = Offer
        fields = OFFER_FIELDS

    def service_call(self):
        values = {name: self.cleaned_data.get(name) for name in OFFER_FIELDS}
        if self.instance.pk:
            return services.offer_update, {"offer": self.instance, **values}
        return services.offer_create, {"campaign": self.instance.campaign, **values}


class OfferInline(WorkspaceScopedInline):
    model = Offer
    form = OfferForm
    extra = 0
    fields = ["name", "price", "stock", "claimed", "per_member_limit", "position"]
    readonly_fields = ["claimed"]

    def has_delete_permission(self, request, obj=None):
        return False  # claims point at offers; set the stock to what was claimed instead


class MessageForm(ServiceForm, forms.ModelForm):
    url = forms.CharField(
        label=_("or a target URL"), required=False, help_text=_("A tracked short link is made for it.")
    )

    class Meta:
        model = ScheduledMessage
        fields = ["phase", "text", "link", "url", "position"]

    def service_call(self):
        values = {name: self.cleaned_data.get(name) for name in ("phase", "text", "link", "position")}
        return services.message_create, {
            "campaign": self.instance.campaign,
            "url": self.cleaned_data.get("url") or "",
            **values,
        }


class MessageInline(WorkspaceScopedInline):
    model = ScheduledMessage
    form = MessageForm
    extra = 0
    fields = ["phase", "text", "link", "url", "position", "sent_at"]
    readonly_fields = ["sent_at"]

    def has_change_permission(self, request, obj=None):
        return False  # a message is added or removed, never rewritten after the fact

    def has_add_permission(self, request, obj=None):
        return self._may(request, obj, self.admin_write_roles)


def _advance_action(modeladmin, request, queryset):
    done = sum(len(services.campaign_advance(campaign_id=campaign.pk)) for campaign in queryset)
    modeladmin.message_user(request, gettext("%(count)s phase transition(s) done.") % {"count": done})


_advance_action.short_description = _("Run transitions that are due now")
_advance_action.allowed_permissions = ("change",)


@admin.register(Campaign)
class CampaignAdmin(WorkspaceScopedAdmin):
    form = CampaignForm
    list_display = ["name", "slug", "group", "phase", "next_phase", "timeline_link", "workspace"]
    list_filter = ["phase", "group__kind"]
    search_fields = ["name", "slug"]
    list_select_related = ["group", "workspace"]
    readonly_fields = ["phase", "phase_changed_at", "countdown_link"]
    actions = [_advance_action]

    def get_fieldsets(self, request, obj=None):
        return [
            (
                None,
                {"fields": ["workspace", "group", "name", "slug", "description", "phase", "countdown_link"]},
            ),
            (_("Schedule"), {"fields": list(PHASE_FIELDS.values())}),
            (_("Wrap-up"), {"fields": ["thank_you_message", "thank_you_red_packet"]}),
            (
                _("Referrals"),
                {"fields": ["referral_stay_days", "referral_invitees_per_reward", "referral_reward"]},
            ),
        ]

    def get_inlines(self, request, obj):
        return [TransitionInline, OfferInline, MessageInline] if obj is not None else []

    def get_queryset(self, request):
        return selectors.campaign_list(super().get_queryset(request))

    @admin.display(description=_("next phase"))
    def next_phase(self, campaign):
        upcoming = selectors.next_transition(campaign)
        if upcoming is None:
            return "—"
        return f"{upcoming.get_phase_display()} · {timezone.localtime(upcoming.due_at):%Y-%m-%d %H:%M}"

    @admin.display(description=_("timeline"))
    def timeline_link(self, campaign):
        url = reverse("admin:campaigns_campaign_timeline", args=[campaign.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("timeline"))

    @admin.display(description=_("countdown page"))
    def countdown_link(self, campaign):
        if campaign is None or campaign.pk is None:
            return "—"
        return format_html('<a href="{0}" target="_blank" rel="noopener">{0}</a>', campaign.countdown_url)

    def save_model(self, request, obj, form, change):
        kwargs = form.service_kwargs()
        if change:
            services.campaign_update(campaign=obj, by=request.user, **kwargs)
            return
        campaign = services.campaign_create(
            workspace=form.cleaned_data["workspace"],
            group=form.cleaned_data["group"],
            by=request.user,
            **kwargs,
        )
        obj.pk, obj._state.adding = campaign.pk, False

    def save_formset(self, request, form, formset, change):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None)
            if not data or not inline_form.has_changed():
                continue
            try:
                if formset.model is Offer:
                    self._save_offer(request, form.instance, inline_form)
                elif formset.model is ScheduledMessage and inline_form.instance.pk is None:
                    if data.get("DELETE"):
                        continue
                    service, kwargs = inline_form.service_call()
                    formset.new_objects.append(service(by=request.user, **kwargs))
            except ValidationError as exc:  # a race since the form was checked
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        if formset.model is ScheduledMessage:
            for deleted in formset.deleted_forms:
                if deleted.instance.pk:
                    services.message_delete(message=deleted.instance, by=request.user)

    def _save_offer(self, request, campaign, inline_form):
        service, kwargs = inline_form.service_call()
        service(by=request.user, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view(self.timeline_view)
        return [
            path("<path:object_id>/timeline/", view, name="campaigns_campaign_timeline"),
            *super().get_urls(),
        ]

    def timeline_view(self, request, object_id):
        campaign = self.get_object(request, object_id)
        if campaign is None or not self.has_view_permission(request, campaign):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        schedule = selectors.schedule_of(campaign)
        start, end = schedule[0].due_at, schedule[-1].due_at
        span = max((end - start).total_seconds(), 1)
        now = timezone.now()
        rows = []
        for index, row in enumerate(schedule):
            finish = schedule[index + 1].due_at if index + 1 < len(schedule) else row.due_at
            rows.append(
                {
                    "row": row,
                    "left": round((row.due_at - start).total_seconds() / span * 100, 2),
                    "width": round(max((finish - row.due_at).total_seconds(), 0) / span * 100, 2),
                    "late": round((row.done_at - row.due_at).total_seconds(), 1) if row.done_at else None,
                    "messages": [m for m in campaign.messages.all() if m.phase == row.phase],
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "campaign": campaign,
            "rows": rows,
            "now_left": round(min(max((now - start).total_seconds() / span, 0), 1) * 100, 2),
            "offers": selectors.offer_list(campaign),
            "title": gettext("Timeline of %(name)s") % {"name": campaign.name},
            "phase_draft": CampaignPhase.DRAFT,
        }
        return TemplateResponse(request, "admin/campaigns/campaign/timeline.html", context)


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["member", "offer", "campaign", "seq", "remaining_after", "via", "created_at"]
    list_filter = ["via", "campaign"]
    search_fields = ["member__display_name", "member__external_id", "offer__name"]
    list_select_related = ["member", "offer", "campaign"]


class FollowUpForm(ServiceForm, forms.ModelForm):
    class Meta:
        model = FollowUpTask
        fields = FOLLOW_UP_FIELDS

    def service_call(self):
        return services.followup_update, {
            "task": self.instance,
            **{k: self.cleaned_data.get(k) for k in FOLLOW_UP_FIELDS},
        }


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(WorkspaceScopedAdmin):
    form = FollowUpForm
    list_display = ["member", "summary", "campaign", "assignee", "state", "created_at"]
    list_filter = ["state", "campaign", "assignee"]
    search_fields = ["member__display_name", "member__external_id", "summary", "note"]
    list_select_related = ["member", "campaign", "assignee"]
    readonly_fields = ["campaign", "member", "summary", "created_at", "done_at"]
    fields = ["campaign", "member", "summary", "assignee", "state", "note", "created_at", "done_at"]

    def has_add_permission(self, request, *args):
        return False  # made by the wrap-up

    def save_model(self, request, obj, form, change):
        service, kwargs = form.service_call()  # the call the form checked
        service(by=request.user, **kwargs)
