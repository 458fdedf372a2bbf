"""What a visit of a public address gets: the rules of the redirect, in one place and one order.

`decide` is pure: it reads the link (or live group code) and the visit, and returns an `Outcome`;
it writes nothing. The WSGI fast path (links.fastpath), the Django view (links.views) and the live
code page (links.livecodes.views) all ask it, and then do what it says (count the visit, render
the page). Keeping it pure keeps the fast path fast and the three answers the same.
"""

from dataclasses import dataclass
from enum import StrEnum

from links.models import AntiBlockMode, LinkState
from links.platforms import IN_APP_PLATFORMS, VisitorPlatform

# The WSGI environ key under which the fast path hands the link it looked up to the Django view.
HANDED_OVER = "suo.links.link"


class Page(StrEnum):
    GUIDE = "guide"
    COPY = "copy"
    PASSWORD = "password"
    DENIED = "denied"
    GONE = "gone"
    NOT_FOUND = "not_found"
    BOT = "bot"


@dataclass(frozen=True, slots=True)
class Outcome:
    page: Page | None = None  # None: open the target (a 302 for a link, the group page for a live code)
    counted: bool = False  # a visit to count (for a link also claimed against its click limit)
    state: LinkState | None = None  # why a GONE page

    @property
    def opens(self) -> bool:
        return self.page is None


OPEN = Outcome(counted=True)
CHECK_ONLY = Outcome()  # HEAD from a link checker: answered as an open, nothing counted or used up
NOT_FOUND = Outcome(Page.NOT_FOUND)
DENIED = Outcome(Page.DENIED)
PASSWORD = Outcome(Page.PASSWORD)
BOT = Outcome(Page.BOT)
GUIDE = Outcome(Page.GUIDE, counted=True)
COPY = Outcome(Page.COPY, counted=True)
GONE = {state: Outcome(Page.GONE, state=state) for state in LinkState if state != LinkState.ACTIVE}


def decide(subject, *, platform: str, method: str, password_proven: bool = False) -> Outcome:
    """The outcome of a visit of `subject` (a Link or a LiveCode; None when the code is unknown)
    from `platform` with the HTTP `method`; `password_proven` once the visitor gave the password."""
    if subject is None:
        return NOT_FOUND
    state = subject.state()
    if state != LinkState.ACTIVE:
        return GONE[state]
    if not subject.allows(platform):
        return DENIED
    if subject.password and not password_proven:
        return PASSWORD
    if platform == VisitorPlatform.BOT:
        # Crawlers and link previews pass the same gates as people; only then may their page
        # show the target (and its Open Graph text). They are never counted.
        return BOT
    if method == "HEAD":
        return CHECK_ONLY
    if platform in IN_APP_PLATFORMS:
        mode = subject.antiblock_mode(platform)
        if mode == AntiBlockMode.GUIDE:
            return GUIDE
        if mode == AntiBlockMode.COPY:
            return COPY
    return OPEN
