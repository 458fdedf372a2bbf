"""The links the redirect reads, kept per process and proven current on every visit.

A cached row is only served while nothing that shapes the redirect changed since it was read:
no TTL, so an edit, a deactivation, a new password or a delete obeys on the very next visit, in
every process. How "nothing changed" is proven depends on the backend:

- With Redis (REDIS_URL): a version token per code and one global token (workspaces and their
  link settings), random strings in Redis. Every change sets new ones. An entry remembers the
  tokens it was read under; the redirect's single Redis round trip (links.click_buffer) compares
  them before it records the click and answers STALE when they moved, and the row is read again.
- Embedded (no Redis): one generation file under SUO_VAR_DIR that grows by a byte on every
  change. Each visit stats it (a microsecond, no I/O beyond the inode) and the whole process
  cache is dropped when it changed.

Tokens and the generation are read *before* the row, and changes move them right away (inside
the writer's transaction) and again once it commits, so a row read in between is never kept
under the newer token.
"""

import logging
import os
import threading
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from redis.commands.core import Script
from redis.exceptions import RedisError

from links import hot_settings
from links.capture import redis_client
from links.models import Link
from links.redis_line import run_script
from links.selectors import link_for_fast_redirect

logger = logging.getLogger(__name__)

MAX_ENTRIES = 100_000  # links per web process, about 1 KB each
GENERATION_ROLLOVER = 1 << 20  # bytes; past this the file is replaced (a new inode also counts)
WARM_CHUNK = 2000  # links per bulk read (and Redis keys per script call: Lua unpacks them)
GLOBAL = "*"  # the token name of everything that is not one link (workspaces, link settings)


@dataclass(slots=True)
class Entry:
    link: Link
    tokens: tuple[str, str] = ("", "")  # (global, code) as read before the row; Redis only
    generation: tuple | None = None  # the generation file as stat()ed before the row; embedded only


_entries: dict[str, Entry] = {}
_seen_generation: tuple | None = None


def uses_redis() -> bool:
    return bool(hot_settings.current().REDIS_URL)


def token_key(name: str) -> str:
    return f"{settings.LINKS_CACHE_KEY}:{name}"


def clear() -> None:
    global _seen_generation
    _entries.clear()
    _seen_generation = None


def _generation_path() -> Path:
    return Path(settings.LINKS_CACHE_GENERATION_FILE)


def _generation() -> tuple:
    try:
        st = os.stat(
            hot_settings.current().LINKS_CACHE_GENERATION_FILE
        )  # every visit: no Path object to build
    except FileNotFoundError:
        path = _generation_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
        st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _check_generation() -> tuple:
    """Embedded: drop every entry when the generation file moved since the last visit; returns it."""
    global _seen_generation
    current = _generation()
    if current != _seen_generation:
        _entries.clear()
        _seen_generation = current
    return current


def cached(code: str) -> Entry | None:
    """The entry of `code` if this process has one. Embedded: proven current here (read under
    the current generation: a thread that read a row before a change and stores it after another
    thread saw the change cannot keep it); with Redis the caller proves it in the round trip that
    records the click."""
    if uses_redis():
        return _entries.get(code)
    generation = _check_generation()
    entry = _entries.get(code)
    return entry if entry is not None and entry.generation == generation else None


def load(code: str) -> Entry | None:
    """Read the row from the database (after the tokens) and keep it; None when there is no link."""
    keep = True
    if uses_redis():
        try:
            tokens = _read_tokens([code])[code]
        except RedisError:  # nothing can prove rows current now: use this one once, keep none
            logger.warning("Redis unavailable: link %s read without caching", code)
            _entries.clear()
            tokens, keep = ("", ""), False
        generation = None
    else:
        tokens, generation = ("", ""), _check_generation()
    link = link_for_fast_redirect(code)
    if link is None or not keep:
        _entries.pop(code, None)
        return None if link is None else Entry(link)
    if len(_entries) >= MAX_ENTRIES:
        # Full: the newest entry makes room (popitem is atomic beside the warm-up thread), so the
        # warmed, most clicked links stay and the long tail takes turns.
        _entries.popitem()
    entry = _entries[code] = Entry(link, tokens, generation)
    return entry


