from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from links.codes import alias_check
from links.models import AntiBlockMode, Click, Link, LinkSettings, LinkTag
from links.platforms import VisitorPlatform
from links.qr_decode import QrDecodeError, looks_like_url
from links.qr_upload import UPLOAD_HELP, read_qr_upload
from links.services import link_create, link_settings_for, link_settings_update, link_update
from links.validation import validate_antiblock_map, validate_blocked_domains, validate_target_url
from suo.admin_scoping import WorkspaceScopedAdmin
from suo.models import Workspace
from suo.tenancy import CONFIGURE_ROLES, READ_ROLES, scoped, workspace_ids


def _https_urls(db_field, **kwargs):
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class PublicCodeAdminForm(forms.ModelForm):
    """The fields a short link and a live group code share in the admin: the public code and
    the platform gate."""

    alias = forms.CharField(
        label=_("custom code"),
        required=False,
        max_length=64,
        help_text=_("Optional: 3–64 letters, digits, “-” or “_”. Empty: a random code."),
    )
    allowed_platforms = forms.MultipleChoiceField(
        label=_("allowed platforms"),
        choices=VisitorPlatform.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every platform may open it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["alias"].initial = self.instance.code


class QrPreviewMixin:
    """The saved object's QR code (of its `short_url`) with PNG and SVG downloads."""

    @admin.display(description=_("QR code"))
    def qr_preview(self, obj):
        if not obj.pk:
            return _("Shown after saving.")
        return format_html(
            '<img src="{0}.png?size=180" width="180" height="180" alt="QR"><br>'
            '<a href="{0}.png?size=1024" download>PNG</a> · <a href="{0}.svg" download>SVG</a>',
            obj.short_url,
        )


class LinkAdminForm(PublicCodeAdminForm):
    tag_names = forms.CharField(label=_("tags"), required=False, help_text=_("Separate tags with commas."))
    new_password = forms.CharField(
        label=_("password"),
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Visitors must enter it. Leave empty to keep the current one."),
    )
    remove_password = forms.BooleanField(label=_("remove the password"), required=False)

    class Meta:
        model = Link
        fields = [
            "workspace",
            "url",
            "title",
            "allowed_platforms",
            "antiblock",
            "expires_at",
            "max_clicks",
            "is_active",
            "source",
            "group",
        ]
        formfield_callback = _https_urls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(t.name for t in self.instance.tags.all())

    def clean_tag_names(self) -> list[str]:
        return [
            name.strip()
            for name in self.cleaned_data["tag_names"].replace("，", ",").split(",")
            if name.strip()
        ]

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace") or getattr(self.instance, "workspace", None)
        try:
            if workspace is not None and cleaned.get("url"):
                cleaned["url"] = validate_target_url(
                    cleaned["url"], blocked_domains=link_settings_for(workspace).blocked_domains
                )
            alias = cleaned.get("alias")
            if alias and alias != self.instance.code:
                alias_check(alias, model=Link)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = LinkTag.objects.order_by("name")
        if not request.user.is_superuser:
            tags = scoped(tags, workspace_ids(request.user, READ_ROLES))
        return [(name, name) for name in tags.values_list("name", flat=True).distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(tags__name=self.value()).distinct() if self.value() else queryset


class FromQrForm(forms.Form):
    workspace = forms.ModelChoiceField(label=_("workspace"), queryset=Workspace.objects.none())
    image = forms.FileField(label=_("QR picture"), required=False, help_text=UPLOAD_HELP)
    candidate = forms.CharField(widget=forms.HiddenInput, required=False)
    create = forms.BooleanField(
        label=_("create a short link"),
        required=False,
        initial=True,
        help_text=_("Untick to only read what the code says."),
    )
    title = forms.CharField(label=_("title"), required=False, max_length=200)
    alias = forms.CharField(label=_("custom code"), required=False, max_length=64)
    antiblock = forms.ChoiceField(
        label=_("anti-block mode"),
        required=False,
        choices=[("", _("Workspace default")), *AntiBlockMode.choices],
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("image") and not cleaned.get("candidate"):
            self.add_error("image", gettext("Choose a picture with a QR code."))
        return cleaned


class LinkFromQrAdminMixin:
    """Adds /admin/links/link/from-qr/: upload a picture, read its QR code, create a short link."""

    def get_urls(self):
        return [
            path("from-qr/", self.admin_site.admin_view(self.from_qr_view), name="links_link_from_qr"),
            *super().get_urls(),
        ]

    def from_qr_view(self, request):
        writable = None if request.user.is_superuser else workspace_ids(request.user, CONFIGURE_ROLES)
        if writable is not None and not writable:
            raise PermissionDenied
        workspaces = (
            Workspace.objects.all() if writable is None else Workspace.objects.filter(pk__in=writable)
        )
        form = FromQrForm(request.POST or None, request.FILES or None)
        form.fields["workspace"].queryset = workspaces.order_by("name")
        if workspaces.count() == 1:
            form.fields["workspace"].initial = workspaces.first().pk
        decoded = candidates = None
        error = ""
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            text = data["candidate"]
            if data.get("image"):
                try:
                    text = read_qr_upload(data["image"], candidate=data["candidate"]).text
                except QrDecodeError as exc:
                    error, candidates = exc.message, exc.candidates
                    text = ""
            if text:
                decoded = text
                if data["create"] and looks_like_url(text):
                    try:
                        link = link_create(
                            workspace=data["workspace"],
                            by=request.user,
                            url=text,
                            title=data["title"],
                            alias=data["alias"],
                            antiblock=data["antiblock"],
                        )
                    except ValidationError as exc:
                        error = " ".join(m for ms in exc.message_dict.values() for m in ms)
                    else:
                        self.message_user(
                            request,
                            gettext("Short link %(url)s created from the QR code.") % {"url": link.short_url},
                        )
                        return HttpResponseRedirect(reverse("admin:links_link_change", args=[link.pk]))
                elif data["create"]:
                    error = gettext(
                        "The QR code does not contain a web address, so no short link can point to it."
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Short link from a QR picture"),
            "form": form,
            "decoded": decoded,
            "candidates": candidates,
            "error": error,
        }
        return render(request, "admin/links/link/from_qr.html", context, status=400 if error else 200)


@admin.register(Link)
class LinkAdmin(LinkFromQrAdminMixin, QrPreviewMixin, WorkspaceScopedAdmin):
    form = LinkAdminForm
    change_list_template = "admin/links/link/change_list.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "code",
        "title",
        "short_url_with_copy",
        "click_count",
        "unique_click_count",
        "status_label",
        "tag_list",
        "created_at",
    ]
    list_filter = ["is_active", TagFilter, "antiblock"]
    search_fields = ["code", "title", "url"]
    readonly_fields = ["qr_preview", "click_count", "unique_click_count", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["workspace", "url", "alias", "title", "tag_names", "source", "group"]}),
        (
            _("Who may open it"),
            {"fields": ["allowed_platforms", "antiblock", "new_password", "remove_password"]},
        ),
        (_("Limits"), {"fields": ["is_active", "expires_at", "max_clicks"]}),
        (
            _("QR code and clicks"),
            {"fields": ["qr_preview", "click_count", "unique_click_count", "created_by", "created_at"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description=_("short link"))
    def short_url_with_copy(self, link: Link):
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener">{0}</a> '
            '<button type="button" class="button" '
            "onclick=\"navigator.clipboard.writeText('{0}')\">{1}</button>",
            link.short_url,
            _("Copy"),
        )

    @admin.display(description=_("status"))
    def status_label(self, link: Link) -> str:
        return link.state().label

    @admin.display(description=_("tags"))
    def tag_list(self, link: Link) -> str:
        return ", ".join(t.name for t in link.tags.all())

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "url": data["url"],
            "title": data.get("title", ""),
            "allowed_platforms": data.get("allowed_platforms", []),
            "antiblock": data.get("antiblock", ""),
            "expires_at": data.get("expires_at"),
            "max_clicks": data.get("max_clicks"),
            "source": data.get("source", ""),
            "tags": data.get("tag_names", []),
            "group": data.get("group"),
        }
        if data.get("new_password"):
            fields["password"] = data["new_password"]
        elif data.get("remove_password"):
            fields["password"] = ""
        if change:
            form.instance = link_update(
                link=obj,
                by=request.user,
                is_active=data.get("is_active", True),
                alias=data.get("alias", ""),
                **fields,
            )
        else:
            form.instance = link_create(
                workspace=data["workspace"], by=request.user, alias=data.get("alias", ""), **fields
            )
            if not data.get("is_active", True):
                form.instance = link_update(link=form.instance, is_active=False)
        obj.pk, obj.code = form.instance.pk, form.instance.code

    def save_related(self, request, form, formsets, change):
        # Tags were set by the service; the form has no many-to-many fields of its own.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class LinkSettingsAdminForm(forms.ModelForm):
    """Checked and cleaned by the rules the API and the service use: domains are stored in the
    form requests name hosts (suo.hosts), not as typed."""

    class Meta:
        model = LinkSettings
        fields = ["workspace", "antiblock_defaults", "blocked_domains"]

    def clean(self):
        cleaned = super().clean()
        try:
            if "blocked_domains" in cleaned:
                cleaned["blocked_domains"] = validate_blocked_domains(cleaned["blocked_domains"])
            if "antiblock_defaults" in cleaned:
                cleaned["antiblock_defaults"] = validate_antiblock_map(
                    cleaned["antiblock_defaults"], "antiblock_defaults"
                )
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


@admin.register(LinkSettings)
class LinkSettingsAdmin(WorkspaceScopedAdmin):
    form = LinkSettingsAdminForm
    list_display = ["workspace", "antiblock_defaults", "blocked_domains"]

    def save_model(self, request, obj, form, change):
        """Saved by the service the API uses (the form has shown its checks' errors already)."""
        saved = link_settings_update(
            workspace=obj.workspace,
            antiblock_defaults=obj.antiblock_defaults,
            blocked_domains=obj.blocked_domains,
        )
        obj.pk = saved.pk


@admin.register(Click)
class ClickAdmin(WorkspaceScopedAdmin):
    list_display = [
        "at",
        "link",
        "live_code",
        "live_code_entry",
        "platform",
        "os",
        "device",
        "referrer_host",
        "is_unique",
    ]
    list_filter = ["platform", "is_unique"]
    list_select_related = ["link", "live_code", "live_code_entry", "live_code_entry__group"]
    date_hierarchy = "at"
    search_fields = ["link__code", "referrer_host"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
