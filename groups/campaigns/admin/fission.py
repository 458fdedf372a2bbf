"""Lead-gen and fission in the admin: lures and their channels, referrals, rewards, conversions."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from groups.campaigns import services
from groups.campaigns.admin.common import ServiceForm
from groups.campaigns.models import Conversion, Lure, LureChannel, Referral, ReferralReward
from groups.readonly_admin import ReadOnlyAdmin, ReadOnlyInline
from links.livecodes.models import LiveCode
from suo.admin_scoping import WorkspaceScopedAdmin
from suo.tenancy import scoped_for_user


class LureForm(ServiceForm, forms.ModelForm):
    channel = forms.CharField(label=_("channel"), max_length=64, help_text=_("e.g. douyin, xiaohongshu."))
    url = forms.CharField(
        label=_("target URL"), required=False, help_text=_("A tracked short link is made for it.")
    )
    live_code = forms.ModelChoiceField(
        LiveCode.objects.none(), label=_("or a live group code"), required=False
    )

    class Meta:
        model = Lure
        fields = ["campaign", "name", "description"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        channel = {
            "channel": data.get("channel"),
            "url": data.get("url") or "",
            "live_code": data.get("live_code"),
        }
        return {
            "campaign": data.get("campaign"),
            "name": data.get("name"),
            "description": data.get("description") or "",
            "channels": [channel],
        }

    def service_call(self):
        return services.lure_create, self.service_kwargs()


class LureChannelInline(ReadOnlyInline):
    model = LureChannel
    fields = ["channel", "link", "live_code"]
    readonly_fields = fields


@admin.register(Lure)
class LureAdmin(WorkspaceScopedAdmin):
    form = LureForm
    list_display = ["name", "campaign", "created_at"]
    search_fields = ["name", "campaign__name"]
    list_select_related = ["campaign"]
    inlines = [LureChannelInline]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
            kwargs["fields"] = ["name", "description"]
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.base_fields["live_code"].queryset = scoped_for_user(LiveCode.objects.all(), request.user)
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["campaign", "name", "description", "channel", "url", "live_code"]
        return ["campaign", "name", "description"]

    def get_readonly_fields(self, request, obj=None):
        return ["campaign"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        lure = services.lure_create(by=request.user, **form.service_kwargs())
        obj.pk, obj._state.adding = lure.pk, False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = [
        "inviter",
        "invitee",
        "campaign",
        "joined_at",
        "qualifies_at",
        "state",
        "reason",
        "reward",
    ]
    list_filter = ["state", "reason", "campaign"]
    search_fields = ["inviter__display_name", "invitee__display_name"]
    list_select_related = ["inviter", "invitee", "campaign", "reward"]


@admin.register(ReferralReward)
class ReferralRewardAdmin(ReadOnlyAdmin):
    list_display = ["inviter", "campaign", "number", "reward", "granted_at"]
    list_filter = ["campaign"]
    list_select_related = ["inviter", "campaign"]


@admin.register(Conversion)
class ConversionAdmin(ReadOnlyAdmin):
    list_display = ["member", "campaign", "channel", "lure", "inviter", "converted_at"]
    list_filter = ["campaign", "channel"]
    search_fields = ["member__display_name", "member__external_id"]
    list_select_related = ["member", "campaign", "lure", "inviter"]
