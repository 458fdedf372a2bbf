"""CSV import of members and their memberships, with a dry run that reports what would change.

Columns (header row required; only platform and external_id are needed):

    platform,external_id,display_name,phone,wechat_id,tags,group_external_id,joined_at,source

`tags` are separated by `|`; `group_external_id` names a group on the same platform; `joined_at`
is ISO 8601 (a date alone is midnight in the workspace's time zone). A file with any bad row
imports nothing; the report names each bad row and field.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from groups import services
from groups.models import ChatPlatform, Community, JoinSource, Member, Membership
from suo.models import Workspace

COLUMNS = [
    "platform",
    "external_id",
    "display_name",
    "phone",
    "wechat_id",
    "tags",
    "group_external_id",
    "joined_at",
    "source",
]
MAX_ROWS = 20000


@dataclass
class RowReport:
    line: int
    external_id: str
    actions: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowReport] = field(default_factory=list)
    members_created: int = 0
    members_updated: int = 0
    members_unchanged: int = 0
    memberships_created: int = 0
    memberships_existing: int = 0
    file_error: str = ""

    @property
    def error_rows(self) -> list[RowReport]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_rows

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        return _(
            "%(rows)s rows: %(created)s new members, %(updated)s updated, %(unchanged)s unchanged; "
            "%(joined)s new memberships, %(existing)s already there; %(errors)s rows with errors."
        ) % {
            "rows": len(self.rows),
            "created": self.members_created,
            "updated": self.members_updated,
            "unchanged": self.members_unchanged,
            "joined": self.memberships_created,
            "existing": self.memberships_existing,
            "errors": len(self.error_rows),
        }


def decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GB18030 (Excel on Chinese Windows)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _parse_when(value: str, tz: ZoneInfo) -> datetime | None:
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        parsed = datetime.combine(day, time.min)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def members_import(*, workspace: Workspace, text: str, dry_run: bool = True) -> ImportReport:
    """Import the CSV `text` into `workspace`; with dry_run (or any error) nothing is kept."""
    report = ImportReport(dry_run=dry_run)
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if "external_id" not in header:
        report.file_error = _(
            "The first row must name the columns, including external_id. Columns: %(cols)s."
        ) % {"cols": ", ".join(COLUMNS)}
        return report
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        report.file_error = _("Unknown column(s): %(unknown)s. Columns: %(cols)s.") % {
            "unknown": ", ".join(unknown),
            "cols": ", ".join(COLUMNS),
        }
        return report
    tz = ZoneInfo(workspace.timezone)
    communities = {
        (c.platform, c.external_id): c
        for c in Community.objects.filter(workspace=workspace).exclude(external_id="")
    }
    with transaction.atomic():
        for line, raw in enumerate(reader, start=2):
            if line - 1 > MAX_ROWS:
                report.file_error = _("At most %(max)s rows per file.") % {"max": MAX_ROWS}
                break
            row = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
            entry = RowReport(line=line, external_id=row.get("external_id", ""))
            report.rows.append(entry)
            try:
                with transaction.atomic():
                    _import_row(workspace, row, entry, report, communities, tz)
                    if entry.errors:
                        raise _RowFailed
            except _RowFailed:
                pass
            except ValidationError as exc:
                entry.errors.update(
                    {name: " ".join(messages) for name, messages in exc.message_dict.items()}
                    if hasattr(exc, "error_dict")
                    else {"row": " ".join(exc.messages)}
                )
        if not report.applied:
            transaction.set_rollback(True)
    return report


class _RowFailed(Exception):
    pass


def _import_row(workspace, row, entry: RowReport, report: ImportReport, communities, tz) -> None:
    platform = row.get("platform") or ChatPlatform.WECHAT
    if platform not in ChatPlatform.values:
        entry.errors["platform"] = _("Unknown platform “%(value)s”; use one of %(choices)s.") % {
            "value": platform,
            "choices": ", ".join(ChatPlatform.values),
        }
    external_id = row.get("external_id", "")
    if not external_id:
        entry.errors["external_id"] = _("Required.")
    source = row.get("source") or JoinSource.IMPORT
    if source not in JoinSource.values:
        entry.errors["source"] = _("Unknown join source “%(value)s”; use one of %(choices)s.") % {
            "value": source,
            "choices": ", ".join(JoinSource.values),
        }
    joined_at = None
    if row.get("joined_at"):
        try:
            joined_at = _parse_when(row["joined_at"], tz)
        except ValueError:
            entry.errors["joined_at"] = _(
                "Not a date or time: “%(value)s” (use 2026-03-01 or 2026-03-01T20:00)."
            ) % {"value": row["joined_at"]}
    community = None
    if row.get("group_external_id"):
        community = communities.get((platform, row["group_external_id"]))
        if community is None:
            entry.errors["group_external_id"] = _(
                "No group on %(platform)s with external id “%(value)s”."
            ) % {
                "platform": platform,
                "value": row["group_external_id"],
            }
    if entry.errors:
        return
    tags = [tag for tag in row.get("tags", "").split("|") if tag.strip()] if "tags" in row else None
    fields = {name: row[name] for name in ("display_name", "phone", "wechat_id") if row.get(name)}
    member = Member.objects.filter(workspace=workspace, platform=platform, external_id=external_id).first()
    if member is None:
        fields.setdefault("display_name", external_id)
        member = services.member_create(
            workspace=workspace,
            platform=platform,
            external_id=external_id,
            first_seen_at=joined_at or timezone.now(),
            tags=tags,
            **fields,
        )
        entry.actions.append(_("new member %(name)s") % {"name": member.display_name})
        report.members_created += 1
    else:
        changed = {name: value for name, value in fields.items() if getattr(member, name) != value}
        old_tags = sorted(member.tags.values_list("name", flat=True))
        tags_change = tags is not None and sorted(dict.fromkeys(t.strip() for t in tags)) != old_tags
        if changed or tags_change:
            services.member_update(member=member, tags=tags if tags_change else None, **changed)
            names = list(changed) + (["tags"] if tags_change else [])
            entry.actions.append(_("update %(fields)s") % {"fields": ", ".join(names)})
            report.members_updated += 1
        else:
            report.members_unchanged += 1
    if community is not None:
        if Membership.objects.filter(community=community, member=member, is_active=True).exists():
            entry.actions.append(_("already in %(group)s") % {"group": community.name})
            report.memberships_existing += 1
        else:
            services.membership_join(
                community=community, member=member, source=source, at=joined_at, enforce=False, notify=False
            )
            entry.actions.append(_("joins %(group)s") % {"group": community.name})
            report.memberships_created += 1
