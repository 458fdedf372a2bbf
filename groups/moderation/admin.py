"""The operators' console for moderation: the code of conduct, ladders, violations (revoke with a
reason), penalties and appeals (accept or reject with a reason). Imported by groups/admin.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from groups.models import Appeal, AppealState, Ladder, Penalty, Rule, Violation
from groups.models.moderation import LadderStep
from groups.moderation import conduct, services
from groups.readonly_admin import ReadOnlyAdmin, ReadOnlyInline
from suo.admin_scoping import (
    AddThenShowMixin,
    ServiceDeleteMixin,
    WorkspaceScopedAdmin,
    WorkspaceScopedInline,
)
from suo.tenancy import CONFIGURE_ROLES, MODERATE_ROLES

# --- the code of conduct ------------------------------------------------------------------------


@admin.register(Rule)
class RuleAdmin(ServiceDeleteMixin, WorkspaceScopedAdmin):
    list_display = ["title", "category", "severity", "where", "position", "is_active", "violation_count"]
    list_filter = ["category", "severity", "is_active", "community_kind"]
    search_fields = ["title", "description"]
    list_select_related = ["community"]
    fields = ["workspace", *conduct.RULE_FIELDS]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(violations_logged=Count("violations"))

    @admin.display(description=_("applies to"))
    def where(self, rule):
        if rule.community_id:
            return rule.community.name
        if rule.community_kind:
            return rule.get_community_kind_display()
        return gettext("every group")

    @admin.display(description=_("violations"), ordering="violations_logged")
    def violation_count(self, rule):
        return rule.violations_logged

    def save_model(self, request, obj, form, change):
        self.ensure_may_write(request, obj)
        conduct.rule_save(rule=obj, by=request.user)

    def delete_service(self, request, obj):
        conduct.rule_delete(rule=obj, by=request.user)


# --- ladders --------------------------------------------------------------------------------------


class LadderStepInline(WorkspaceScopedInline):
    model = LadderStep
    extra = 0
    min_num = 1
    fields = ["position", "action", "mute_minutes"]
    ordering = ["position", "pk"]


@admin.register(Ladder)
class LadderAdmin(ServiceDeleteMixin, WorkspaceScopedAdmin):
    """The ladder and its steps are saved together by conduct.ladder_save, as through the API."""

    fields = ["workspace", "name", "is_default", "window_days", "scope"]
    list_display = ["name", "is_default", "steps_text", "window_days", "scope", "updated_at"]
    list_filter = ["is_default", "scope"]
    search_fields = ["name"]
    inlines = [LadderStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description=_("steps"))
    def steps_text(self, ladder):
        steps = sorted(ladder.steps.all(), key=lambda step: (step.position, step.pk))
        return " → ".join(str(step) for step in steps) or "—"

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        self.ensure_may_write(request, obj)  # saved with its steps in save_related

    def save_related(self, request, form, formsets, change):
        [steps] = formsets
        kept = [f for f in steps.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        kept.sort(key=lambda f: f.cleaned_data.get("position") or 0)
        form.instance = conduct.ladder_save(
            ladder=form.instance,
            by=request.user,
            steps=[
                {"action": f.cleaned_data["action"], "mute_minutes": f.cleaned_data.get("mute_minutes")}
                for f in kept
            ],
            **{name: form.cleaned_data[name] for name in ("name", "is_default", "window_days", "scope")},
        )
        # The change message reads these; the steps were written by the service.
        steps.new_objects, steps.changed_objects, steps.deleted_objects = [], [], []

    def delete_refusal(self, obj):
        return conduct.ladder_delete_refusal(obj)

    def delete_service(self, request, obj):
        conduct.ladder_delete(ladder=obj, by=request.user)


# --- violations, penalties, appeals -----------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=services.REASON_MAX)


class DecisionForm(ReasonForm):
    decision = forms.ChoiceField(
        label=_("decision"), choices=[("accept", _("Accept: revoke the violation")), ("reject", _("Reject"))]
    )


class DecisionMixin:
    """A button on a row's change page that owners and operators press (revoke a violation, decide an
    appeal): POST <pk>/<decision_path>/ (URL name app_model_<decision_path>), checked by
    `decision_form`, carried out by `decide()`, then back to the change page with a message."""

    decision_path: str
    decision_form: type[forms.Form]
    decision_invalid: str  # the message when the form is not valid
    decision_done: str

    def decide(self, request, obj, cleaned_data) -> None:
        raise NotImplementedError

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                f"<int:pk>/{self.decision_path}/",
                self.admin_site.admin_view(require_POST(self.decision_view)),
                name=f"{opts.app_label}_{opts.model_name}_{self.decision_path}",
            ),
            *super().get_urls(),
        ]

    def decision_view(self, request, pk):
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None:
            raise Http404
        if not self._may(request, obj, CONFIGURE_ROLES):
            raise PermissionDenied
        form = self.decision_form(request.POST)
        if not form.is_valid():
            self.message_user(request, gettext(self.decision_invalid), messages.ERROR)
        else:
            try:
                self.decide(request, obj, form.cleaned_data)
                self.message_user(request, gettext(self.decision_done))
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk]))


class AppealInline(ReadOnlyInline):
    model = Appeal
    fields = ["filed_at", "statement", "state", "filed_by", "decided_by", "decided_at", "decision_reason"]
    readonly_fields = fields


@admin.register(Violation)
class ViolationAdmin(DecisionMixin, ReadOnlyAdmin):
    # Read-only: logged on the violation desk (/desk/) or through the API, revoked with its button.
    admin_write_roles = CONFIGURE_ROLES
    change_form_template = "admin/groups/violation/change_form.html"
    decision_path = "revoke"
    decision_form = ReasonForm
    decision_invalid = gettext_noop("Give a reason to revoke the violation.")
    decision_done = gettext_noop("The violation was revoked.")
    change_list_template = "admin/groups/violation/change_list.html"
    list_display = [
        "created_at",
        "member",
        "community",
        "rule",
        "step",
        "action_label",
        "logged_by",
        "revoked",
    ]
    list_filter = ["action", "rule__category", ("revoked_at", admin.EmptyFieldListFilter), "community__kind"]
    search_fields = ["member__display_name", "member__external_id", "note", "community__name"]
    list_select_related = ["member", "community", "rule", "logged_by"]
    date_hierarchy = "created_at"
    inlines = [AppealInline]
    fields = [
        "member",
        "community",
        "rule",
        "severity",
        "ladder",
        "step",
        "action_label",
        "counted_before",
        "note",
        "screenshot_link",
        "logged_by",
        "created_at",
        "penalty_text",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
    readonly_fields = fields

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, violation):
        return violation.action_display

    @admin.display(description=_("revoked"), boolean=True)
    def revoked(self, violation):
        return violation.revoked_at is not None

    @admin.display(description=_("screenshot"))
    def screenshot_link(self, violation):
        if not violation.screenshot:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("desk-screenshot", args=[violation.pk]),
            gettext("Open the screenshot"),
        )

    @admin.display(description=_("penalty"))
    def penalty_text(self, violation):
        penalty = Penalty.objects.filter(violation=violation).first()
        if penalty is None:
            return "—"
        until = f" → {penalty.ends_at:%Y-%m-%d %H:%M}" if penalty.ends_at else ""
        return f"{penalty.get_action_display()} · {penalty.get_state_display()}{until}"

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["may_revoke"] = (
            obj is not None and obj.revoked_at is None and self._may(request, obj, CONFIGURE_ROLES)
        )
        context["reason_form"] = ReasonForm()
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def decide(self, request, violation, cleaned_data) -> None:
        services.violation_revoke(violation=violation, by=request.user, reason=cleaned_data["reason"])


@admin.register(Penalty)
class PenaltyAdmin(ReadOnlyAdmin):
    list_display = ["starts_at", "member", "community", "action", "state", "ends_at", "ended_at"]
    list_filter = ["action", "state"]
    search_fields = ["member__display_name", "member__external_id"]
    list_select_related = ["member", "community"]
    readonly_fields = [
        "violation",
        "member",
        "community",
        "action",
        "state",
        "starts_at",
        "ends_at",
        "ended_at",
    ]
    fields = readonly_fields


class AppealAddForm(forms.ModelForm):
    class Meta:
        model = Appeal
        fields = ["violation", "statement"]


@admin.register(Appeal)
class AppealAdmin(DecisionMixin, AddThenShowMixin, WorkspaceScopedAdmin):
    admin_write_roles = MODERATE_ROLES
    change_form_template = "admin/groups/appeal/change_form.html"
    decision_path = "decide"
    decision_form = DecisionForm
    decision_invalid = gettext_noop("Choose a decision and give a reason.")
    decision_done = gettext_noop("The appeal was decided.")
    list_display = ["filed_at", "violation", "member", "state", "filed_by", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["violation__member__display_name", "statement"]
    list_select_related = ["violation__member", "violation__rule", "filed_by", "decided_by"]
    raw_id_fields = ["violation"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AppealAddForm
        return super().get_form(request, obj, **kwargs)

    add_fields = ["violation", "statement"]
    shown_fields = [
        "violation",
        "member",
        "statement",
        "state",
        "filed_by",
        "filed_at",
        "decided_by",
        "decided_at",
        "decision_reason",
    ]

    @admin.display(description=_("member"))
    def member(self, appeal):
        return appeal.violation.member.display_name

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        violation = form.cleaned_data["violation"]
        if not self._may(request, violation, MODERATE_ROLES):
            raise PermissionDenied
        appeal = services.appeal_file(violation=violation, statement=obj.statement, by=request.user)
        obj.pk = appeal.pk

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["may_decide"] = (
            obj is not None and obj.state == AppealState.PENDING and self._may(request, obj, CONFIGURE_ROLES)
        )
        context["decision_form"] = DecisionForm()
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def decide(self, request, appeal, cleaned_data) -> None:
        services.appeal_decide(
            appeal=appeal,
            accept=cleaned_data["decision"] == "accept",
            reason=cleaned_data["reason"],
            by=request.user,
        )
