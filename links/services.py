"""Writes of the links app: each function is one transaction and returns what it changed."""

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import replace

from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from links import click_buffer, hot_settings
from links.capture import Visit, build_visit, capture, serialized
from links.click_buffer import Recorded
from links.codes import save_with_code
from links.models import Link, LinkSettings, LinkTag
from links.validation import (
    validate_antiblock,
    validate_antiblock_map,
    validate_blocked_domains,
    validate_platforms,
    validate_target_url,
)
from suo.models import Workspace
from suo.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

MAX_TAGS = 20
PASSWORD_TRIES_PER_MINUTE = 5


def link_settings_for(workspace: Workspace) -> LinkSettings:
    found, _created = LinkSettings.objects.get_or_create(workspace=workspace)
    return found


def _clean_tags(names: Iterable[str]) -> list[str]:
    tags = list(dict.fromkeys(name.strip() for name in names or [] if name and name.strip()))
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(max)d tags per link.") % {"max": MAX_TAGS}})
    if any(len(tag) > 32 for tag in tags):
        raise ValidationError({"tags": _("A tag has at most 32 characters.")})
    return tags


def _set_tags(link: Link, names: list[str]) -> None:
    existing = {t.name: t for t in LinkTag.objects.filter(workspace=link.workspace, name__in=names)}
    missing = [LinkTag(workspace=link.workspace, name=name) for name in names if name not in existing]
    if missing:
        LinkTag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in LinkTag.objects.filter(workspace=link.workspace, name__in=names)}
    link.tags.set([existing[name] for name in names])


def _check_group(workspace: Workspace, group):
    if group is not None and group.workspace_id != workspace.pk:
        raise ValidationError({"group": _("This group belongs to another workspace.")})
    return group


def _check_limits(*, expires_at, max_clicks) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry time must be in the future.")})
    if max_clicks is not None and max_clicks < 1:
        raise ValidationError({"max_clicks": _("The click limit must be at least 1.")})


