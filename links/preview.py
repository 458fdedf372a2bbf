"""Open Graph title/description of a link's target, fetched once in the background for bots.

The target is a user-given URL: it is fetched through suo.safe_fetch (public addresses only, the
checked address connected to, no redirects, one deadline, a byte limit).
"""

from html.parser import HTMLParser

from suo.safe_fetch import FetchError, safe_fetch

MAX_BYTES = 256 * 1024
DEADLINE_SECONDS = 5


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


def fetch_preview(url: str) -> tuple[str, str]:
    """(title, description) of the page at `url`; ("", "") when it cannot or may not be read."""
    try:
        response = safe_fetch(
            url,
            headers={"User-Agent": "suo-link-preview/1.0 (bot)", "Accept": "text/html"},
            deadline=DEADLINE_SECONDS,
            max_bytes=MAX_BYTES,
        )
    except FetchError:
        return "", ""
    if response.status != 200 or "html" not in response.content_type:
        return "", ""
    body = response.text()
    parser = _MetaParser()
    parser.feed(body)
    title = parser.meta.get("og:title") or parser.meta.get("twitter:title") or parser.title.strip()
    description = (
        parser.meta.get("og:description")
        or parser.meta.get("twitter:description")
        or parser.meta.get("description", "")
    )
    return " ".join(title.split())[:300], " ".join(description.split())[:500]
