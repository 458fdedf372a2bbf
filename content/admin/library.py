"""Admin of the content libraries; every write goes through content.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from content import selectors, services
from content.images import ImageRejected, clean_image, read_upload
from content.models import AbcScript, ContentItem, Faq, LibraryImage, Title
from suo.admin_scoping import WorkspaceScopedAdmin
from suo.tenancy import CONFIGURE_ROLES, workspace_ids


def split_names(value: str) -> list[str]:
    return [name.strip() for name in (value or "").replace("，", ",").split(",") if name.strip()]


class TagNamesForm(forms.ModelForm):
    tag_names = forms.CharField(label=_("tags"), required=False, help_text=_("Separate tags with commas."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(t.name for t in self.instance.tags.all())

    def clean_tag_names(self) -> list[str]:
        names = split_names(self.cleaned_data["tag_names"])
        if len(names) > services.library.MAX_TAGS or any(len(name) > 32 for name in names):
            raise ValidationError(_("At most 20 tags of at most 32 characters each."))
        return names


class ServiceAdmin(WorkspaceScopedAdmin):
    """The form validates; `save_with_services` writes; the form itself writes nothing."""

    def save_model(self, request, obj, form, change):
        saved = self.save_with_services(request, obj, form.cleaned_data, change)
        obj.pk = saved.pk
        form.instance = saved

    def save_with_services(self, request, obj, data: dict, change: bool):
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        pass  # many-to-many fields and inlines were written by the service


class ContentItemForm(TagNamesForm):
    class Meta:
        model = ContentItem
        fields = ["workspace", "title", "body", "category", "method", "status", "images"]


@admin.register(ContentItem)
class ContentItemAdmin(ServiceAdmin):
    form = ContentItemForm
    list_display = ["title", "category", "method", "status", "flag_list", "cloned_from", "created_at"]
    list_filter = ["category", "method", "status"]
    search_fields = ["title", "body"]
    readonly_fields = ["metrics_table", "flag_list", "cloned_from", "created_at"]
    filter_horizontal = ["images"]
    actions = ["clone_items", "archive_items", "prune_low_performers"]
    fieldsets = [
        (
            None,
            {"fields": ["workspace", "title", "body", "category", "method", "status", "tag_names", "images"]},
        ),
        (_("Performance"), {"fields": ["metrics_table", "flag_list", "cloned_from", "created_at"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        flags: dict[int, list[str]] = {}
        for workspace_id in queryset.values_list("workspace", flat=True).distinct().order_by():
            flags.update(selectors.item_flags(workspace=workspace_id))
        hits = [pk for pk, found in flags.items() if "hit" in found]
        lows = [pk for pk, found in flags.items() if "low" in found]
        return queryset.annotate(
            flag=Case(
                When(pk__in=hits, then=Value("hit")), When(pk__in=lows, then=Value("low")), default=Value("")
            )
        )

    @admin.display(description=_("flags"))
    def flag_list(self, item: ContentItem) -> str:
        labels = {"hit": gettext("Hit template"), "low": gettext("Low performer")}
        return labels.get(getattr(item, "flag", ""), "—")

    @admin.display(description=_("metrics"))
    def metrics_table(self, item: ContentItem):
        if not item.pk:
            return "—"
        m = selectors.item_metrics(item=item)
        cells = [
            (gettext("Posts"), m["posts"]),
            (gettext("Reach"), m["reach"]),
            (gettext("Opens"), f"{m['opens']} ({m['open_rate']:.1%})"),
            (gettext("Interactions"), f"{m['interactions']} ({m['interaction_rate']:.1%})"),
            (gettext("Shares"), f"{m['shares']} ({m['share_rate']:.1%})"),
        ]
        head = format_html_join("", "<th>{}</th>", ((label,) for label, _value in cells))
        row = format_html_join("", "<td>{}</td>", ((value,) for _label, value in cells))
        return format_html("<table><tr>{}</tr><tr>{}</tr></table>", head, row)

    def save_with_services(self, request, obj, data, change):
        fields = {name: data[name] for name in ("title", "body", "category", "method", "status")}
        if change:
            return services.content_item_update(
                item=obj, by=request.user, tags=data["tag_names"], images=list(data["images"]), **fields
            )
        return services.content_item_create(
            workspace=data["workspace"],
            by=request.user,
            tags=data["tag_names"],
            images=list(data["images"]),
            **fields,
        )

    def _writable(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        return queryset.filter(workspace__in=workspace_ids(request.user, CONFIGURE_ROLES))

    @admin.action(description=_("Clone as template (a draft copy)"))
    def clone_items(self, request, queryset):
        clones = [
            services.content_item_clone(item=item, by=request.user)
            for item in self._writable(request, queryset)
        ]
        self.message_user(request, gettext("%(n)d draft copies made.") % {"n": len(clones)}, messages.SUCCESS)

    @admin.action(description=_("Archive the selected items"))
    def archive_items(self, request, queryset):
        archived = services.content_items_archive(items=self._writable(request, queryset), by=request.user)
        self.message_user(request, gettext("%(n)d items archived.") % {"n": len(archived)}, messages.SUCCESS)

    @admin.action(description=_("Prune: archive the low performers of these workspaces"))
    def prune_low_performers(self, request, queryset):
        workspaces = {
            item.workspace for item in self._writable(request, queryset).select_related("workspace")
        }
        archived = [
            item for ws in workspaces for item in services.content_prune(workspace=ws, by=request.user)
        ]
        self.message_user(
            request, gettext("%(n)d low performers archived.") % {"n": len(archived)}, messages.SUCCESS
        )


class TitleForm(TagNamesForm):
    class Meta:
        model = Title
        fields = ["workspace", "text", "kind"]


@admin.register(Title)
class TitleAdmin(ServiceAdmin):
    form = TitleForm
    list_display = ["text", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["text"]

    def save_with_services(self, request, obj, data, change):
        return services.title_save(
            workspace=data["workspace"],
            title=obj if change else None,
            text=data["text"],
            kind=data["kind"],
            tags=data["tag_names"],
        )


class FaqForm(forms.ModelForm):
    keyword_text = forms.CharField(
        label=_("keywords"), required=False, help_text=_("Separate keywords with commas.")
    )

    class Meta:
        model = Faq
        fields = ["workspace", "question", "answer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["keyword_text"].initial = ", ".join(self.instance.keywords)


@admin.register(Faq)
class FaqAdmin(ServiceAdmin):
    form = FaqForm
    list_display = ["question", "updated_at"]
    search_fields = ["question", "answer"]

    def save_with_services(self, request, obj, data, change):
        return services.faq_save(
            workspace=data["workspace"],
            faq=obj if change else None,
            by=request.user,
            question=data["question"],
            answer=data["answer"],
            keywords=split_names(data["keyword_text"]),
        )


class ImageForm(TagNamesForm):
    upload = forms.FileField(
        label=_("picture"), required=False, help_text=_("JPEG, PNG, WebP or GIF; at most 10 MB.")
    )

    class Meta:
        model = LibraryImage
        fields = ["workspace", "title"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if self.instance.pk is None:
            if upload is None:
                raise ValidationError(_("Choose a picture."))
            try:
                clean_image(read_upload(upload))
            except ImageRejected as exc:
                raise ValidationError(exc.message, code=exc.code) from None
        return upload


@admin.register(LibraryImage)
class LibraryImageAdmin(ServiceAdmin):
    form = ImageForm
    list_display = ["preview", "title", "format", "width", "height", "created_at"]
    search_fields = ["title"]
    readonly_fields = ["preview", "format", "width", "height", "size_bytes"]

    @admin.display(description=_("picture"))
    def preview(self, image: LibraryImage):
        if not image.pk:
            return "—"
        kind = "thumbnail" if image.thumbnail else "file"
        return format_html(
            '<img src="{}" style="max-height:80px;max-width:120px" alt="">',
            reverse("content-image", args=[image.pk, kind]),
        )

    def save_with_services(self, request, obj, data, change):
        if change:
            return services.image_update(image=obj, title=data["title"], tags=data["tag_names"])
        return services.image_upload(
            workspace=data["workspace"],
            upload=data["upload"],
            title=data["title"],
            tags=data["tag_names"],
            by=request.user,
        )


class AbcScriptForm(forms.ModelForm):
    line_text = forms.CharField(
        label=_("lines"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One line each, starting with its position: “A：今天的福利大家抢到了吗？”"),
    )

    class Meta:
        model = AbcScript
        fields = ["workspace", "title", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["line_text"].initial = "\n".join(
                f"{line.position}：{line.text}" for line in self.instance.lines.all()
            )

    def clean_line_text(self) -> list[dict]:
        lines = []
        for raw in self.cleaned_data["line_text"].splitlines():
            raw = raw.strip()
            if not raw:
                continue
            position, _sep, text = raw.replace("：", ":", 1).partition(":")
            if position.strip().upper() not in ("A", "B", "C") or not text.strip():
                raise ValidationError(
                    _("Start each line with A, B or C and a colon: “%(line)s”.") % {"line": raw}
                )
            lines.append({"position": position.strip().upper(), "text": text.strip()})
        return lines


@admin.register(AbcScript)
class AbcScriptAdmin(ServiceAdmin):
    form = AbcScriptForm
    list_display = ["title", "created_at"]
    search_fields = ["title"]

    def save_with_services(self, request, obj, data, change):
        return services.abc_script_save(
            workspace=data["workspace"],
            script=obj if change else None,
            title=data["title"],
            notes=data["notes"],
            lines=data["line_text"],
        )