@transaction.atomic
def link_create(
    *,
    workspace: Workspace,
    url: str,
    by=None,
    alias: str = "",
    title: str = "",
    tags: Iterable[str] = (),
    allowed_platforms: Iterable[str] = (),
    antiblock: str = "",
    antiblock_by_platform: dict | None = None,
    password: str = "",
    expires_at=None,
    max_clicks: int | None = None,
    source: str = "",
    group=None,
) -> Link:
    link_settings = link_settings_for(workspace)
    link = Link(
        workspace=workspace,
        url=validate_target_url(url, blocked_domains=link_settings.blocked_domains),
        title=title.strip(),
        allowed_platforms=validate_platforms(allowed_platforms, "allowed_platforms"),
        antiblock=validate_antiblock(antiblock),
        antiblock_by_platform=validate_antiblock_map(antiblock_by_platform, "antiblock_by_platform"),
        password=make_password(password) if password else "",
        expires_at=expires_at,
        max_clicks=max_clicks,
        source=source.strip(),
        group=_check_group(workspace, group),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    _check_limits(expires_at=expires_at, max_clicks=max_clicks)
    tag_names = _clean_tags(tags)
    save_with_code(link, alias)
    _set_tags(link, tag_names)
    _schedule_preview(link)
    return link


UPDATABLE = {
    "url",
    "title",
    "allowed_platforms",
    "antiblock",
    "antiblock_by_platform",
    "expires_at",
    "max_clicks",
    "is_active",
    "source",
    "group",
}


@transaction.atomic
def link_update(*, link: Link, by=None, **changes) -> Link:
    """Change a link; `password` set to "" removes it, `tags` replaces them, `alias` changes the code."""
    unknown = set(changes) - UPDATABLE - {"password", "tags", "alias"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    link = Link.objects.select_for_update().get(pk=link.pk)
    url_changed = False
    if "url" in changes:
        new_url = validate_target_url(
            changes["url"], blocked_domains=link_settings_for(link.workspace).blocked_domains
        )
        url_changed = new_url != link.url
        link.url = new_url
    if "allowed_platforms" in changes:
        link.allowed_platforms = validate_platforms(changes["allowed_platforms"], "allowed_platforms")
    if "antiblock_by_platform" in changes:
        link.antiblock_by_platform = validate_antiblock_map(
            changes["antiblock_by_platform"], "antiblock_by_platform"
        )
    if "antiblock" in changes:
        link.antiblock = validate_antiblock(changes["antiblock"])
    if "expires_at" in changes or "max_clicks" in changes:
        _check_limits(expires_at=changes.get("expires_at"), max_clicks=changes.get("max_clicks"))
    for name in ("title", "source"):
        if name in changes:
            setattr(link, name, (changes[name] or "").strip())
    if "group" in changes:
        link.group = _check_group(link.workspace, changes["group"])
    for name in ("expires_at", "max_clicks", "is_active"):
        if name in changes:
            setattr(link, name, changes[name])
    if "password" in changes:
        link.password = make_password(changes["password"]) if changes["password"] else ""
    if changes.get("alias") and changes["alias"] != link.code:
        save_with_code(link, changes["alias"])
    else:
        link.save()
    if "tags" in changes:
        _set_tags(link, _clean_tags(changes["tags"]))
    if url_changed:
        Link.objects.filter(pk=link.pk).update(og_title="", og_description="", og_fetched_at=None)
        _schedule_preview(link)
    return link


def link_delete(*, link: Link) -> None:
    link.delete()


@transaction.atomic
def link_settings_update(
    *, workspace: Workspace, antiblock_defaults=None, blocked_domains=None
) -> LinkSettings:
    link_settings = LinkSettings.objects.select_for_update().get(pk=link_settings_for(workspace).pk)
    if antiblock_defaults is not None:
        link_settings.antiblock_defaults = validate_antiblock_map(antiblock_defaults, "antiblock_defaults")
    if blocked_domains is not None:
        link_settings.blocked_domains = validate_blocked_domains(blocked_domains)
    link_settings.save()
    return link_settings


def claim_capped_click(link: Link) -> bool:
    """Count one visit against a link's click limit; exact under concurrency (one conditional UPDATE)."""
    claimed = (
        Link.objects.filter(pk=link.pk, is_active=True)
        .filter(Q(max_clicks__isnull=True) | Q(capped_clicks__lt=F("max_clicks")))
        .update(capped_clicks=F("capped_clicks") + 1)
    )
    return claimed == 1


def link_visit_record(*, link: Link, meta, platform: str) -> bool:
    """Count a visit: against the click limit, then as a click (`meta`: request.META or the WSGI
    environ). False when the limit was reached meanwhile: nothing is counted."""
    visit = link_visit_build(link=link, meta=meta, platform=platform)
    return link_visit_capture(link=link, visit=visit) is Recorded.OK


def link_visit_build(*, link: Link, meta, platform: str) -> Visit | None:
    """The click a visit makes, or None when capture is switched off (LINKS_CAPTURE)."""
    if not hot_settings.current().LINKS_CAPTURE:
        return None
    return build_visit(
        meta=meta,
        link_id=link.pk,
        workspace_id=link.workspace_id,
        workspace_tz=link.workspace.timezone,
        platform=platform,
    )


def link_visit_capture(*, link: Link, visit: Visit | None, tokens: tuple[str, str] = ("", "")) -> Recorded:
    """Claim the click limit and record the visit. `tokens`: the version tokens a cached link was
    read under (links.link_cache), proven in the same Redis round trip; STALE when they moved, or
    when Redis cannot prove them (the caller reads the link again and passes none)."""
    buffered = hot_settings.current().LINKS_CLICK_BUFFER == "redis"
    if buffered or any(tokens):
        limited = buffered and link.max_clicks is not None
        if visit is not None and limited:
            visit = replace(visit, capped=True)
        payload = serialized(visit) if visit is not None and buffered else ""
        try:
            result = click_buffer.record(
                code=link.code,
                link_id=link.pk,
                max_clicks=link.max_clicks if limited else None,
                capped=link.capped_clicks,
                payload=payload,
                tokens=tokens,
            )
        except RedisError:
            logger.exception("Redis unavailable for the click buffer; counting in the database")
            if any(tokens):
                return Recorded.STALE
        else:
            if buffered or result is not Recorded.OK:
                return result
    # The embedded spool (or a direct write, or Redis down): the limit is claimed in the database.
    if link.max_clicks is not None and not claim_capped_click(link):
        return Recorded.FULL
    if visit is not None:
        capture(visit)
    return Recorded.OK


class TooManyPasswordTries(Exception):
    pass


def link_password_check(*, link: Link, password: str, client: str) -> bool:
    """True when the password is right; after 5 wrong tries a minute per link and client, refuse.

    The tries are counted in the shared cache (Redis with REDIS_URL, so every web process sees
    the same count) with an atomic increment *before* the password is checked, so concurrent
    guesses cannot all slip under the limit; a right password gives its try back.
    """
    key = f"links:pw-tries:{link.pk}:{client}"
    cache.add(key, 0, timeout=60)
    try:
        tries = cache.incr(key)
    except ValueError:  # expired between add and incr: a new minute
        cache.add(key, 1, timeout=60)
        tries = 1
    if tries > PASSWORD_TRIES_PER_MINUTE:
        raise TooManyPasswordTries
    if link.password and check_password(password or "", link.password):
        with contextlib.suppress(ValueError):
            cache.decr(key)
        return True
    return False


def _schedule_preview(link: Link) -> None:
    enqueue_on_commit("links.tasks.fetch_link_preview", link.pk)
