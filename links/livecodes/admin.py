"""Admin of live group codes (with their group QR pictures inline) and their alerts."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from links.admin import PublicCodeAdminForm, QrPreviewMixin
from links.codes import alias_check
from links.livecodes.alerts import alert_message, alerts_mark_read
from links.livecodes.images import entry_image_url
from links.livecodes.models import (
    DEFAULT_SCAN_LIMIT,
    LiveCode,
    LiveCodeAlert,
    LiveCodeEntry,
    default_entry_expiry,
)
from links.livecodes.selectors import live_codes_with_counts
from links.livecodes.services import (
    entry_add,
    entry_delete,
    entry_update,
    live_code_create,
    live_code_update,
)
from links.qr_decode import QrDecodeError
from links.qr_upload import UPLOAD_HELP, qr_error_text, read_qr_upload
from suo.admin_scoping import WorkspaceScopedAdmin, WorkspaceScopedInline
from suo.tenancy import CONFIGURE_ROLES, workspace_ids

# ---------------------------------------------------------------- live codes


class LiveCodeAdminForm(PublicCodeAdminForm):
    fallback_upload = forms.FileField(
        label=_("customer-service QR code"), required=False, help_text=UPLOAD_HELP
    )
    remove_fallback = forms.BooleanField(label=_("remove the customer-service QR code"), required=False)

    class Meta:
        model = LiveCode
        fields = [
            "workspace",
            "name",
            "strategy",
            "fallback_message",
            "allowed_platforms",
            "antiblock",
            "is_active",
        ]

    def clean_alias(self):
        alias = self.cleaned_data.get("alias", "")
        if alias and alias != self.instance.code:
            try:
                alias_check(alias, model=LiveCode)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["alias"]) from None
        return alias

    def clean_fallback_upload(self):
        upload = self.cleaned_data.get("fallback_upload")
        if not upload:
            return None
        try:
            return read_qr_upload(upload)
        except QrDecodeError as exc:
            raise ValidationError(qr_error_text(exc), code=exc.code) from None


class EntryInlineForm(forms.ModelForm):
    upload = forms.FileField(label=_("group QR image"), required=False, help_text=UPLOAD_HELP)

    class Meta:
        model = LiveCodeEntry
        fields = ["group", "label", "scan_limit", "expires_at", "is_active", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["expires_at"].initial = default_entry_expiry
            self.fields["scan_limit"].initial = DEFAULT_SCAN_LIMIT

    def has_changed(self):
        # A blank extra row (its expiry default is "now + 7 days", never equal twice) is not a new entry.
        if self.instance.pk:
            return super().has_changed()
        return self.add_prefix("upload") in self.files or any(
            self.data.get(self.add_prefix(name)) for name in ("label", "group")
        )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if not self.instance.pk:
            if not upload:
                self.add_error("upload", gettext("Upload the group's QR picture."))
                return cleaned
            try:
                cleaned["decoded"] = read_qr_upload(upload)
            except QrDecodeError as exc:
                self.add_error("upload", qr_error_text(exc))
        elif upload:
            self.add_error("upload", gettext("A new picture is a new entry: add it as another row."))
        expires_at = cleaned.get("expires_at")
        if "expires_at" in self.changed_data and expires_at and expires_at <= timezone.now():
            self.add_error("expires_at", gettext("The expiry time must be in the future."))
        return cleaned


ENTRY_FIELDS = ("group", "label", "scan_limit", "expires_at", "is_active", "position")


class EntryInline(WorkspaceScopedInline):
    model = LiveCodeEntry
    form = EntryInlineForm
    extra = 1
    fields = [
        "preview",
        "upload",
        "content",
        "group",
        "label",
        "scan_limit",
        "scans",
        "expires_at",
        "is_active",
        "position",
        "state_label",
    ]
    readonly_fields = ["preview", "content", "scans", "state_label"]
    ordering = ["position", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("live_code", "group")

    @admin.display(description=_("picture"))
    def preview(self, entry):
        if not entry.pk:
            return "—"
        return format_html(
            '<img src="{}" width="96" height="96" style="object-fit:contain" alt="QR">',
            entry_image_url(entry, preview=True),
        )

    @admin.display(description=_("status"))
    def state_label(self, entry):
        return entry.state().label if entry.pk else "—"


@admin.register(LiveCode)
class LiveCodeAdmin(QrPreviewMixin, WorkspaceScopedAdmin):
    form = LiveCodeAdminForm
    inlines = [EntryInline]
    list_display = [
        "name",
        "public_url",
        "strategy",
        "usable_entries",
        "scan_count",
        "open_alerts",
        "is_active",
    ]
    list_filter = ["is_active", "strategy"]
    search_fields = ["name", "code"]
    readonly_fields = ["qr_preview", "scan_count", "unique_scan_count", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["workspace", "name", "alias", "strategy", "is_active"]}),
        (_("Who may open it"), {"fields": ["allowed_platforms", "antiblock"]}),
        (
            _("When every group is full"),
            {"fields": ["fallback_message", "fallback_upload", "remove_fallback"]},
        ),
        (
            _("QR code and scans"),
            {"fields": ["qr_preview", "scan_count", "unique_scan_count", "created_by", "created_at"]},
        ),
    ]

    def get_queryset(self, request):
        return live_codes_with_counts(super().get_queryset(request))

    @admin.display(description=_("address"))
    def public_url(self, live_code):
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener">{0}</a> '
            '<button type="button" class="button" '
            "onclick=\"navigator.clipboard.writeText('{0}')\">{1}</button>",
            live_code.short_url,
            gettext("Copy"),
        )

    @admin.display(description=_("groups in rotation"), ordering="usable_count")
    def usable_entries(self, live_code):
        return f"{live_code.usable_count} / {live_code.entry_count}"

    @admin.display(description=_("open alerts"), ordering="open_alert_count")
    def open_alerts(self, live_code):
        if not live_code.open_alert_count:
            return "0"
        url = reverse("admin:links_livecodealert_changelist")
        return format_html(
            '<a href="{}?live_code__id__exact={}&open=1">⚠ {}</a>',
            url,
            live_code.pk,
            live_code.open_alert_count,
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "strategy": data["strategy"],
            "fallback_message": data.get("fallback_message", ""),
            "allowed_platforms": data.get("allowed_platforms", []),
            "antiblock": data.get("antiblock", ""),
            "is_active": data.get("is_active", True),
        }
        if change:
            form.instance = live_code_update(
                live_code=obj,
                by=request.user,
                alias=data.get("alias", ""),
                fallback_image=data.get("fallback_upload"),
                clear_fallback_image=bool(data.get("remove_fallback")),
                **fields,
            )
        else:
            form.instance = live_code_create(
                workspace=data["workspace"],
                by=request.user,
                alias=data.get("alias", ""),
                fallback_image=data.get("fallback_upload"),
                **fields,
            )
        obj.pk, obj.code = form.instance.pk, form.instance.code

    def save_formset(self, request, form, formset, change):
        if formset.model is not LiveCodeEntry:
            return super().save_formset(request, form, formset, change)
        live_code = form.instance
        deleted = formset.deleted_forms
        # The admin's change message reads these three lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for entry_form in formset.forms:
            entry = entry_form.instance
            if entry_form in deleted:
                if entry.pk:
                    entry_delete(entry=entry)
                    formset.deleted_objects.append(entry)
                continue
            if not entry_form.has_changed():
                continue
            data = entry_form.cleaned_data
            if entry.pk:
                changed = {name: data.get(name) for name in ENTRY_FIELDS if name in entry_form.changed_data}
                if changed:
                    entry = entry_update(entry=entry, by=request.user, **changed)
                    formset.changed_objects.append((entry, list(changed)))
            else:
                values = {name: data.get(name) for name in ENTRY_FIELDS}
                formset.new_objects.append(
                    entry_add(live_code=live_code, upload=data["decoded"], by=request.user, **values)
                )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Services raise ValidationError for what a form cannot see (e.g. a group of another
        # workspace): the whole save is rolled back and the reason shown, instead of a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    self.message_user(request, f"{field}: {error}", level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# ---------------------------------------------------------------- alerts


class NotYetFilter(admin.SimpleListFilter):
    """ "1": rows whose `field` (a moment) is still empty; "0": rows where it is set."""

    field = ""
    labels: tuple = ()  # for "1", then for "0"

    def lookups(self, request, model_admin):
        return list(zip(("1", "0"), self.labels, strict=True))

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(**{f"{self.field}__isnull": self.value() == "1"})
        return queryset


class OpenFilter(NotYetFilter):
    title = _("condition")
    parameter_name = "open"
    field = "resolved_at"
    labels = (_("Still holds"), _("Resolved"))


class ReadFilter(NotYetFilter):
    title = _("read")
    parameter_name = "unread"
    field = "read_at"
    labels = (_("Unread"), _("Read"))


@admin.register(LiveCodeAlert)
class LiveCodeAlertAdmin(WorkspaceScopedAdmin):
    list_display = ["created_at", "kind", "message", "live_code", "is_open_flag", "read_at"]
    list_filter = [OpenFilter, ReadFilter, "kind"]
    list_select_related = ["live_code"]
    search_fields = ["live_code__name", "live_code__code"]
    actions = ["mark_read"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("message"))
    def message(self, alert):
        return alert_message(alert)

    @admin.display(description=_("still holds"), boolean=True)
    def is_open_flag(self, alert):
        return alert.is_open

    @admin.action(description=_("Mark as read"))
    def mark_read(self, request, queryset):
        if not request.user.is_superuser:
            queryset = queryset.filter(workspace_id__in=workspace_ids(request.user, CONFIGURE_ROLES))
        count = alerts_mark_read(alerts=queryset, by=request.user)
        self.message_user(request, gettext("%(count)d alerts marked as read.") % {"count": count})

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser and not workspace_ids(request.user, CONFIGURE_ROLES):
            actions.pop("mark_read", None)
        return actions
