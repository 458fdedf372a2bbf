"""Click capture: what a counted visit records, and how it reaches the database without loss.

With Redis (REDIS_URL) the redirect only appends the visit to a Redis list (links.click_buffer:
in the same round trip that proves its cached link current); `flush_click_buffer` (a Celery beat
task) moves batches into the database. A batch is removed from the list only after its
transaction committed, and visits carry an event id that is unique in the database, so a worker
killed half-way leaves the batch in the list and the next run stores each visit once.
On the embedded default the visit is appended to a local spool file (links.spool), which the same
beat task drains into SQLite, through the same `store_visits`.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import F

from links import hot_settings, spool_writer
from links.models import Click, Link
from links.platforms import os_and_device

logger = logging.getLogger(__name__)

MAX_UA_LENGTH = 400
SEEN_CHUNK = 1000  # keys per query: 3,000 parameters, under every SQLite's limit


@dataclass(frozen=True)
class Visit:
    event_id: str
    link_id: int | None  # None for a scan of a live group code
    workspace_id: int
    at: float  # epoch seconds
    day: str  # the visitor's day in the workspace's time zone, ISO date
    platform: str
    user_agent: str
    referrer_host: str
    country: str
    visitor: str
    live_code_id: int | None = None  # a scan of a live group code (links.livecodes)
    entry_id: int | None = None  # the group shown; None when the fallback page was
    capped: bool = False  # claimed against the click limit in Redis: the flush adds it to capped_clicks


def client_ip(meta) -> str:
    """The visitor's address from request.META (or a WSGI environ, which has the same keys): with
    LINKS_TRUSTED_PROXIES = n, the n-th X-Forwarded-For entry from the right, which the outermost
    trusted proxy wrote; the entries left of it are whatever the client sent."""
    proxies = hot_settings.current().LINKS_TRUSTED_PROXIES
    if proxies > 0:
        hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            return hops[-proxies]
    return meta.get("REMOTE_ADDR", "")


@lru_cache(maxsize=8)
def _daily_salt(secret_key: str, day: str) -> bytes:
    return hmac.new(secret_key.encode(), f"visitor-salt:{day}".encode(), hashlib.sha256).digest()


def visitor_hash(*, ip: str, user_agent: str, day: str) -> str:
    """The same visitor on the same day gives the same hash; the salt changes every day, so
    hashes cannot be joined across days, and without SECRET_KEY they cannot be reversed."""
    salt = _daily_salt(hot_settings.current().SECRET_KEY, day)
    return hmac.new(salt, f"{ip}|{user_agent}".encode(), hashlib.sha256).hexdigest()[:32]


def country_of(meta) -> str:
    """Hook for a country lookup. No external lookups: a trusted proxy header, when configured."""
    header = hot_settings.current().LINKS_COUNTRY_HEADER
    if not header:
        return ""
    value = meta.get("HTTP_" + header.upper().replace("-", "_"), "")
    return value[:2].upper() if len(value) >= 2 and value[:2].isalpha() else ""


def new_event_id(ms: int | None = None) -> str:
    """A click's event id, time-ordered like a UUIDv7 (RFC 9562): the millisecond first, then 74
    random bits. Ids of one moment sort together, so the unique index on them takes each batch of
    clicks at its end instead of on a random page per click (with random ids that cost SQLite
    about a page written per click on every commit). The bits need to be unique, not secret:
    they come from the `random` module, which reseeds in a forked child, without a system call."""
    random_bits = random.getrandbits(74)
    value = (
        (time.time_ns() // 1_000_000 if ms is None else ms) << 80  # unix_ts_ms, 48 bits
        | 0x7 << 76  # version 7
        | (random_bits >> 62) << 64  # rand_a, 12 bits
        | 0b10 << 62  # the RFC variant
        | random_bits & ((1 << 62) - 1)  # rand_b, 62 bits
    )
    return f"{value:032x}"


# Every time zone's offsets and changes fall on quarter hours, so its midnights do too: the local
# day is the same for a whole UTC quarter hour, and each redirect finds it in this cache.
DAY_BLOCK_SECONDS = 900


@lru_cache(maxsize=256)
def _local_day(time_zone: str, block: int) -> str:
    return dt.datetime.fromtimestamp(block * DAY_BLOCK_SECONDS, ZoneInfo(time_zone)).date().isoformat()


def local_day(time_zone: str, at: float) -> str:
    """The ISO date that epoch time `at` falls on in `time_zone`."""
    return _local_day(time_zone, int(at // DAY_BLOCK_SECONDS))


def build_visit(
    *,
    meta,
    link_id: int | None,
    workspace_id: int,
    workspace_tz: str,
    platform: str,
    live_code_id: int | None = None,
    entry_id: int | None = None,
) -> Visit:
    """A counted visit from request.META (or the WSGI environ of the fast path)."""
    now_ns = time.time_ns()
    at = now_ns / 1e9
    day = local_day(workspace_tz, at)
    user_agent = meta.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
    referrer = meta.get("HTTP_REFERER", "")
    return Visit(
        event_id=new_event_id(now_ns // 1_000_000),
        link_id=link_id,
        workspace_id=workspace_id,
        at=at,
        day=day,
        platform=platform,
        user_agent=user_agent,
        referrer_host=((urlsplit(referrer).hostname or "") if referrer else "")[:255],
        country=country_of(meta),
        visitor=visitor_hash(ip=client_ip(meta), user_agent=user_agent, day=day),
        live_code_id=live_code_id,
        entry_id=entry_id,
    )


@lru_cache(maxsize=1)
def redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


_encode = json.JSONEncoder(separators=(",", ":")).encode


def serialized(visit: Visit) -> str:
    # vars(): the fields as they are; asdict() deep-copies them, a cost on every redirect.
    return _encode(vars(visit))


def spooled(visit: Visit) -> None:
    """Append the visit to this process's spool file (links.spool_writer); OSError when it could not."""
    spool_writer.append_line(serialized(visit).encode() + b"\n")


