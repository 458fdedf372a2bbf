"""Public pages of short links: the redirect, its QR code and the pages shown instead of a redirect."""

from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from links import qr
from links.capture import client_ip
from links.models import LinkState
from links.pages import no_store, not_found, page_response
from links.platforms import detect
from links.redirect import GONE, HANDED_OVER, Page, decide
from links.selectors import link_for_redirect
from links.services import TooManyPasswordTries, link_password_check, link_visit_record
from suo.methods import public_methods

GONE_MESSAGES = {
    LinkState.INACTIVE: gettext_lazy("This link has been switched off by its owner."),
    LinkState.EXPIRED: gettext_lazy("This link has expired."),
    LinkState.EXHAUSTED: gettext_lazy("This link has reached its visit limit."),
}


def handed_over_link(meta, code: str):
    """The link the fast path already looked up for this request, if it did (links.fastpath)."""
    link = meta.get(HANDED_OVER)
    return link if link is not None and link.code == code else None


@public_methods("GET", "HEAD", "POST")
def follow(request, code: str) -> HttpResponse:
    link = handed_over_link(request.META, code) or link_for_redirect(code)
    if link is None:
        return not_found(request, code)
    platform = detect(request.META.get("HTTP_USER_AGENT", ""))
    outcome = decide(link, platform=platform, method=request.method)
    error, status = "", 200
    if outcome.page == Page.PASSWORD and request.method == "POST":
        try:
            proven = link_password_check(
                link=link, password=request.POST.get("password", ""), client=client_ip(request.META)
            )
        except TooManyPasswordTries:
            error, status = _("Too many wrong passwords. Wait a minute, then try again."), 429
        else:
            if proven:
                outcome = decide(link, platform=platform, method=request.method, password_proven=True)
            else:
                error = _("That password is not right. Check it with whoever sent you the link.")
                status = 403
    if outcome.counted and not link_visit_record(link=link, meta=request.META, platform=platform):
        outcome = GONE[LinkState.EXHAUSTED]
    if outcome.opens:
        return no_store(HttpResponseRedirect(link.url))
    message = str(GONE_MESSAGES[outcome.state]) if outcome.state else ""
    return page_response(
        request, link, outcome, platform=platform, gone_message=message, error=error, status=status
    )


@public_methods("GET", "HEAD")
def qr_image(request, code: str, fmt: str) -> HttpResponse:
    link = link_for_redirect(code)
    if link is None:
        return not_found(request, code)
    return qr.qr_response(request, link.short_url, fmt)
