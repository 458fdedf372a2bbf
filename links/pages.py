"""The pages a public address answers with instead of opening its target, for short links and live
group codes alike. `subject` is what the templates read: a Link, or a `PublicFace` of a live code."""

from dataclasses import dataclass, field

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.encoding import iri_to_uri

from links.platforms import VisitorPlatform, is_ios
from links.redirect import Outcome, Page


@dataclass(frozen=True)
class PublicFace:
    """The fields of a Link that the shared pages read, for something that is not a link."""

    url: str
    short_url: str
    title: str
    allowed_platforms: list = field(default_factory=list)
    og_description: str = ""

    @property
    def og_title(self) -> str:
        return self.title


def no_store(response: HttpResponse) -> HttpResponse:
    # Every visit must reach suo to be counted and checked; nothing in between may cache it.
    response["Cache-Control"] = "private, no-store"
    return response


def not_found(request, code: str = "") -> HttpResponse:
    return render(request, "links/not_found.html", {"code": code}, status=404)


def page_response(
    request, subject, outcome: Outcome, *, platform: str, gone_message: str = "", error: str = "", status=200
) -> HttpResponse:
    """The page `outcome` names (links.redirect.decide; not NOT_FOUND, which has no subject)."""
    page = outcome.page
    if page == Page.BOT:
        return render(request, "links/bot.html", {"link": subject, "target": iri_to_uri(subject.url)})
    if page == Page.GONE:
        context = {"link": subject, "message": gone_message}
        return no_store(render(request, "links/gone.html", context, status=410))
    if page == Page.DENIED:
        context = {
            "link": subject,
            "allowed": [str(VisitorPlatform(p).label) for p in subject.allowed_platforms],
            "platform": VisitorPlatform(platform).label,
        }
        return no_store(render(request, "links/denied.html", context, status=403))
    if page == Page.PASSWORD:
        context = {"link": subject, "error": error}
        return no_store(render(request, "links/password.html", context, status=status))
    template = "links/guide.html" if page == Page.GUIDE else "links/copy.html"
    context = {
        "link": subject,
        "target": iri_to_uri(subject.url),  # what the button opens and copies: a URI, not an IRI
        "app": VisitorPlatform(platform).label,
        "ios": is_ios(request.META.get("HTTP_USER_AGENT", "")),
    }
    return no_store(render(request, template, context))
