"""CSV import of members and their memberships, with a dry run that reports what would change.

Columns (header row required; only platform and external_id are needed):

    platform,external_id,display_name,phone,wechat_id,tags,group_external_id,joined_at,source

`tags` are separated by `|`; `group_external_id` names a group on the same platform; `joined_at`
is ISO 8601 (a date alone is midnight in the workspace's time zone). A file with any bad row
imports nothing; the report names each bad row and field.

How a large file stays all-or-nothing without one long write transaction (which would hold
SQLite's single write lock, and with it every click, for the whole file):

1. Every row is checked first, reading the database in bulk and writing nothing: the plan says
   what each row will do. A dry run (the preview) stops here.
2. The plan is applied through the services, `BATCH_ROWS` rows per transaction, so other writers
   get their turn between batches. What each batch did is journaled.
3. Should a batch still fail (a row changed by someone else since the check, a database error),
   that batch rolls back and the journal undoes the batches before it: created memberships and
   members are deleted, updated members get their old values and tags back. The report names the
   row. Other readers may see a partial import for the seconds the import runs; a member changed
   by someone else during those seconds and then restored by an undo loses that change.

Staging the rows in a table and swapping them in at the end was the other way; the swap is itself
one transaction over every row, which is the lock this avoids.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import islice
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from groups import services
from groups.models import ChatPlatform, Community, JoinSource, Member, Membership, Tag
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
CONTACT_FIELDS = ("display_name", "phone", "wechat_id")
MAX_ROWS = 20000
BATCH_ROWS = 500
READ_CHUNK = 500


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


def _parse_when(value: str, tz: ZoneInfo) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        parsed = datetime.combine(day, time.min)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=tz)
    return parsed


# --- 1. the plan: every row checked, nothing written ------------------------------------------


@dataclass
class _Step:
    """What one row does: create or update a member (`changes`, `tags`), then maybe join a group."""

    report: RowReport
    key: tuple[str, str]
    create: bool = False
    changes: dict = field(default_factory=dict)
    tags: list[str] | None = None
    first_seen_at: datetime | None = None
    community: Community | None = None
    source: str = JoinSource.IMPORT
    joined_at: datetime | None = None


@dataclass
class _Known:
    """A member as the import will leave it: in the database already, or made by an earlier row."""

    fields: dict
    tags: list[str]
    member: Member | None = None
    groups: set[int] = field(default_factory=set)


def _chunks(values: list, size: int = READ_CHUNK):
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _known_members(workspace: Workspace, keys: set[tuple[str, str]]) -> dict[tuple[str, str], _Known]:
    known: dict[tuple[str, str], _Known] = {}
    external_ids = sorted({external_id for _platform, external_id in keys})
    for chunk in _chunks(external_ids):
        found = Member.objects.filter(workspace=workspace, external_id__in=chunk).prefetch_related("tags")
        for member in found:
            key = (member.platform, member.external_id)
            if key in keys:
                known[key] = _Known(
                    fields={name: getattr(member, name) for name in CONTACT_FIELDS},
                    tags=sorted(tag.name for tag in member.tags.all()),
                    member=member,
                )
    by_id = {entry.member.pk: entry for entry in known.values()}
    for chunk in _chunks(sorted(by_id)):
        stays = Membership.objects.filter(member_id__in=chunk, is_active=True).values_list(
            "member_id", "community_id"
        )
        for member_id, community_id in stays:
            by_id[member_id].groups.add(community_id)
    return known


def _check_row(row: dict, entry: RowReport, communities: dict, tz: ZoneInfo) -> _Step | None:
    """The row's own values: platform, id, source, date, group, tags; None when one is wrong."""
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
            ) % {"platform": platform, "value": row["group_external_id"]}
    tags = None
    if "tags" in row:
        try:
            tags = services.tag_names_clean(row["tags"].split("|"))
        except ValidationError as exc:
            entry.errors.update({name: " ".join(messages) for name, messages in exc.message_dict.items()})
    if entry.errors:
        return None
    return _Step(
        report=entry,
        key=(platform, external_id),
        tags=tags,
        community=community,
        source=source,
        joined_at=joined_at,
    )


def _plan_member(step: _Step, row: dict, known: dict, workspace: Workspace, report: ImportReport) -> None:
    """Create or update the member (checked as the services will check it), or leave it."""
    platform, external_id = step.key
    fields = {name: row[name] for name in CONTACT_FIELDS if row.get(name)}
    current = known.get(step.key)
    if current is None:
        fields.setdefault("display_name", external_id)
        candidate = Member(workspace=workspace, platform=platform, external_id=external_id, **fields)
        candidate.first_seen_at = step.joined_at or timezone.now()
        candidate.full_clean(exclude=["workspace"], validate_unique=False, validate_constraints=False)
        step.create, step.changes, step.first_seen_at = True, fields, candidate.first_seen_at
        known[step.key] = _Known(fields={**dict.fromkeys(CONTACT_FIELDS, ""), **fields}, tags=step.tags or [])
        step.report.actions.append(_("new member %(name)s") % {"name": fields["display_name"]})
        report.members_created += 1
        return
    changed = {name: value for name, value in fields.items() if current.fields[name] != value}
    tags_change = step.tags is not None and sorted(step.tags) != current.tags
    if not changed and not tags_change:
        step.tags = None
        report.members_unchanged += 1
        return
    candidate = Member(workspace=workspace, platform=platform, external_id=external_id, **current.fields)
    for name, value in changed.items():
        setattr(candidate, name, value)
    candidate.first_seen_at = timezone.now()
    candidate.full_clean(exclude=["workspace"], validate_unique=False, validate_constraints=False)
    step.changes = changed
    if not tags_change:
        step.tags = None
    current.fields.update(changed)
    current.tags = sorted(step.tags) if tags_change else current.tags
    names = list(changed) + (["tags"] if tags_change else [])
    step.report.actions.append(_("update %(fields)s") % {"fields": ", ".join(names)})
    report.members_updated += 1


