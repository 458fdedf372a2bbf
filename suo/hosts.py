"""Host names as suo stores and compares them: one form, whatever way a person typed one.

A browser sends the Host of `例子.com` as `xn--fsqu00a.com`, lower case, and Django's request side
(split_domain_port) lowers it and drops a final dot. A host typed into a setting or a form must
be in that same form, or it never matches: full-width letters and dots (`ｅｘａｍｐｌｅ．ｃｏｍ`),
upper case, a final dot and Unicode names are folded here, once, by everything that keeps a host
(settings.ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS, the short-link host, blocked domains).

Pure: no models, no settings, so settings.py can use it too.
"""

import ipaddress
import re
import unicodedata
from functools import lru_cache

import idna

MAX_HOST_LENGTH = 253
LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")


@lru_cache(maxsize=4096)
def normalize_host(host: str) -> str:
    """A host name as every check compares it: NFKC and UTS-46 folded (full-width letters,
    ideographic dots, upper case, invisible characters), in its ASCII (punycode) form, without a
    final dot.

    So `ｅｖｉｌ.com`, `evil。com`, `EVIL.com.` and `evil.com` are one host, as are `例子.com` and
    `xn--fsqu00a.com`. Raises ValueError when the name cannot be a host name. The labels are not
    checked further (see clean_host).
    """
    try:
        folded = unicodedata.normalize("NFKC", (host or "").strip())
        mapped = idna.uts46_remap(folded, std3_rules=False, transitional=False)
        labels = mapped.rstrip(".").split(".")
        # ASCII labels stay as they are (underscores occur in real host names); others get IDNA.
        return ".".join(label if label.isascii() else idna.alabel(label).decode("ascii") for label in labels)
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"not a host name: {host!r}") from exc


def clean_host(host: str) -> str:
    """normalize_host, then checked: labels of letters, digits, "-" and "_" (an IPv4 address is
    one too), or an IPv6 address in brackets. Raises ValueError for anything else."""
    text = (host or "").strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(text[1:-1]).compressed}]"
        except ValueError:
            raise ValueError(f"not an IPv6 address: {host!r}") from None
    name = normalize_host(text)
    labels = name.split(".")
    if not name or len(name) > MAX_HOST_LENGTH or not all(LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"not a host name: {host!r}")
    return name


def clean_host_pattern(pattern: str) -> str:
    """A host as ALLOWED_HOSTS or CSRF_TRUSTED_ORIGINS take it, cleaned: `*` stays, and so does a
    leading `.` or `*.` (a domain with its subdomains) in front of a cleaned host."""
    pattern = (pattern or "").strip()
    if pattern == "*":
        return pattern
    for prefix in ("*.", "."):
        if pattern.startswith(prefix):
            return prefix + clean_host(pattern[len(prefix) :])
    return clean_host(pattern)


def clean_origin(origin: str) -> str:
    """`scheme://host[:port]` of CSRF_TRUSTED_ORIGINS with its host cleaned (`*.` allowed)."""
    scheme, separator, rest = (origin or "").strip().partition("://")
    if not separator or not scheme:
        raise ValueError(f"not an origin (scheme://host): {origin!r}")
    host, port = rest, ""
    if not rest.endswith("]") and ":" in rest:
        host, port = rest.rsplit(":", 1)
        if not port.isdigit():
            raise ValueError(f"not an origin (scheme://host): {origin!r}")
    return f"{scheme.lower()}://{clean_host_pattern(host)}{':' + port if port else ''}"