def warm(limit: int | None = None) -> int:
    """Fill this process's cache with the links most likely to be visited (most clicked, then
    newest), up to `limit` (LINKS_CACHE_WARM), in a few bulk reads: otherwise every link costs
    a database read (and with Redis a token read) on its first visit in each web process, which
    on a long tail of links is a large part of all visits. Same order as load(): the tokens (or
    the generation) are read before the rows. Returns how many entries it added."""
    limit = min(settings.LINKS_CACHE_WARM if limit is None else limit, MAX_ENTRIES)
    if limit <= 0:
        return 0
    codes = list(
        Link.objects.filter(is_active=True)
        .order_by("-click_count", "-pk")
        .values_list("code", flat=True)[:limit]
    )
    added = 0
    for start in range(0, len(codes), WARM_CHUNK):
        part = codes[start : start + WARM_CHUNK]
        if uses_redis():
            tokens, generation = _read_tokens(part), None
        else:
            tokens, generation = {}, _check_generation()
        for link in link_for_fast_redirect.many(part):
            if link.code in _entries or len(_entries) >= MAX_ENTRIES:
                continue  # a visit read it meanwhile (newer), or the cache is full
            _entries[link.code] = Entry(link, tokens.get(link.code, ("", "")), generation)
            added += 1
    return added


def warm_in_background() -> None:
    """Start warm() in a thread, so that no visit waits for it (the fast path calls this once
    per web process)."""
    if settings.LINKS_CACHE_WARM <= 0:
        return

    def run() -> None:
        from django.db import connection

        try:
            logger.info("link cache warmed with %d links", warm())
        except Exception:  # a cold cache is only slower: the visits read their links themselves
            logger.exception("link cache warm-up failed")
        finally:
            connection.close()  # this thread's own connection

    threading.Thread(target=run, name="link-cache-warm", daemon=True).start()


def forget(code: str) -> None:
    _entries.pop(code, None)


# --- tokens in Redis ---------------------------------------------------------------------------

_FILL = """
for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i], 'NX') end
return redis.call('MGET', unpack(KEYS))
"""


@lru_cache(maxsize=1)
def _fill_script() -> Script:
    # No client of its own: each call names the current one (tests point it elsewhere).
    return Script(None, _FILL.encode())  # type: ignore[arg-type]


def _read_tokens(codes: list[str]) -> dict[str, tuple[str, str]]:
    """(global, code) tokens of each code, in one round trip (the global one read first)."""
    keys = [token_key(GLOBAL), *(token_key(code) for code in codes)]
    values = run_script(_fill_script(), keys=keys, args=[uuid.uuid4().hex for _ in keys])
    first = values[0].decode()
    return {code: (first, value.decode()) for code, value in zip(codes, values[1:], strict=True)}


# --- moving the tokens / the generation: on every change --------------------------------------


def _bump_now(codes: frozenset[str]) -> None:
    if uses_redis():
        names = codes or {GLOBAL}
        redis_client().mset({token_key(name): uuid.uuid4().hex for name in names})
        return
    path = _generation_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.stat().st_size >= GENERATION_ROLLOVER:
            fresh = path.with_suffix(".new")
            fresh.write_bytes(b"\n")
            os.replace(fresh, path)  # a new inode: every process sees the change
            return
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, b"\n")  # the size grows on every change: no timestamp granularity to trust
    finally:
        os.close(fd)


def changed(codes: frozenset[str] = frozenset()) -> None:
    """Links with these codes changed (none given: a workspace or its link settings did). Moves the
    tokens now and again after the transaction commits: a process that read the row before the
    commit kept it under the first token, and the second one makes it read again."""
    _bump_now(codes)  # when this fails (Redis down) the change fails: no cache may miss it
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump_now(codes), robust=True)


# --- what counts as a change ------------------------------------------------------------------


def _link_saving(sender, instance: Link, raw=False, **kwargs) -> None:
    """Note the code the row has in the database: a new alias must retire the old code too."""
    if instance.pk is not None and not raw:
        before = Link.objects.filter(pk=instance.pk).values_list("code", flat=True).first()
        setattr(instance, "_code_before", before)  # noqa: B010 (not a field: an attribute for post_save)


def _link_changed(sender, instance: Link, **kwargs) -> None:
    before = getattr(instance, "_code_before", None)
    changed(frozenset(code for code in (instance.code, before) if code))


def _workspace_changed(sender, **kwargs) -> None:
    changed()


def connect() -> None:
    """Wire the model signals (LinksConfig.ready). Queryset .update() sends none: the redirect's
    fields are only changed through save() (services, admin); counters are not cached."""
    from django.db.models import signals

    from links.models import LinkSettings
    from suo.models import Workspace

    signals.pre_save.connect(_link_saving, sender=Link, dispatch_uid="link_cache.saving")
    signals.post_save.connect(_link_changed, sender=Link, dispatch_uid="link_cache.saved")
    signals.post_delete.connect(_link_changed, sender=Link, dispatch_uid="link_cache.deleted")
    for model in (Workspace, LinkSettings):
        for signal in (signals.post_save, signals.post_delete):
            signal.connect(_workspace_changed, sender=model, dispatch_uid=f"link_cache.{model.__name__}")
