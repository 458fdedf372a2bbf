"""Writes of the content libraries: items, titles, FAQ answers, images and ABC scripts."""

from collections import Counter
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from content import search
from content.images import ImageRejected, clean_image, read_upload
from content.models import (
    AbcLine,
    AbcScript,
    Category,
    ContentItem,
    ContentTag,
    Faq,
    FaqTerm,
    ItemStatus,
    LibraryImage,
    Method,
    Title,
    TitleKind,
)
from content.selectors import item_flags
from content.services.common import locked_or_new, user_or_none
from suo.audit import audit_record, snapshot
from suo.db import save_or_field_error
from suo.models import Workspace
from suo.queue import enqueue_on_commit

MAX_TAGS = 20
# Where a term was found counts: the question is what members ask, keywords are chosen by the team.
FAQ_WEIGHTS = {"question": 2.0, "keywords": 3.0, "answer": 1.0}


def tags_for_names(*, workspace: Workspace, names: Iterable[str]) -> list[ContentTag]:
    """The workspace's content tags with these names, creating the missing ones."""
    clean = list(dict.fromkeys(name.strip() for name in names or [] if name and name.strip()))
    if len(clean) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(max)d tags.") % {"max": MAX_TAGS}})
    if any(len(name) > 32 for name in clean):
        raise ValidationError({"tags": _("A tag has at most 32 characters.")})
    if not clean:
        return []
    ContentTag.objects.bulk_create(
        [ContentTag(workspace=workspace, name=name) for name in clean], ignore_conflicts=True
    )
    return list(ContentTag.objects.filter(workspace=workspace, name__in=clean).order_by("name"))


def _check_choices(**values) -> None:
    allowed = {"category": Category.values, "method": Method.values, "status": ItemStatus.values}
    errors = {
        name: _("“%(value)s” is not one of: %(allowed)s.")
        % {"value": value, "allowed": ", ".join(allowed[name])}
        for name, value in values.items()
        if value not in allowed[name]
    }
    if errors:
        raise ValidationError(errors)


def _check_images(workspace: Workspace, images) -> list[LibraryImage]:
    images = list(images or [])
    if any(image.workspace_id != workspace.pk for image in images):
        raise ValidationError({"images": _("An image belongs to another workspace.")})
    return images


ITEM_FIELDS = ("title", "body", "category", "method", "status")


@transaction.atomic
def content_item_create(
    *,
    workspace: Workspace,
    title: str,
    body: str,
    category: str,
    method: str,
    status: str = ItemStatus.DRAFT,
    tags: Iterable[str] = (),
    images=(),
    cloned_from: ContentItem | None = None,
    by=None,
) -> ContentItem:
    _check_choices(category=category, method=method, status=status)
    item = ContentItem(
        workspace=workspace,
        title=title.strip(),
        body=body,
        category=category,
        method=method,
        status=status,
        cloned_from=cloned_from,
        created_by=user_or_none(by),
        archived_at=timezone.now() if status == ItemStatus.ARCHIVED else None,
    )
    item.full_clean(exclude=["workspace", "cloned_from", "created_by"])
    item.save()
    item.tags.set(tags_for_names(workspace=workspace, names=tags))
    item.images.set(_check_images(workspace, images))
    audit_record(actor=by, verb="content.item_created", target=item, after=snapshot(item, list(ITEM_FIELDS)))
    return item


@transaction.atomic
def content_item_update(*, item: ContentItem, by=None, tags=None, images=None, **changes) -> ContentItem:
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    before = snapshot(item, list(ITEM_FIELDS))
    _check_choices(**{k: v for k, v in changes.items() if k in ("category", "method", "status")})
    for name, value in changes.items():
        setattr(item, name, value.strip() if name == "title" else value)
    if "status" in changes:
        item.archived_at = (
            (item.archived_at or timezone.now()) if item.status == ItemStatus.ARCHIVED else None
        )
    item.full_clean(exclude=["workspace", "cloned_from", "created_by"])
    item.save()
    if tags is not None:
        item.tags.set(tags_for_names(workspace=item.workspace, names=tags))
    if images is not None:
        item.images.set(_check_images(item.workspace, images))
    audit_record(
        actor=by,
        verb="content.item_changed",
        target=item,
        before=before,
        after=snapshot(item, list(ITEM_FIELDS)),
    )
    return item


