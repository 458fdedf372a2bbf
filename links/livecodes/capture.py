"""Scans of live group codes stored as clicks: the Links click capture's storage for `Visit`s that
carry a `live_code_id` (links.capture.store_visits hands them here, inside its transaction)."""

import datetime as dt
import uuid
from collections import Counter

from django.db.models import F

from links.livecodes.models import LiveCode, LiveCodeEntry
from links.models import Click
from links.platforms import os_and_device


def _unique_flags(visits) -> list[bool]:
    """A scan is unique when its visitor had no earlier scan of that live code that day."""
    seen = {
        (live_code_id, visitor, day.isoformat())
        for live_code_id, day, visitor in Click.objects.filter(
            live_code_id__in={v.live_code_id for v in visits},
            day__in={v.day for v in visits},
            visitor_hash__in={v.visitor for v in visits},
        )
        .values_list("live_code_id", "day", "visitor_hash")
        .distinct()
    }
    flags = []
    for visit in visits:
        key = (visit.live_code_id, visit.visitor, visit.day)
        flags.append(key not in seen)
        seen.add(key)
    return flags


def store_scans(visits, *, known_new: bool = False) -> int:
    """Insert scans as clicks and bump the live codes' counters; runs inside store_visits' transaction.

    Scans of a live code deleted while they waited in the buffer are dropped; a deleted entry only
    loses its reference (the scan still counts for the live code).
    """
    if not known_new:
        live = set(
            LiveCode.objects.filter(pk__in={v.live_code_id for v in visits}).values_list("pk", flat=True)
        )
        visits = [v for v in visits if v.live_code_id in live]
    if not visits:
        return 0
    if known_new:  # written in the request that chose the entry: it exists
        existing_entries = {v.entry_id for v in visits}
    else:  # from the buffer: an entry deleted meanwhile loses its reference, not the scan
        entry_ids = {v.entry_id for v in visits if v.entry_id is not None}
        existing_entries = (
            set(LiveCodeEntry.objects.filter(pk__in=entry_ids).values_list("pk", flat=True))
            if entry_ids
            else set()
        )
    clicks = []
    for visit, is_unique in zip(visits, _unique_flags(visits), strict=True):
        client = os_and_device(visit.user_agent)
        clicks.append(
            Click(
                event_id=uuid.UUID(visit.event_id),
                workspace_id=visit.workspace_id,
                live_code_id=visit.live_code_id,
                live_code_entry_id=visit.entry_id if visit.entry_id in existing_entries else None,
                at=dt.datetime.fromtimestamp(visit.at, tz=dt.UTC),
                day=dt.date.fromisoformat(visit.day),
                platform=visit.platform,
                os=client.os,
                device=client.device,
                referrer_host=visit.referrer_host,
                country=visit.country,
                visitor_hash=visit.visitor,
                is_unique=is_unique,
            )
        )
    Click.objects.bulk_create(clicks, batch_size=500)
    totals = Counter(c.live_code_id for c in clicks)
    uniques = Counter(c.live_code_id for c in clicks if c.is_unique)
    for live_code_id, total in totals.items():
        LiveCode.objects.filter(pk=live_code_id).update(
            scan_count=F("scan_count") + total,
            unique_scan_count=F("unique_scan_count") + uniques[live_code_id],
        )
    return len(clicks)
