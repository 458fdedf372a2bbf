"""Writes of live group codes: each function is one transaction and returns what it changed."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from links.codes import save_with_code
from links.livecodes.images import stored_copy
from links.livecodes.models import (
    DEFAULT_SCAN_LIMIT,
    LiveCode,
    LiveCodeEntry,
    RotationStrategy,
    default_entry_expiry,
    usable_entries_q,
)
from links.qr_upload import QrUpload
from links.validation import validate_antiblock, validate_antiblock_map, validate_platforms
from suo.models import Workspace
from suo.queue import enqueue_on_commit

MAX_ENTRIES = 100
MAX_SCAN_LIMIT = 1_000_000


# ---------------------------------------------------------------- live codes


def _check_strategy(strategy: str) -> str:
    if strategy not in RotationStrategy.values:
        raise ValidationError({"strategy": _("Rotation is fill_first, round_robin or least_scanned.")})
    return strategy


def _set_fallback_image(live_code: LiveCode, upload: QrUpload | None) -> None:
    old = live_code.fallback_image.name if live_code.fallback_image else ""
    if upload is None:
        live_code.fallback_image = ""
    else:
        copy = stored_copy(upload)
        live_code.fallback_image.save(copy.name, copy, save=False)
    if old:
        _delete_file_on_commit(live_code.fallback_image.storage, old)


@transaction.atomic
def live_code_create(
    *,
    workspace: Workspace,
    name: str,
    by=None,
    alias: str = "",
    strategy: str = RotationStrategy.FILL_FIRST,
    fallback_message: str = "",
    fallback_image: QrUpload | None = None,
    allowed_platforms: Iterable[str] = (),
    antiblock: str = "",
    antiblock_by_platform: dict | None = None,
    is_active: bool = True,
) -> LiveCode:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the live code a name.")})
    live_code = LiveCode(
        workspace=workspace,
        name=name,
        strategy=_check_strategy(strategy),
        fallback_message=(fallback_message or "").strip(),
        allowed_platforms=validate_platforms(allowed_platforms, "allowed_platforms"),
        antiblock=validate_antiblock(antiblock),
        antiblock_by_platform=validate_antiblock_map(antiblock_by_platform, "antiblock_by_platform"),
        is_active=is_active,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    if fallback_image is not None:
        _set_fallback_image(live_code, fallback_image)
    with _RemoveOnError(live_code.fallback_image):
        save_with_code(live_code, alias)
    return live_code


UPDATABLE = {
    "name",
    "strategy",
    "fallback_message",
    "allowed_platforms",
    "antiblock",
    "antiblock_by_platform",
    "is_active",
}


@transaction.atomic
def live_code_update(
    *,
    live_code: LiveCode,
    by=None,
    fallback_image: QrUpload | None = None,
    clear_fallback_image: bool = False,
    alias: str = "",
    **changes,
) -> LiveCode:
    """Change a live code; `fallback_image` replaces the picture, `clear_fallback_image` removes it."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    live_code = LiveCode.objects.select_for_update().get(pk=live_code.pk)
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise ValidationError({"name": _("Give the live code a name.")})
        live_code.name = name
    if "strategy" in changes:
        live_code.strategy = _check_strategy(changes["strategy"])
    if "fallback_message" in changes:
        live_code.fallback_message = (changes["fallback_message"] or "").strip()
    if "allowed_platforms" in changes:
        live_code.allowed_platforms = validate_platforms(changes["allowed_platforms"], "allowed_platforms")
    if "antiblock" in changes:
        live_code.antiblock = validate_antiblock(changes["antiblock"])
    if "antiblock_by_platform" in changes:
        live_code.antiblock_by_platform = validate_antiblock_map(
            changes["antiblock_by_platform"], "antiblock_by_platform"
        )
    if "is_active" in changes:
        live_code.is_active = bool(changes["is_active"])
    alias = alias if alias != live_code.code else ""
    if fallback_image is not None:
        _set_fallback_image(live_code, fallback_image)
    elif clear_fallback_image and live_code.fallback_image:
        _set_fallback_image(live_code, None)
    with _RemoveOnError(live_code.fallback_image if fallback_image is not None else None):
        if alias:
            save_with_code(live_code, alias)
        else:
            live_code.save()
    _check_alerts_later(live_code.pk)
    return live_code


@transaction.atomic
def live_code_delete(*, live_code: LiveCode) -> None:
    files = [e.image.name for e in live_code.entries.all() if e.image]
    if live_code.fallback_image:
        files.append(live_code.fallback_image.name)
    storage = LiveCodeEntry._meta.get_field("image").storage
    live_code.delete()
    for name in files:
        _delete_file_on_commit(storage, name)


# ---------------------------------------------------------------- entries


def _check_group(live_code: LiveCode, group):
    if group is not None and group.workspace_id != live_code.workspace_id:
        raise ValidationError({"group": _("This group belongs to another workspace.")})
    return group


def _check_limit(scan_limit) -> int:
    if scan_limit is None or not 1 <= int(scan_limit) <= MAX_SCAN_LIMIT:
        raise ValidationError(
            {"scan_limit": _("The scan limit must be between 1 and %(max)d.") % {"max": MAX_SCAN_LIMIT}}
        )
    return int(scan_limit)


def _check_expiry(expires_at) -> dt.datetime:
    if expires_at is None:
        raise ValidationError({"expires_at": _("Give an expiry time.")})
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry time must be in the future.")})
    return expires_at