@transaction.atomic
def content_item_clone(*, item: ContentItem, by=None) -> ContentItem:
    """Clone as template: a draft copy (title, body, purpose, method, tags, images), linked by cloned-from."""
    clone = content_item_create(
        workspace=item.workspace,
        title=(_("%(title)s (copy)") % {"title": item.title})[:200],
        body=item.body,
        category=item.category,
        method=item.method,
        status=ItemStatus.DRAFT,
        tags=[tag.name for tag in item.tags.all()],
        images=list(item.images.all()),
        cloned_from=item,
        by=by,
    )
    return clone


@transaction.atomic
def content_items_archive(
    *, items: Iterable[ContentItem], by=None, verb: str = "content.item_archived"
) -> list[ContentItem]:
    """Archive items (pruning): they stay with their history, but are not posted again."""
    ids = [item.pk for item in items]
    now = timezone.now()
    archived = list(
        ContentItem.objects.select_for_update()
        .filter(pk__in=ids)
        .exclude(status=ItemStatus.ARCHIVED)
        .order_by("pk")
    )
    for item in archived:
        before = item.status
        item.status, item.archived_at = ItemStatus.ARCHIVED, now
        item.save(update_fields=["status", "archived_at", "updated_at"])
        audit_record(
            actor=by, verb=verb, target=item, before={"status": before}, after={"status": ItemStatus.ARCHIVED}
        )
    return archived


def content_prune(*, workspace: Workspace, by=None) -> list[ContentItem]:
    """Archive every item of the workspace that is flagged as a low performer right now."""
    low = [item_id for item_id, flags in item_flags(workspace=workspace).items() if "low" in flags]
    return content_items_archive(
        items=ContentItem.objects.filter(workspace=workspace, pk__in=low), by=by, verb="content.item_pruned"
    )


# --- titles ---------------------------------------------------------------------------------


@transaction.atomic
def title_save(
    *,
    workspace: Workspace,
    title: Title | None = None,
    text: str | None = None,
    kind: str | None = None,
    tags=None,
) -> Title:
    title = locked_or_new(Title, title, workspace=workspace)
    if text is not None:
        title.text = text.strip()
    if kind is not None:
        if kind not in TitleKind.values:
            raise ValidationError({"kind": _("Use headline or keyword.")})
        title.kind = kind
    title.full_clean(exclude=["workspace"], validate_unique=False, validate_constraints=False)
    save_or_field_error(title, field="text", message=_("This title is already in the library."))
    if tags is not None:
        title.tags.set(tags_for_names(workspace=workspace, names=tags))
    return title


# --- FAQ --------------------------------------------------------------------------------------


def _clean_keywords(keywords) -> list[str]:
    clean = list(dict.fromkeys(k.strip() for k in keywords or [] if k and k.strip()))
    if len(clean) > 30 or any(len(k) > 40 for k in clean):
        raise ValidationError({"keywords": _("At most 30 keywords of at most 40 characters each.")})
    return clean


def _faq_terms(faq: Faq) -> Counter:
    counted: Counter = Counter()
    counted.update(search.terms(faq.question, weight=FAQ_WEIGHTS["question"]))
    counted.update(search.terms(" ".join(faq.keywords), weight=FAQ_WEIGHTS["keywords"]))
    counted.update(search.terms(faq.answer, weight=FAQ_WEIGHTS["answer"]))
    return counted