def parsed_visits(lines: list[bytes], source: str) -> list[Visit]:
    """The visits that serialized() wrote, one a line (a spool file's or the Redis buffer's); a
    line that is not one is logged and skipped, so it cannot hold up the lines after it."""
    try:  # the whole batch in one call; a line that is not a visit sends it line by line
        batch = json.loads(b"[" + b",".join(lines) + b"]")
        if len(batch) == len(lines):
            return [Visit(**fields) for fields in batch]
    except (ValueError, TypeError):
        pass
    visits = []
    for line in lines:
        try:
            visits.append(Visit(**json.loads(line)))
        except (ValueError, TypeError):
            logger.error("unreadable line in %s skipped: %r", source, line[:200])
    return visits


def capture(visit: Visit) -> None:
    """Record a visit: buffered in Redis or spooled when configured, else straight into the database."""
    buffer = settings.LINKS_CLICK_BUFFER
    if buffer == "redis":
        try:
            redis_client().rpush(settings.LINKS_BUFFER_KEY, serialized(visit))
            return
        except Exception:  # Redis is down: the visit must not be lost, write it directly
            logger.exception("click buffer unavailable; writing the visit to the database")
    elif buffer == "spool":
        try:
            spooled(visit)
            return
        except OSError:  # a full or read-only disk: the visit must not be lost, write it directly
            logger.exception("click spool unavailable; writing the visit to the database")
    store_visits([visit], known_new=True)


# What a click belongs to: the Visit field that names it and the Click foreign key that stores it.
# The owner's model names its counters (CLICK_COUNTERS): a link's clicks, a live code's scans.
OWNERS = (("link_id", "link"), ("live_code_id", "live_code"))
# Other rows a visit may name (the group a live code showed): one deleted while the visit waited
# in the buffer loses the reference, the click still counts.
REFERENCES = (("entry_id", "live_code_entry"),)


