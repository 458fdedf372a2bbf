"""Public pages of live group codes: /g/<code>, its QR code, and the pictures the page shows."""

from django.conf import settings
from django.core.cache import cache
from django.core.signing import BadSignature
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from links import qr
from links.capture import build_visit, capture
from links.livecodes.alerts import near_thresholds
from links.livecodes.images import VISITOR_TOKEN, content_type_of, entry_image_token, entry_image_url
from links.livecodes.models import LiveCode, LiveCodeEntry
from links.livecodes.selectors import live_code_for_page, sticky_entry
from links.livecodes.services import live_code_pick_entry
from links.pages import PublicFace, no_store, not_found, page_response
from links.platforms import VisitorPlatform, detect
from links.redirect import decide
from suo.methods import public_methods
from suo.queue import enqueue_on_commit

STICKY_SECONDS = 24 * 3600
ALERT_CHECK_THROTTLE = 60  # seconds between alert checks for one condition; the sweep covers the rest
WECHAT_APPS = (VisitorPlatform.WECHAT, VisitorPlatform.WECOM, VisitorPlatform.WECHAT_MINIPROGRAM)


def _public_face(live_code: LiveCode) -> PublicFace:
    """What the shared public pages (deny, guide, copy, bot) show of a live code."""
    return PublicFace(
        url=live_code.short_url,
        short_url=live_code.short_url,
        title=live_code.name,
        allowed_platforms=live_code.allowed_platforms,
    )


def _cookie_name(live_code: LiveCode) -> str:
    return f"suo_g_{live_code.pk}"


@public_methods("GET", "HEAD")
def live_code_page(request, code: str) -> HttpResponse:
    live_code = live_code_for_page(code)
    if live_code is None:
        return not_found(request, code)
    platform = detect(request.META.get("HTTP_USER_AGENT", ""))
    outcome = decide(live_code, platform=platform, method=request.method)
    if outcome.page is not None:
        # The guide and copy pages choose no group: the scan is counted where the visitor ends up.
        message = _("This group code has been switched off by its owner.")
        return page_response(
            request, _public_face(live_code), outcome, platform=platform, gone_message=message
        )
    if not outcome.counted:  # HEAD from link checkers and previews: no group is used up
        return no_store(HttpResponse())

    entry, returning = _returning_visitor_entry(request, live_code), True
    if entry is None:
        entry, returning = live_code_pick_entry(live_code=live_code), False
    if settings.LINKS_CAPTURE:
        capture(
            build_visit(
                meta=request.META,
                link_id=None,
                workspace_id=live_code.workspace_id,
                workspace_tz=live_code.workspace.timezone,
                platform=platform,
                live_code_id=live_code.pk,
                entry_id=entry.pk if entry else None,
            )
        )
    if not returning:
        _check_alerts_soon(live_code, entry)
    if entry is None:
        context = {"live_code": live_code, "message": live_code.fallback_message}
        return no_store(render(request, "livecodes/fallback.html", context))
    context = {
        "live_code": live_code,
        "entry": entry,
        "image_url": entry_image_url(entry),
        "in_wechat": platform in WECHAT_APPS,
        "platform": platform,
    }
    response = render(request, "livecodes/page.html", context)
    response.set_signed_cookie(
        _cookie_name(live_code),
        str(entry.pk),
        salt="suo.livecode",
        max_age=STICKY_SECONDS,
        path=f"/g/{live_code.code}",
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return no_store(response)


def _returning_visitor_entry(request, live_code: LiveCode) -> LiveCodeEntry | None:
    """A visitor who reloads the page sees the same group and does not use up a second place."""
    try:
        value = request.get_signed_cookie(
            _cookie_name(live_code), salt="suo.livecode", max_age=STICKY_SECONDS
        )
        entry_id = int(value)
    except (KeyError, BadSignature, ValueError):
        return None
    return sticky_entry(live_code=live_code, entry_id=entry_id, now=timezone.now())


def _check_alerts_soon(live_code: LiveCode, entry: LiveCodeEntry | None) -> None:
    """Enqueue an alert check (never run it in the request) when this scan may have crossed a line."""
    if entry is None:
        key = f"livecodes:alert-check:{live_code.pk}:none-left"
    elif entry.scans >= entry.scan_limit:
        key = f"livecodes:alert-check:{live_code.pk}:{entry.pk}:full"
    elif near_thresholds(entry, timezone.now()):
        key = f"livecodes:alert-check:{live_code.pk}:{entry.pk}:near"
    else:
        return
    if cache.add(key, 1, timeout=ALERT_CHECK_THROTTLE):
        enqueue_on_commit("links.livecodes.tasks.check_live_code_alerts", live_code.pk)


@public_methods("GET", "HEAD")
def live_code_qr(request, code: str, fmt: str) -> HttpResponse:
    live_code = LiveCode.objects.filter(code=code).only("code").first()
    if live_code is None:
        return not_found(request, code)
    return qr.qr_response(request, live_code.short_url, fmt)


def _stream(request, field_file, etag: str, cache_control: str) -> HttpResponse:
    if request.META.get("HTTP_IF_NONE_MATCH") == etag:
        response = HttpResponseNotModified()
    else:
        try:
            handle = field_file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404(_("Not found.")) from None
        response = FileResponse(handle, content_type=content_type_of(field_file.name))
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


@public_methods("GET", "HEAD")
def entry_image(request, code: str, entry_id: int) -> HttpResponse:
    """A group's QR picture, only as the page would show it: with the token of the visitor it was
    given to (while the live code is on and the group switched on and unexpired), or an operator's
    preview token. Anything else, guessed ids included, is a 404."""
    token = entry_image_token(entry_id, request.GET.get("t", ""))
    entry = (
        LiveCodeEntry.objects.filter(pk=entry_id, live_code__code=code)
        .select_related("live_code")
        .only("image", "content_hash", "is_active", "expires_at", "live_code__is_active")
        .first()
    )
    if entry is None or not entry.image or token is None:
        raise Http404(_("Not found."))
    if token == VISITOR_TOKEN and not (
        entry.live_code.is_active and entry.is_active and entry.expires_at > timezone.now()
    ):
        raise Http404(_("Not found."))
    # The picture never changes (a new picture is a new entry), but who may see it does.
    return _stream(request, entry.image, f'"{entry.content_hash[:40]}"', "private, max-age=3600")


@public_methods("GET", "HEAD")
def fallback_image(request, code: str) -> HttpResponse:
    live_code = LiveCode.objects.filter(code=code).only("fallback_image").first()
    if live_code is None or not live_code.fallback_image:
        raise Http404(_("Not found."))
    name = live_code.fallback_image.name
    etag = f'"{name.rsplit("/", 1)[-1]}"'  # a new picture gets a new random file name
    return _stream(request, live_code.fallback_image, etag, "public, max-age=300")
