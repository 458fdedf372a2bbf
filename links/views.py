"""Public pages of short links: the redirect, its QR code and the pages shown instead of a redirect."""

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from links import qr
from links.capture import build_visit, capture, client_ip
from links.models import AntiBlockMode, LinkState
from links.platforms import IN_APP_PLATFORMS, VisitorPlatform, detect, is_ios
from links.selectors import link_for_redirect
from links.services import TooManyPasswordTries, claim_capped_click, link_password_check

GONE_MESSAGES = {
    LinkState.INACTIVE: gettext_lazy("This link has been switched off by its owner."),
    LinkState.EXPIRED: gettext_lazy("This link has expired."),
    LinkState.EXHAUSTED: gettext_lazy("This link has reached its visit limit."),
}


def _no_store(response: HttpResponse) -> HttpResponse:
    # Every visit must reach suo to be counted and checked; nothing in between may cache it.
    response["Cache-Control"] = "private, no-store"
    return response


def not_found(request, code: str = "") -> HttpResponse:
    return render(request, "links/not_found.html", {"code": code}, status=404)


def _gone(request, link, state) -> HttpResponse:
    return _no_store(
        render(request, "links/gone.html", {"link": link, "message": str(GONE_MESSAGES[state])}, status=410)
    )


@require_http_methods(["GET", "HEAD", "POST"])
def follow(request, code: str) -> HttpResponse:
    link = link_for_redirect(code)
    if link is None:
        return not_found(request, code)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    platform = detect(user_agent)
    if platform == VisitorPlatform.BOT:
        return render(request, "links/bot.html", {"link": link})
    state = link.state()
    if state != LinkState.ACTIVE:
        return _gone(request, link, state)
    if not link.allows(platform):
        names = [str(VisitorPlatform(p).label) for p in link.allowed_platforms]
        context = {"link": link, "allowed": names, "platform": VisitorPlatform(platform).label}
        return _no_store(render(request, "links/denied.html", context, status=403))
    if link.password:
        unlocked, response = _password_gate(request, link)
        if not unlocked:
            return response
    if request.method == "HEAD":
        # Link checkers ask with HEAD; nobody visits, so nothing is counted or used up.
        return _no_store(HttpResponseRedirect(link.url))
    if not record_visit(link=link, meta=request.META, platform=platform):
        return _gone(request, link, LinkState.EXHAUSTED)
    mode = link.antiblock_mode(platform)
    if platform in IN_APP_PLATFORMS and mode != AntiBlockMode.DIRECT:
        context = {
            "link": link,
            "app": VisitorPlatform(platform).label,
            "ios": is_ios(user_agent),
        }
        template = "links/guide.html" if mode == AntiBlockMode.GUIDE else "links/copy.html"
        return _no_store(render(request, template, context))
    return _no_store(HttpResponseRedirect(link.url))


def record_visit(*, link, meta, platform: str) -> bool:
    """Count the visit (against the click limit, then as a click); False when the limit is reached."""
    if link.max_clicks is not None and not claim_capped_click(link):
        return False
    if settings.LINKS_CAPTURE:
        capture(
            build_visit(
                meta=meta,
                link_id=link.pk,
                workspace_id=link.workspace_id,
                workspace_tz=link.workspace.timezone,
                platform=platform,
            )
        )
    return True


def _password_gate(request, link) -> tuple[bool, HttpResponse | None]:
    error = ""
    status = 200
    if request.method == "POST":
        try:
            if link_password_check(
                link=link, password=request.POST.get("password", ""), client=client_ip(request.META)
            ):
                return True, None
            error = _("That password is not right. Check it with whoever sent you the link.")
            status = 403
        except TooManyPasswordTries:
            error = _("Too many wrong passwords. Wait a minute, then try again.")
            status = 429
    return False, _no_store(
        render(request, "links/password.html", {"link": link, "error": error}, status=status)
    )


@require_GET
def qr_image(request, code: str, fmt: str) -> HttpResponse:
    link = link_for_redirect(code)
    if link is None:
        return not_found(request, code)
    return qr.qr_response(request, link.short_url, fmt)
