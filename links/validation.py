"""Rules for what a short link may point to, what its code may be, and its platform gate's fields."""

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from links.models import AntiBlockMode
from links.platforms import VisitorPlatform
from suo.hosts import clean_host, normalize_host

MAX_URL_LENGTH = 2048
ALIAS_PATTERN = re.compile(r"^[A-Za-z0-9_-]{3,64}$")

# Top-level paths of suo and words that would confuse visitors; compared case-insensitively.
RESERVED_CODES = frozenset(
    {
        "admin",
        "api",
        "dash",
        "desk",
        "g",
        "c",
        "static",
        "media",
        "healthz",
        "health",
        "accounts",
        "i18n",
        "login",
        "logout",
        "signup",
        "register",
        "favicon",
        "robots",
        "sitemap",
        "www",
        "help",
        "about",
        "docs",
        "status",
        "assets",
        "public",
        "app",
        "s",
        "u",
        "l",
        "qr",
        "webhooks",
        "hooks",
        "settings",
        "account",
        "dashboard",
        "well-known",
        "null",
        "undefined",
    }
)

_url_format = URLValidator(schemes=["http", "https"], message="")


def _host_matches(host: str, domains) -> str | None:
    """The first of `domains` that `host` (normalised) is, or is a subdomain of."""
    for domain in domains:
        try:
            domain = normalize_host(str(domain).strip().lstrip("."))
        except ValueError:
            continue
        if domain and (host == domain or host.endswith("." + domain)):
            return domain
    return None


def validate_blocked_domains(domains: Iterable[str], field: str = "blocked_domains") -> list[str]:
    """Bare domain names, cleaned as every stored host is (suo.hosts.clean_host), sorted and unique."""
    if domains is not None and not isinstance(domains, list | tuple | set | frozenset):
        raise ValidationError({field: _('Give a list of domain names such as ["example.com"].')})
    cleaned = set()
    for raw in domains or []:
        raw = (raw if isinstance(raw, str) else "").strip().lstrip(".")
        if not raw:
            continue
        try:
            domain = clean_host(raw)
        except ValueError:
            domain = ""
        if "." not in domain:
            raise ValidationError(
                {field: _("Give bare domain names such as example.com (got %(bad)s).") % {"bad": raw}}
            )
        cleaned.add(domain)
    return sorted(cleaned)


def validate_target_url(url: str, *, blocked_domains=()) -> str:
    """The cleaned target URL, or a ValidationError on `url` that says what is wrong."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": _("Enter the address the link should open.")}, code="required")
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(
            {"url": _("The address is longer than %(max)d characters.") % {"max": MAX_URL_LENGTH}},
            code="too_long",
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationError(
            {"url": _("The address must not contain spaces or control characters.")}, code="invalid"
        )
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. a host with characters that normalise to "/" or "@"
        raise ValidationError({"url": _("This is not a valid web address.")}, code="invalid") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise ValidationError(
            {
                "url": _("Only http:// and https:// addresses can be shortened (got “%(scheme)s:”).")
                % {"scheme": scheme or "—"}
            },
            code="scheme",
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            {"url": _("Addresses with a user name or password in them are refused.")}, code="credentials"
        )
    try:
        host = normalize_host(hostname or "")
    except ValueError:
        raise ValidationError({"url": _("This is not a valid web address.")}, code="invalid") from None
    if not host:
        raise ValidationError(
            {"url": _("The address needs a host name, e.g. https://example.com/.")}, code="host"
        )
    try:
        _url_format(url)
    except ValidationError:
        raise ValidationError({"url": _("This is not a valid web address.")}, code="invalid") from None
    short_host = normalize_host(urlsplit(settings.SHORT_BASE_URL).hostname or "")
    if short_host and host == short_host:
        raise ValidationError(
            {"url": _("A short link cannot point to another short link of this site (it would loop).")},
            code="loop",
        )
    blocked = _host_matches(host, [*settings.LINKS_BLOCKED_DOMAINS, *blocked_domains])
    if blocked:
        raise ValidationError(
            {"url": _("Links to %(domain)s are blocked in this workspace.") % {"domain": blocked}},
            code="blocked",
        )
    return url


def validate_platforms(value: Iterable[str], field: str) -> list[str]:
    platforms = list(dict.fromkeys(value or []))
    unknown = [p for p in platforms if p not in VisitorPlatform.values]
    if unknown:
        raise ValidationError(
            {
                field: _("Unknown platform: %(names)s. See /api/platforms/ for the ids.")
                % {"names": ", ".join(unknown)}
            }
        )
    return platforms


def validate_antiblock_map(value: dict | None, field: str) -> dict:
    value = value or {}
    if not isinstance(value, dict):
        raise ValidationError({field: _("Give an object of platform id → direct, guide or copy.")})
    validate_platforms(value.keys(), field)
    wrong = [mode for mode in value.values() if mode not in AntiBlockMode.values]
    if wrong:
        raise ValidationError({field: _("Anti-block modes are direct, guide or copy.")})
    return dict(value)


def validate_antiblock(mode: str, field: str = "antiblock") -> str:
    if mode and mode not in AntiBlockMode.values:
        raise ValidationError({field: _("Anti-block modes are direct, guide or copy.")})
    return mode or ""


def validate_alias(alias: str) -> str:
    if not ALIAS_PATTERN.fullmatch(alias):
        raise ValidationError(
            {"alias": _("Use 3–64 letters, digits, “-” or “_” for a custom code.")}, code="invalid"
        )
    if alias.lower() in RESERVED_CODES:
        raise ValidationError(
            {"alias": _("“%(alias)s” is reserved by the site; choose another code.") % {"alias": alias}},
            code="reserved",
        )
    return alias