@transaction.atomic
def faq_save(*, workspace: Workspace, faq: Faq | None = None, by=None, **fields) -> Faq:
    """Create or change an FAQ answer and store its search terms (tokenised once, here)."""
    unknown = set(fields) - {"question", "answer", "keywords"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    faq = locked_or_new(Faq, faq, workspace=workspace)
    for name in ("question", "answer"):
        if name in fields:
            setattr(faq, name, (fields[name] or "").strip())
    if "keywords" in fields:
        faq.keywords = _clean_keywords(fields["keywords"])
    faq.full_clean(exclude=["workspace"])
    counted = _faq_terms(faq)
    faq.term_count = round(sum(counted.values()))
    faq.save()
    FaqTerm.objects.filter(faq=faq).delete()
    FaqTerm.objects.bulk_create(
        [
            FaqTerm(workspace=workspace, faq=faq, term=term, weight=weight)
            for term, weight in sorted(counted.items())
        ]
    )
    return faq


# --- images -----------------------------------------------------------------------------------


@transaction.atomic
def image_upload(
    *, workspace: Workspace, upload, title: str = "", tags: Iterable[str] = (), by=None
) -> LibraryImage:
    """Store a checked, re-encoded copy of an uploaded picture; its thumbnail is made by a task.

    Raises ValidationError on `image` (code not_image, too_large, too_many_pixels, ...) and stores
    nothing when the upload is refused."""
    try:
        clean = clean_image(read_upload(upload))
    except ImageRejected as exc:
        raise ValidationError({"image": ValidationError(exc.message, code=exc.code)}) from None
    image = LibraryImage(
        workspace=workspace,
        title=(title or "").strip()[:200],
        format=clean.format,
        width=clean.width,
        height=clean.height,
        size_bytes=clean.file.size,
        created_by=user_or_none(by),
    )
    image.file.save(clean.file.name, clean.file, save=False)
    image.save()
    image.tags.set(tags_for_names(workspace=workspace, names=tags))
    enqueue_on_commit("content.tasks.image_thumbnail", image.pk)
    return image


@transaction.atomic
def image_update(*, image: LibraryImage, title: str | None = None, tags=None) -> LibraryImage:
    if title is not None:
        image.title = title.strip()[:200]
        image.save(update_fields=["title"])
    if tags is not None:
        image.tags.set(tags_for_names(workspace=image.workspace, names=tags))
    return image


def image_thumbnail_make(*, image_id: int) -> LibraryImage | None:
    """Make the thumbnail of a stored image once (the task and the sweep may both run)."""
    from content.images import thumbnail

    image = LibraryImage.objects.filter(pk=image_id, thumbnail="").first()
    if image is None:
        return None
    with image.file.open("rb") as stored:
        small = thumbnail(stored.read())
    name = image.thumbnail.field.generate_filename(image, small.name)
    name = image.thumbnail.storage.save(name, small)
    if not LibraryImage.objects.filter(pk=image_id, thumbnail="").update(thumbnail=name):
        image.thumbnail.storage.delete(name)  # another run was first
        return None
    image.thumbnail.name = name
    return image


# --- ABC scripts ------------------------------------------------------------------------------


def _clean_lines(lines) -> list[dict]:
    clean = []
    for index, line in enumerate(lines or []):
        position, text = str(line.get("position", "")).upper(), (line.get("text") or "").strip()
        if position not in ("A", "B", "C") or not text:
            raise ValidationError({f"lines.{index}": _("Each line has a position (A, B or C) and a text.")})
        clean.append({"position": position, "text": text[:500]})
    if not clean:
        raise ValidationError({"lines": _("A script has at least one line.")})
    return clean


@transaction.atomic
def abc_script_save(
    *, workspace: Workspace, script: AbcScript | None = None, title=None, notes=None, lines=None
) -> AbcScript:
    script = locked_or_new(AbcScript, script, workspace=workspace)
    if title is not None:
        script.title = title.strip()
    if notes is not None:
        script.notes = notes
    clean = _clean_lines(lines) if lines is not None or script.pk is None else None
    script.full_clean(exclude=["workspace"])
    script.save()
    if clean is not None:
        AbcLine.objects.filter(script=script).delete()
        AbcLine.objects.bulk_create(
            [
                AbcLine(workspace=workspace, script=script, order=i, **line)
                for i, line in enumerate(clean, start=1)
            ]
        )
    return script


@transaction.atomic
def library_delete(*, row: Title | Faq | AbcScript | LibraryImage, by=None) -> None:
    """Delete a title, FAQ answer, script or image (an image's files go once the deletion commits)."""
    files = [f.name for f in (getattr(row, "file", None), getattr(row, "thumbnail", None)) if f]
    storage = row.file.storage if isinstance(row, LibraryImage) else None
    audit_record(actor=by, verb="content.library_deleted", target=row, before={"repr": str(row)})
    row.delete()
    if storage is not None:
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
