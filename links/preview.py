"""Open Graph title/description of a link's target, fetched once in the background for bots."""

import ipaddress
import socket
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings

MAX_BYTES = 256 * 1024
TIMEOUT_SECONDS = 5


class _MetaParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or "").lower()
            if key in {"og:title", "og:description", "description", "twitter:title", "twitter:description"}:
                self.meta.setdefault(key, attrs.get("content", "").strip())
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title and len(self.title) < 300:
            self.title += data


def _public_host(url: str) -> bool:
    """Refuse targets on private or loopback addresses: the server must not probe its own network."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return all(ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses)


def fetch_preview(url: str) -> tuple[str, str]:
    """(title, description) of the page at `url`; ("", "") when it cannot be read."""
    if not settings.LINKS_PREVIEW_ALLOW_PRIVATE and not _public_host(url):
        return "", ""
    request = urllib.request.Request(url, headers={"User-Agent": "suo-link-preview/1.0 (bot)"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            if "html" not in response.headers.get("Content-Type", ""):
                return "", ""
            charset = response.headers.get_content_charset() or "utf-8"
            body = response.read(MAX_BYTES).decode(charset, errors="replace")
    except Exception:
        return "", ""
    parser = _MetaParser()
    parser.feed(body)
    title = parser.meta.get("og:title") or parser.meta.get("twitter:title") or parser.title.strip()
    description = (
        parser.meta.get("og:description")
        or parser.meta.get("twitter:description")
        or parser.meta.get("description", "")
    )
    return " ".join(title.split())[:300], " ".join(description.split())[:500]