@transaction.atomic
def entry_add(
    *,
    live_code: LiveCode,
    upload: QrUpload,
    by=None,
    group=None,
    label: str = "",
    scan_limit: int = DEFAULT_SCAN_LIMIT,
    expires_at: dt.datetime | None = None,
    is_active: bool = True,
    position: int | None = None,
) -> LiveCodeEntry:
    """Add a group's QR picture (already decoded by read_qr_upload) to a live code."""
    live_code = LiveCode.objects.select_for_update().get(pk=live_code.pk)
    entries = LiveCodeEntry.objects.filter(live_code=live_code)
    if entries.count() >= MAX_ENTRIES:
        raise ValidationError(
            {
                "image": _("A live code holds at most %(max)d group codes; delete old ones first.")
                % {"max": MAX_ENTRIES}
            }
        )
    entry = LiveCodeEntry(
        workspace_id=live_code.workspace_id,
        live_code=live_code,
        content=upload.text,
        content_hash=upload.content_hash,
        content_is_url=upload.result.is_url,
        group=_check_group(live_code, group),
        label=(label or "").strip(),
        scan_limit=_check_limit(scan_limit),
        expires_at=_check_expiry(expires_at) if expires_at is not None else default_entry_expiry(),
        is_active=is_active,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    if position is None:
        last = entries.order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    entry.position = position
    if entries.filter(content_hash=entry.content_hash).exists():
        raise ValidationError({"image": _("This QR code is already in the live code.")})
    copy = stored_copy(upload)
    entry.image.save(copy.name, copy, save=False)
    with _RemoveOnError(entry.image):
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:  # the same code uploaded twice at once
            raise ValidationError({"image": _("This QR code is already in the live code.")}) from None
    _check_alerts_later(live_code.pk)
    return entry


ENTRY_UPDATABLE = {"group", "label", "scan_limit", "expires_at", "is_active", "position"}


@transaction.atomic
def entry_update(*, entry: LiveCodeEntry, by=None, **changes) -> LiveCodeEntry:
    unknown = set(changes) - ENTRY_UPDATABLE
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    entry = LiveCodeEntry.objects.select_for_update().select_related("live_code").get(pk=entry.pk)
    if "group" in changes:
        entry.group = _check_group(entry.live_code, changes["group"])
    if "label" in changes:
        entry.label = (changes["label"] or "").strip()
    if "scan_limit" in changes:
        entry.scan_limit = _check_limit(changes["scan_limit"])
    if "expires_at" in changes:
        entry.expires_at = _check_expiry(changes["expires_at"])
    if "is_active" in changes:
        entry.is_active = bool(changes["is_active"])
    if "position" in changes and changes["position"] is not None:
        entry.position = int(changes["position"])
    entry.save()
    _check_alerts_later(entry.live_code_id)
    return entry


@transaction.atomic
def entry_delete(*, entry: LiveCodeEntry) -> None:
    live_code_id = entry.live_code_id
    name = entry.image.name
    storage = entry.image.storage
    entry.delete()
    if name:
        _delete_file_on_commit(storage, name)
    _check_alerts_later(live_code_id)


# ---------------------------------------------------------------- the scan


def live_code_pick_entry(*, live_code: LiveCode) -> LiveCodeEntry | None:
    """Choose the group a visitor is sent to and count the scan against its limit; None: all full.

    Exact under concurrency: the scan is claimed with one conditional UPDATE (`scans < scan_limit`,
    still active, not expired), and when another visitor took the last place first the next
    candidate is tried. fill_first needs nothing more; round_robin and least_scanned also lock the
    live code row while choosing, so concurrent visitors see each other's choices and the
    rotation stays even.
    """
    strategy = live_code.strategy
    with transaction.atomic():
        if strategy != RotationStrategy.FILL_FIRST:
            LiveCode.objects.select_for_update().filter(pk=live_code.pk).values_list("pk").first()
        now = timezone.now()  # after the lock: round_robin orders by the time of the last scan
        usable = LiveCodeEntry.objects.filter(usable_entries_q(now), live_code_id=live_code.pk)
        if strategy == RotationStrategy.ROUND_ROBIN:
            order = [F("last_scanned_at").asc(nulls_first=True), "position", "pk"]
        elif strategy == RotationStrategy.LEAST_SCANNED:
            order = ["scans", "position", "pk"]
        else:
            order = ["position", "pk"]
        for entry in usable.select_related("group").order_by(*order):
            claimed = LiveCodeEntry.objects.filter(usable_entries_q(now), pk=entry.pk).update(
                scans=F("scans") + 1, last_scanned_at=now
            )
            if claimed:
                entry.scans += 1
                entry.last_scanned_at = now
                entry.live_code = live_code
                return entry
    return None


# ---------------------------------------------------------------- helpers


def _check_alerts_later(live_code_id: int) -> None:
    enqueue_on_commit("links.livecodes.tasks.check_live_code_alerts", live_code_id)


def _delete_file_on_commit(storage, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


class _RemoveOnError:
    """Delete the file just written when the rest of the write fails (nothing stored on error)."""

    def __init__(self, field_file) -> None:
        self.storage = field_file.storage if field_file else None
        self.name = field_file.name if field_file else ""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and self.name:
            self.storage.delete(self.name)
        return False
