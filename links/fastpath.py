"""The plain-302 case of a short link, answered before Django's request machinery.

Most visits are an ordinary browser (or an app whose mode is `direct`) opening an active link
without a password: the link from this process's cache (links.link_cache), the click capture, a
302 — on PostgreSQL + Redis one Redis round trip that proves the cached link current and buffers
the click; embedded one stat() and one append to the spool file. That case is served here,
in front of the Django WSGI app, with the same rules as links.views.follow (the same decision,
links.redirect.decide, and the same visit recording). Anything else — bots, pages, passwords,
expired or denied links, a wrong host, plain http when https is required — falls through to
Django; when the link was already looked up, it goes along in the environ (`HANDED_OVER`).
"""

import os
import re
from functools import lru_cache

from django.conf import settings
from django.core import signals
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http.request import split_domain_port, validate_host
from django.utils.encoding import iri_to_uri

from links import hot_settings, link_cache
from links.capture import spooled
from links.click_buffer import Recorded
from links.platforms import VisitorPlatform, detect
from links.redirect import HANDED_OVER, OPEN, decide
from links.services import link_visit_build, link_visit_capture
from links.validation import RESERVED_CODES

CODE_PATH = re.compile(r"/([A-Za-z0-9_-]{1,64})")

# A header is Latin-1: Chinese paths and queries are %-encoded. The same hot targets come again
# and again, so each is encoded once.
location_of = lru_cache(maxsize=4096)(iri_to_uri)


# Host header -> allowed: the same few hosts come again on every visit. Bounded (a client may send
# any Host) and emptied when the settings change (tests).
_hosts_seen: dict[str, bool] = {}
MAX_HOSTS_SEEN = 256


def _host_allowed(environ) -> bool:
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    known = _hosts_seen.get(host)
    if known is not None:
        return known
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    verdict = bool(domain) and validate_host(domain, allowed)
    if len(_hosts_seen) >= MAX_HOSTS_SEEN:
        _hosts_seen.clear()
    _hosts_seen[host] = verdict
    return verdict


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    _hosts_seen.clear()


def _is_secure(environ) -> bool:
    header = hot_settings.current().SECURE_PROXY_SSL_HEADER
    if header:
        return environ.get(header[0], "").split(",")[0].strip() == header[1]
    return environ.get("wsgi.url_scheme") == "https"


def plain_visit(environ) -> tuple[str, str] | None:
    """(code, platform) when the request may be a plain counted redirect; None: Django answers."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    match = CODE_PATH.fullmatch(environ.get("PATH_INFO", ""))
    if not match or match.group(1).lower() in RESERVED_CODES:
        return None
    if not _host_allowed(environ) or (hot_settings.current().SECURE_SSL_REDIRECT and not _is_secure(environ)):
        return None
    platform = detect(environ.get("HTTP_USER_AGENT", ""))
    if platform == VisitorPlatform.BOT:
        return None  # its page needs more of the link than is read here: the view looks it up
    return match.group(1), platform


def hot_target(environ, code: str, platform: str) -> str | None:
    """The redirect of a cached link when answering it needs no database at all (so no connection
    housekeeping either): with Redis one round trip, embedded one stat() and one spool append.
    None when the database may be needed (not cached, a click limit on the embedded backend, a
    changed link, Redis or the disk failing); nothing was recorded then."""
    buffer, redis = hot_settings.current().LINKS_CLICK_BUFFER, link_cache.uses_redis()
    if buffer != ("redis" if redis else "spool"):
        return None
    entry = link_cache.cached(code)
    if (
        entry is None
        or (entry.link.max_clicks is not None and not redis)
        or (redis and not any(entry.tokens))
    ):
        return None
    link = entry.link
    if decide(link, platform=platform, method="GET") is not OPEN:
        return None
    location = location_of(link.url)
    visit = link_visit_build(link=link, meta=environ, platform=platform)
    if redis:  # buffered: with the tokens given, this never falls back to the database
        return (
            location
            if link_visit_capture(link=link, visit=visit, tokens=entry.tokens) is Recorded.OK
            else None
        )
    if visit is not None:
        try:
            spooled(visit)
        except OSError:
            return None  # the full path writes it directly
    return location


def redirect_target(environ) -> str | None:
    """The target of a plain counted redirect, or None to let the Django view decide."""
    visit = plain_visit(environ)
    return None if visit is None else _target(environ, *visit)


def _target(environ, code: str, platform: str) -> str | None:
    entry = link_cache.cached(code)
    fresh = entry is None
    if fresh:
        entry = link_cache.load(code)
    for _attempt in range(3):
        link = entry.link if entry is not None else None
        if decide(link, platform=platform, method="GET") is not OPEN:
            if not fresh:  # a page, a 404 or a 410 is decided on the row as the database has it
                entry, fresh = link_cache.load(code), True
                continue
            if link is not None:
                environ[HANDED_OVER] = link  # the view answers with a page, without a second lookup
            return None
        assert entry is not None and link is not None
        location = location_of(link.url)
        visit = link_visit_build(link=link, meta=environ, platform=platform)
        result = link_visit_capture(link=link, visit=visit, tokens=entry.tokens)
        if result is Recorded.STALE:  # the link changed since this process read it
            entry, fresh = link_cache.load(code), True
            continue
        if result is Recorded.FULL:
            return None  # the limit was reached meanwhile: the view looks again and shows the 410 page
        return location
    return None  # changed under us again and again: the view decides on its own lookup


# Whether this process started its link cache warm-up: on its first request, and again in a
# forked child (gunicorn forks its workers), without a getpid() system call per request.
_warm_started = False


def _forked() -> None:
    global _warm_started
    _warm_started = False


os.register_at_fork(after_in_child=_forked)


class ShortLinkFastPath:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        global _warm_started
        if not _warm_started:  # the first request of a (forked) web process
            _warm_started = True
            link_cache.warm_in_background()
        visit = plain_visit(environ) if CODE_PATH.fullmatch(environ.get("PATH_INFO", "")) else None
        if visit is None:
            return self.application(environ, start_response)
        target = hot_target(environ, *visit)
        if target is None:
            # The same connection housekeeping as Django's handler (CONN_MAX_AGE, health checks).
            signals.request_started.send(sender=self.__class__, environ=environ)
            try:
                target = _target(environ, *visit)
            finally:
                signals.request_finished.send(sender=self.__class__)
        if target is None:
            return self.application(environ, start_response)
        hot = hot_settings.current()
        headers = [
            ("Location", target),
            ("Content-Length", "0"),
            ("Cache-Control", "private, no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", hot.SECURE_REFERRER_POLICY or "same-origin"),
        ]
        if hot.SECURE_HSTS_SECONDS and _is_secure(environ):
            headers.append(("Strict-Transport-Security", f"max-age={hot.SECURE_HSTS_SECONDS}"))
        start_response("302 Found", headers)
        return [b""]