def _owner(visit: Visit) -> str:
    return "live_code_id" if visit.live_code_id is not None else "link_id"


def _unique_flags(visits: list[Visit], owner: str, column: str) -> list[bool]:
    """A visit is unique when its visitor had no earlier visit of that link (live code) that day."""
    days = _dates(visits)
    keys = [(getattr(v, owner), days[v.day], v.visitor) for v in visits]
    seen = _sql.seen_before(column, set(keys))
    flags = []
    for key in keys:
        flags.append(key not in seen)
        seen.add(key)
    return flags


def _dates(visits: list[Visit]) -> dict[str, dt.date]:
    """The visits' days as dates: a batch has one or two distinct days, parsed once each."""
    return {day: dt.date.fromisoformat(day) for day in {v.day for v in visits}}


def _as_is(value: Any) -> Any:
    return value


def _sqlite_utc_text(value: dt.datetime) -> str:
    """What Django's SQLite adapter stores for the aware UTC times that store_visits builds (the
    naive UTC time as text), without its checks of every value."""
    return str(value.replace(tzinfo=None))


def _event_value(event_id: str, database) -> Any:
    """An event id as the database column takes it: a UUID where the column is one (PostgreSQL),
    else the 32 lower-case hex digits that new_event_id writes, as they are."""
    if database.features.has_native_uuid_field or len(event_id) != 32 or not event_id.islower():
        value = uuid.UUID(event_id)
        return value if database.features.has_native_uuid_field else value.hex
    return event_id


def _memoized(prepare: Any) -> Any:
    """`prepare` for a column with few distinct values in a batch (the day): once per value."""
    prepared: dict = {}

    def lookup(value: Any) -> Any:
        try:
            return prepared[value]
        except KeyError:
            prepared[value] = result = prepare(value)
            return result

    return lookup


def _preparer(field, database) -> Any:
    """How one column's values go to the database. Every flushed visit passes here, and the
    field's own get_db_prep_save costs several microseconds a value: the columns whose values are
    already what the driver takes (ints, strings, booleans, as store_visits builds them) skip it.
    `database` is the connection itself, not django.db.connection, whose every attribute read goes
    through a thread-local lookup (a tenth of the flush's CPU)."""
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return _memoized(partial(field.get_db_prep_save, connection=database))
    if isinstance(field, models.UUIDField):
        return _as_is  # store_visits gives each event id as the column takes it (_event_value)
    if isinstance(field, models.DateTimeField):
        if database.vendor == "sqlite" and database.timezone_name == "UTC":
            return _sqlite_utc_text
        return partial(field.get_db_prep_save, connection=database)
    return _as_is


