"""Alerts for operators: a group nearly full or about to expire, or no group left to send people to.

    live_code_alerts_check(live_code_id=...)   after scans (deferred to Celery) and after edits
    live_code_alerts_sweep()                   every few minutes from beat: expiry needs no scan

Idempotent: one open alert per condition (a partial unique index), so checking twice, or two
workers checking at once, raises it once. An alert whose condition cleared (limit raised, expiry
extended, a new group uploaded) is resolved; if the condition comes back it is a new alert.
Each new alert is stored (listed in the admin and the API) and sent as a `livecode.alert` webhook.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from links.livecodes.models import AlertKind, LiveCode, LiveCodeAlert, LiveCodeEntry, usable_entries_q
from suo.db import save_unless_taken
from suo.webhooks import webhook_emit_many

EVENT_TYPE = "livecode.alert"
EVENT_LABEL = gettext_lazy("A live group code needs attention (group nearly full, expiring, or none left)")
NEARLY_FULL_SHARE = 0.2  # alert when at most 20% of the scan limit is left
EXPIRY_WARNING = dt.timedelta(hours=24)


def _nearly_full(entries):
    """Entries with at most 20% of their limit left; in integers: scans * 5 >= limit * 4."""
    return entries.alias(fill_margin=F("scans") * 5 - F("scan_limit") * 4).filter(fill_margin__gte=0)


def near_thresholds(entry: LiveCodeEntry, now: dt.datetime) -> bool:
    """Cheap test on a row already loaded: is an alert check worth enqueueing?"""
    return entry.scans * 5 >= entry.scan_limit * 4 or entry.expires_at - now <= EXPIRY_WARNING


def _wanted(
    live_code: LiveCode, now: dt.datetime
) -> dict[tuple[str, str], tuple[LiveCodeEntry | None, dict]]:
    """The conditions that hold now: {(kind, subject): (entry, details)}."""
    if not live_code.is_active:
        return {}
    entries = LiveCodeEntry.objects.filter(live_code=live_code, is_active=True).select_related("group")
    wanted: dict[tuple[str, str], tuple[LiveCodeEntry | None, dict]] = {}
    for entry in _nearly_full(entries).order_by("position", "pk"):
        wanted[(AlertKind.ENTRY_NEARLY_FULL, f"entry:{entry.pk}")] = (entry, _entry_details(entry))
    for entry in entries.filter(expires_at__lte=now + EXPIRY_WARNING).order_by("position", "pk"):
        wanted[(AlertKind.ENTRY_EXPIRING, f"entry:{entry.pk}")] = (entry, _entry_details(entry))
    has_entries = LiveCodeEntry.objects.filter(live_code=live_code).exists()
    usable = LiveCodeEntry.objects.filter(usable_entries_q(now), live_code=live_code).exists()
    if has_entries and not usable:
        wanted[(AlertKind.NO_USABLE_ENTRY, f"code:{live_code.pk}")] = (None, {})
    return wanted


def _entry_details(entry: LiveCodeEntry) -> dict:
    return {
        "label": entry.display_name,
        "scans": entry.scans,
        "scan_limit": entry.scan_limit,
        "expires_at": entry.expires_at.isoformat(),
    }


def alert_message(alert: LiveCodeAlert) -> str:
    """The sentence operators read, in the active language."""
    details = alert.details or {}
    params = {
        "code": alert.live_code.name,
        "group": details.get("label") or _("a group"),
        "scans": details.get("scans", 0),
        "limit": details.get("scan_limit", 0),
    }
    if alert.kind == AlertKind.ENTRY_NEARLY_FULL:
        return (
            _(
                "%(code)s: %(group)s is nearly full (%(scans)s of %(limit)s scans). "
                "Upload the next group's QR code."
            )
            % params
        )
    if alert.kind == AlertKind.ENTRY_EXPIRING:
        expires = dt.datetime.fromisoformat(details["expires_at"]) if details.get("expires_at") else None
        params["when"] = (
            timezone.localtime(expires, timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M")
            if expires
            else "?"
        )
        return _("%(code)s: the QR code of %(group)s expires at %(when)s. Upload a fresh one.") % params
    return (
        _(
            "%(code)s: every group is full or expired; visitors see the fallback page. "
            "Upload a new group QR code."
        )
        % params
    )


def _payload(alert: LiveCodeAlert, usable_count: int) -> dict:
    live_code = alert.live_code
    entry = alert.entry
    with translation.override(settings.LANGUAGE_CODE):
        message = alert_message(alert)
    return {
        "alert": alert.pk,
        "kind": alert.kind,
        "message": message,
        "raised_at": alert.created_at.isoformat(),
        "live_code": {
            "id": live_code.pk,
            "code": live_code.code,
            "name": live_code.name,
            "url": live_code.short_url,
        },
        "entry": None
        if entry is None
        else {
            "id": entry.pk,
            "label": entry.display_name,
            "group": entry.group_id,
            "content": entry.content,
            "scans": entry.scans,
            "scan_limit": entry.scan_limit,
            "expires_at": entry.expires_at.isoformat(),
        },
        "usable_entries": usable_count,
    }


@transaction.atomic
def live_code_alerts_check(*, live_code_id: int, now: dt.datetime | None = None) -> list[LiveCodeAlert]:
    """Raise the alerts whose condition holds and resolve those whose condition cleared.

    Returns the alerts raised by this call (empty when they were already open)."""
    now = now or timezone.now()
    live_code = LiveCode.objects.select_related("workspace").filter(pk=live_code_id).first()
    if live_code is None:
        return []
    wanted = _wanted(live_code, now)
    open_alerts = {
        (a.kind, a.subject): a
        for a in LiveCodeAlert.objects.filter(live_code=live_code, resolved_at__isnull=True)
    }
    cleared = [alert.pk for key, alert in open_alerts.items() if key not in wanted]
    if cleared:
        LiveCodeAlert.objects.filter(pk__in=cleared, resolved_at__isnull=True).update(resolved_at=now)
    raised = []
    for (kind, subject), (entry, details) in wanted.items():
        if (kind, subject) in open_alerts:
            continue
        alert = LiveCodeAlert(
            workspace_id=live_code.workspace_id,
            live_code=live_code,
            entry=entry,
            kind=kind,
            subject=subject,
            details=details,
        )
        if save_unless_taken(alert) is not None:  # else another worker raised it a moment ago
            raised.append(alert)
    if raised:
        usable_count = LiveCodeEntry.objects.filter(usable_entries_q(now), live_code=live_code).count()
        webhook_emit_many(
            workspace=live_code.workspace,
            events=[(EVENT_TYPE, _payload(alert, usable_count)) for alert in raised],
        )
    return raised


def live_code_alerts_sweep(*, now: dt.datetime | None = None) -> int:
    """Check every live code where a condition may hold or an open alert may have cleared.

    Expiry happens without anyone scanning, so this runs from beat; returns how many alerts it raised.
    """
    now = now or timezone.now()
    active_entries = LiveCodeEntry.objects.filter(is_active=True, live_code__is_active=True)
    ids = set(
        active_entries.filter(expires_at__lte=now + EXPIRY_WARNING).values_list("live_code_id", flat=True)
    )
    ids |= set(_nearly_full(active_entries).values_list("live_code_id", flat=True))
    ids |= set(
        LiveCode.objects.filter(is_active=True)
        .annotate(entry_count=Count("entries"))
        .filter(entry_count__gt=0)
        .exclude(Exists(LiveCodeEntry.objects.filter(usable_entries_q(now), live_code=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    ids |= set(LiveCodeAlert.objects.filter(resolved_at__isnull=True).values_list("live_code_id", flat=True))
    return sum(
        len(live_code_alerts_check(live_code_id=live_code_id, now=now)) for live_code_id in sorted(ids)
    )


@transaction.atomic
def alerts_mark_read(*, alerts, by) -> int:
    """Mark alerts as read by `by`; returns how many were unread."""
    return alerts.filter(read_at__isnull=True).update(read_at=timezone.now(), read_by=by)
