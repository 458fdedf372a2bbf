"""The content libraries: items, titles, FAQ answers, images and ABC scripts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from suo.fields import (
    WorkspaceTag,
    choice_field,
    created_at_field,
    optional_fk,
    updated_at_field,
    user_fk,
    valid_choice,
    workspace_fk,
)


class Category(models.TextChoices):
    PROMOTION = "promotion", _("Promotion")
    CONVERSION = "conversion", _("Conversion")
    BRAND = "brand", _("Brand")


class Method(models.TextChoices):
    ORIGINAL = "original", _("Original")
    REPOST = "repost", _("Repost")
    UGC = "ugc", _("User-generated")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    ARCHIVED = "archived", _("Archived")


class ContentTag(WorkspaceTag):
    class Meta(WorkspaceTag.Meta):
        verbose_name = _("content tag")
        verbose_name_plural = _("content tags")
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="content_tag_unique_name")]


def image_path(instance, filename: str) -> str:
    return f"content/{instance.workspace_id}/{filename}"


class LibraryImage(models.Model):
    """An uploaded picture, re-encoded from its pixels (no EXIF), with a thumbnail made by a task."""

    workspace = workspace_fk()
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("picture"), upload_to=image_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=image_path, max_length=200, blank=True)
    format = models.CharField(_("format"), max_length=8)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    tags = models.ManyToManyField(ContentTag, blank=True, related_name="images", verbose_name=_("tags"))
    created_by = user_fk()
    created_at = created_at_field(_("uploaded at"))

    class Meta:
        verbose_name = _("library image")
        verbose_name_plural = _("image library")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="content_image_ws_created")]

    def __str__(self) -> str:
        return self.title or self.file.name.rsplit("/", 1)[-1]


class ContentItem(models.Model):
    """A piece of content the team posts to groups."""

    workspace = workspace_fk()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("body"),
        max_length=5000,
        help_text=_("Plain text with simple formatting (line breaks, **bold**); links become tracked links."),
    )
    category = choice_field(_("purpose"), Category)
    method = choice_field(_("production method"), Method)
    status = choice_field(_("status"), ItemStatus, ItemStatus.DRAFT)
    tags = models.ManyToManyField(ContentTag, blank=True, related_name="items", verbose_name=_("tags"))
    images = models.ManyToManyField(LibraryImage, blank=True, related_name="items", verbose_name=_("images"))
    cloned_from = optional_fk("self", _("cloned from"), related_name="clones")
    created_by = user_fk()
    created_at = created_at_field()
    updated_at = updated_at_field()
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        verbose_name = _("content item")
        verbose_name_plural = _("content items")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "status"], name="content_item_ws_status"),
            models.Index(fields=["workspace", "category"], name="content_item_ws_category"),
        ]
        constraints = [
            valid_choice("category", Category, "content_item_category_valid"),
            valid_choice("method", Method, "content_item_method_valid"),
            valid_choice("status", ItemStatus, "content_item_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title


class TitleKind(models.TextChoices):
    HEADLINE = "headline", _("Headline")
    KEYWORD = "keyword", _("Long-tail keyword")


class Title(models.Model):
    """A headline or long-tail keyword to reuse when writing posts."""

    workspace = workspace_fk()
    text = models.CharField(_("text"), max_length=200)
    kind = choice_field(_("kind"), TitleKind, TitleKind.HEADLINE)
    tags = models.ManyToManyField(ContentTag, blank=True, related_name="titles", verbose_name=_("tags"))
    created_at = created_at_field()

    class Meta:
        verbose_name = _("title")
        verbose_name_plural = _("title library")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "text"], name="content_title_unique_text"),
            valid_choice("kind", TitleKind, "content_title_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.text


class Faq(models.Model):
    """A question members ask and the team's answer; searched by its jieba terms (FaqTerm)."""

    workspace = workspace_fk()
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), max_length=3000)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    term_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        verbose_name = _("FAQ answer")
        verbose_name_plural = _("FAQ library")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.question


class FaqTerm(models.Model):
    """One search term of an FAQ with its weighted frequency, written when the FAQ is saved."""

    workspace = workspace_fk(labelled=False)
    faq = models.ForeignKey(Faq, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["faq", "term"], name="content_faq_term_unique")]
        indexes = [models.Index(fields=["workspace", "term"], name="content_faq_term_ws_term")]

    def __str__(self) -> str:
        return f"{self.term} ×{self.weight:g}"


class AbcScript(models.Model):
    """A short dialogue for the atmosphere team: lines for the A (initiator), B and C positions."""

    workspace = workspace_fk()
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True, max_length=1000)
    created_at = created_at_field()

    class Meta:
        verbose_name = _("ABC script")
        verbose_name_plural = _("ABC scripts")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class AbcLine(models.Model):
    workspace = workspace_fk(labelled=False)
    script = models.ForeignKey(AbcScript, on_delete=models.CASCADE, related_name="lines")
    order = models.PositiveSmallIntegerField(_("order"))
    position = models.CharField(_("position"), max_length=1, choices=[("A", "A"), ("B", "B"), ("C", "C")])
    text = models.CharField(_("line"), max_length=500)

    class Meta:
        verbose_name = _("script line")
        verbose_name_plural = _("script lines")
        ordering = ["script", "order"]
        constraints = [
            models.UniqueConstraint(fields=["script", "order"], name="content_abc_line_unique_order"),
            models.CheckConstraint(
                condition=models.Q(position__in=["A", "B", "C"]), name="content_abc_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.text}"