def _plan(workspace: Workspace, text: str, report: ImportReport) -> tuple[list[_Step], dict]:
    """The steps of the rows, and the members they touch as they will be (`_Known`)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if "external_id" not in header:
        report.file_error = _(
            "The first row must name the columns, including external_id. Columns: %(cols)s."
        ) % {"cols": ", ".join(COLUMNS)}
        return [], {}
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        report.file_error = _("Unknown column(s): %(unknown)s. Columns: %(cols)s.") % {
            "unknown": ", ".join(unknown),
            "cols": ", ".join(COLUMNS),
        }
        return [], {}
    tz = ZoneInfo(workspace.timezone)
    communities = {
        (c.platform, c.external_id): c
        for c in Community.objects.filter(workspace=workspace).exclude(external_id="")
    }
    rows = []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            report.file_error = _("At most %(max)s rows per file.") % {"max": MAX_ROWS}
            break
        row = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
        entry = RowReport(line=line, external_id=row.get("external_id", ""))
        report.rows.append(entry)
        rows.append((row, _check_row(row, entry, communities, tz)))
    keys = {step.key for _row, step in rows if step is not None}
    known = _known_members(workspace, keys) if keys else {}
    steps = []
    for row, step in rows:
        if step is None:
            continue
        try:
            _plan_member(step, row, known, workspace, report)
        except ValidationError as exc:
            step.report.errors.update(
                {name: " ".join(messages) for name, messages in exc.message_dict.items()}
                if hasattr(exc, "error_dict")
                else {"row": " ".join(exc.messages)}
            )
            continue
        if step.community is not None:
            groups = known[step.key].groups
            if step.community.pk in groups:
                step.report.actions.append(_("already in %(group)s") % {"group": step.community.name})
                step.community = None
                report.memberships_existing += 1
            else:
                groups.add(step.community.pk)
                step.report.actions.append(_("joins %(group)s") % {"group": step.community.name})
                report.memberships_created += 1
        steps.append(step)
    return steps, known


# --- 2. applying the plan in batches, 3. undoing on a late failure ------------------------------


@dataclass
class _Journal:
    workspace: Workspace
    new_tags: set[str]
    members: dict[tuple[str, str], Member]
    created: list[int] = field(default_factory=list)
    updated: list[tuple[int, dict, list[str] | None]] = field(default_factory=list)
    memberships: list[int] = field(default_factory=list)


def _apply(step: _Step, journal: _Journal) -> None:
    platform, external_id = step.key
    member = journal.members.get(step.key)
    if step.create:
        member = services.member_create(
            workspace=journal.workspace,
            platform=platform,
            external_id=external_id,
            first_seen_at=step.first_seen_at,
            tags=step.tags,
            **step.changes,
        )
        journal.members[step.key] = member
        journal.created.append(member.pk)
    elif step.changes or step.tags is not None:
        if member.pk not in journal.created:
            old_tags = sorted(member.tags.values_list("name", flat=True)) if step.tags is not None else None
            journal.updated.append(
                (member.pk, {name: getattr(member, name) for name in step.changes}, old_tags)
            )
        services.member_update(member=member, tags=step.tags, **step.changes)
    if step.community is not None:
        stay = services.membership_join(
            community=step.community,
            member=member,
            source=step.source,
            at=step.joined_at,
            enforce=False,
            notify=False,
        )
        journal.memberships.append(stay.pk)


@transaction.atomic
def _undo(journal: _Journal) -> None:
    Membership.objects.filter(pk__in=journal.memberships).delete()
    Member.objects.filter(pk__in=journal.created).delete()
    for member_id, fields, tags in reversed(journal.updated):
        member = Member.objects.get(pk=member_id)
        if fields:
            for name, value in fields.items():
                setattr(member, name, value)
            member.save(update_fields=list(fields))
        if tags is not None:
            member.tags.set(Tag.objects.filter(workspace=journal.workspace, name__in=tags))
    Tag.objects.filter(
        workspace=journal.workspace, name__in=journal.new_tags, members__isnull=True, communities__isnull=True
    ).delete()


def members_import(
    *, workspace: Workspace, text: str, dry_run: bool = True, batch_rows: int = BATCH_ROWS
) -> ImportReport:
    """Import the CSV `text` into `workspace`; with dry_run (or any error) nothing is written."""
    report = ImportReport(dry_run=dry_run)
    steps, known = _plan(workspace, text, report)
    if not report.ok or dry_run:
        return report
    wanted_tags = {name for step in steps for name in step.tags or ()}
    existing = set(
        Tag.objects.filter(workspace=workspace, name__in=wanted_tags).values_list("name", flat=True)
    )
    journal = _Journal(
        workspace=workspace,
        new_tags=wanted_tags - existing,
        members={key: entry.member for key, entry in known.items() if entry.member is not None},
    )
    for batch in _chunks(steps, batch_rows):
        try:
            with transaction.atomic():
                for step in batch:
                    failing = step
                    _apply(step, journal)
        except (ValidationError, DatabaseError) as exc:
            _undo(journal)
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            failing.report.errors["row"] = message
            report.file_error = _(
                "Line %(line)s could not be imported (%(error)s); the rows imported before it were "
                "undone, so nothing was imported. Check the file and import it again."
            ) % {"line": failing.report.line, "error": message}
            return report
    return report