class _ClickSql:
    """The statements of storing clicks, built once from the models.

    Every visit passes here (directly on the embedded default, in batches from the flusher), so
    they skip the ORM's query building; values still go through each field's own preparation."""

    def __init__(self) -> None:
        self.ready = False

    def _build(self) -> None:
        quote = connection.ops.quote_name
        self.fields = [f for f in Click._meta.concrete_fields if not f.primary_key]
        click = quote(Click._meta.db_table)
        self.insert = (
            f"INSERT INTO {click} ({', '.join(quote(f.column) for f in self.fields)}) "
            f"VALUES ({', '.join(['%s'] * len(self.fields))})"
        )
        self.copy = f"COPY {click} ({', '.join(quote(f.column) for f in self.fields)}) FROM STDIN"
        self.bump, self.seen = {}, {}
        for _owner_field, name in OWNERS:
            foreign_key = Click._meta.get_field(name)
            model = foreign_key.related_model
            total, unique = (quote(model._meta.get_field(f).column) for f in model.CLICK_COUNTERS)
            self.bump[foreign_key.attname] = (
                f"UPDATE {quote(model._meta.db_table)} SET {total} = {total} + %s, "
                f"{unique} = {unique} + %s WHERE {quote(model._meta.pk.column)} = %s"
            )
            # Joined to the keys (a VALUES list: column1..3 on both backends), so each key is one
            # seek in the partial (owner, day, visitor) index, however many clicks are stored.
            owner_column = f"c.{quote(foreign_key.column)}"
            self.seen[foreign_key.attname] = (
                f"SELECT DISTINCT {owner_column}, c.{quote('day')}, c.{quote('visitor_hash')} "
                f"FROM {click} c JOIN (VALUES {{keys}}) k ON {owner_column} IS NOT NULL "
                f"AND {owner_column} = k.column1 AND c.{quote('day')} = k.column2 "
                f"AND c.{quote('visitor_hash')} = k.column3"
            )
        self.day_field = Click._meta.get_field("day")
        self.stored_ids = f"SELECT {quote('event_id')} FROM {click} WHERE {quote('event_id')} IN "
        self.ready = True

    def seen_before(self, column: str, keys: set[tuple[int, dt.date, str]]) -> set:
        """The (owner id, day, visitor) keys that already have a click: exactly these keys, looked
        up by the (owner, day, visitor) index a thousand at a time, whatever else is stored."""
        if not self.ready:
            self._build()
        found: set = set()
        ordered = list(keys)
        database = connections[DEFAULT_DB_ALIAS]
        prepare = _memoized(partial(self.day_field.get_db_prep_value, connection=database))
        with database.cursor() as cursor:
            for start in range(0, len(ordered), SEEN_CHUNK):
                chunk = ordered[start : start + SEEN_CHUNK]
                cursor.execute(
                    self.seen[column].format(keys=", ".join(["(%s, %s, %s)"] * len(chunk))),
                    [value for o, day, v in chunk for value in (o, prepare(day), v)],
                )
                by_text = {(o, prepare(day), v): (o, day, v) for o, day, v in chunk}
                found.update(by_text[(o, prepare(day), v)] for o, day, v in cursor.fetchall())
        return found

    def already_stored(self, event_ids: list[str]) -> set[str]:
        """Which of these event ids (hex) have a click already."""
        if not self.ready:
            self._build()
        database = connections[DEFAULT_DB_ALIAS]
        found: set[str] = set()
        with database.cursor() as cursor:
            for start in range(0, len(event_ids), SEEN_CHUNK):
                chunk = event_ids[start : start + SEEN_CHUNK]
                cursor.execute(
                    self.stored_ids + f"({', '.join(['%s'] * len(chunk))})",
                    [_event_value(event_id, database) for event_id in chunk],
                )
                found.update(v.hex if isinstance(v, uuid.UUID) else uuid.UUID(v).hex for (v,) in cursor)
        return found

    def store(self, rows: list[dict]) -> None:
        if not self.ready:
            self._build()
        database = connections[DEFAULT_DB_ALIAS]
        preparers = [(f.attname, _preparer(f, database)) for f in self.fields]
        totals: dict[tuple[str, int], list[int]] = {}
        for row in rows:
            column = "live_code_id" if row["live_code_id"] is not None else "link_id"
            counts = totals.setdefault((column, row[column]), [0, 0])
            counts[0] += 1
            counts[1] += int(row["is_unique"])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: one statement for the batch. As separate INSERTs PostgreSQL spent 69 µs of
                # CPU a click, as much as the flusher itself; the driver adapts the Python values.
                with cursor.cursor.copy(self.copy) as copy:
                    for row in rows:
                        copy.write_row([row[name] for name, _prepare in preparers])
            else:
                cursor.executemany(
                    self.insert, [[prepare(row[name]) for name, prepare in preparers] for row in rows]
                )
            for column in self.bump:
                bumps = [
                    (total, unique, pk) for (col, pk), (total, unique) in totals.items() if col == column
                ]
                if bumps:
                    cursor.executemany(self.bump[column], bumps)


_sql = _ClickSql()


def _still_there(visits: list[Visit]) -> list[Visit]:
    """Buffered visits whose link or live code was deleted meanwhile are dropped, not the batch;
    a deleted reference (a live code's group) is cleared."""
    kept = visits
    for owner, name in OWNERS:
        ids = {getattr(v, owner) for v in kept if _owner(v) == owner}
        if ids:
            model = Click._meta.get_field(name).related_model
            existing = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
            kept = [v for v in kept if _owner(v) != owner or getattr(v, owner) in existing]
    for field, name in REFERENCES:
        ids = {getattr(v, field) for v in kept} - {None}
        if ids:
            model = Click._meta.get_field(name).related_model
            existing = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
            cleared: dict[str, Any] = {field: None}
            kept = [v if getattr(v, field) in existing | {None} else replace(v, **cleared) for v in kept]
    return kept


@transaction.atomic
def store_visits(visits: list[Visit], *, known_new: bool = False) -> int:
    """Insert the visits as clicks and bump their links' (live codes') counters; visits already
    stored are skipped. `known_new`: written in the request that made them (no checks needed)."""
    if not known_new:
        stored = _sql.already_stored([v.event_id for v in visits])
        visits = _still_there([v for v in visits if v.event_id not in stored])
    rows = []
    database = connections[DEFAULT_DB_ALIAS]
    days = _dates(visits)
    for owner, name in OWNERS:
        mine = [v for v in visits if _owner(v) == owner]
        if not mine:
            continue
        column = Click._meta.get_field(name).attname
        for visit, is_unique in zip(mine, _unique_flags(mine, owner, column), strict=True):
            client = os_and_device(visit.user_agent)
            rows.append(
                {
                    "event_id": _event_value(visit.event_id, database),
                    "workspace_id": visit.workspace_id,
                    "link_id": visit.link_id if owner == "link_id" else None,
                    "live_code_id": visit.live_code_id,
                    "live_code_entry_id": visit.entry_id,
                    "at": dt.datetime.fromtimestamp(visit.at, tz=dt.UTC),
                    "day": days[visit.day],
                    "platform": visit.platform,
                    "os": client.os,
                    "device": client.device,
                    "referrer_host": visit.referrer_host,
                    "country": visit.country,
                    "visitor_hash": visit.visitor,
                    "is_unique": is_unique,
                }
            )
    if rows:
        _sql.store(rows)
    capped = Counter(v.link_id for v in visits if v.capped and v.link_id is not None)
    for link_id, claims in capped.items():  # few: only links with a click limit, on Redis
        Link.objects.filter(pk=link_id).update(capped_clicks=F("capped_clicks") + claims)
    return len(rows)


def flush_click_buffer(*, batch_size: int = 1000, max_batches: int = 100) -> int:
    """Move buffered visits into the database; returns how many were stored. One flusher at a time."""
    client = redis_client()
    lock = client.lock(settings.LINKS_BUFFER_KEY + ":flush-lock", timeout=120, blocking=False)
    if not lock.acquire(blocking=False):
        return 0
    stored = 0
    try:
        for _ in range(max_batches):
            raw = client.lrange(settings.LINKS_BUFFER_KEY, 0, batch_size - 1)
            if not raw:
                break
            stored += store_visits(parsed_visits(raw, "the Redis click buffer"))
            # Only now, with the batch committed, is it removed from the buffer.
            client.ltrim(settings.LINKS_BUFFER_KEY, len(raw), -1)
    finally:
        try:
            lock.release()
        except Exception:  # the lock expired; nothing to release
            logger.warning("click flush lock had expired")
    return stored


def buffered_count() -> int:
    return redis_client().llen(settings.LINKS_BUFFER_KEY) if settings.LINKS_CLICK_BUFFER == "redis" else 0
