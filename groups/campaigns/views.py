"""The public countdown page /c/<slug> and the small JSON state it polls.

Members claim with the personal link the group bot sends them (/c/<slug>?t=<signed token>,
POST /api/campaigns/{id}/member-links/): the token is signed by suo, names one member of one
campaign and cannot be guessed, so nobody can claim for someone else or walk through member ids.
The claim form is an ordinary POST protected by Django's CSRF check and carries an idempotency
key made when the page was rendered (a double tap claims once). Claims are rate-limited per
visitor address and campaign.
"""

import uuid
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.campaigns import selectors, services
from groups.campaigns.models import Campaign, CampaignPhase, Offer
from links.capture import client_ip
from links.platforms import detect
from suo.methods import public_methods

CLAIMS_PER_MINUTE = 20


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _campaign(slug: str) -> Campaign | None:
    return selectors.campaign_list(Campaign.objects.filter(slug=slug).select_related("workspace")).first()


def _throttled(request, campaign: Campaign) -> bool:
    key = f"campaigns:claims:{campaign.pk}:{client_ip(request.META)}"
    if cache.add(key, 1, timeout=60):
        return False
    try:
        return cache.incr(key) > CLAIMS_PER_MINUTE
    except ValueError:  # expired in between
        return False


def _claim(request, campaign: Campaign, member) -> tuple[str, str, int]:
    """(kind, message, status) of a claim posted from the page."""
    if member is None:
        return "error", _("This link is not valid for claiming. Open the personal link from the group."), 403
    if _throttled(request, campaign):
        return "error", _("Too many tries in a minute. Wait a moment and try again."), 429
    raw = str(request.POST.get("offer", ""))
    offer = (
        Offer.objects.filter(campaign=campaign, pk=int(raw)).first()
        if raw.isascii() and raw.isdigit() and len(raw) < 18
        else None
    )
    if offer is None:
        return "error", _("This offer does not exist. Reload the page and try again."), 400
    try:
        services.offer_claim(
            offer=offer, member=member, idempotency_key=request.POST.get("key", "")[:64], via="page"
        )
    except services.SoldOut:
        return "error", _("“%(offer)s” is sold out.") % {"offer": offer.name}, 409
    except ValidationError as exc:
        return "error", " ".join(exc.messages), 400
    return (
        "success",
        _("You got “%(offer)s”! Customer service will contact you in the group.") % {"offer": offer.name},
        200,
    )


@public_methods("GET", "HEAD", "POST")
def countdown_page(request, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    if campaign is None:
        return render(request, "campaigns/not_found.html", {"slug": slug}, status=404)
    timezone.activate(ZoneInfo(campaign.workspace.timezone))
    token = request.POST.get("t") if request.method == "POST" else request.GET.get("t")
    member = services.member_from_token(campaign=campaign, token=token) if token else None
    notice, status = None, 200
    if request.method == "POST":
        kind, message, status = _claim(request, campaign, member)
        notice = {"kind": kind, "message": message}
    elif member is not None and detect(request.META.get("HTTP_USER_AGENT", "")) != "bot":
        services.visit_record(campaign=campaign, member=member)
    state = selectors.countdown_state(campaign)
    context = {
        "campaign": campaign,
        "state": state,
        "now_ms": int(state["now"].timestamp() * 1000),
        "target_ms": int(state["next_phase_at"].timestamp() * 1000) if state["next_phase_at"] else "",
        "member": member,
        "token": token if member is not None else "",
        "key": uuid.uuid4().hex,
        "claimable": campaign.phase == CampaignPhase.IGNITE,
        "notice": notice,
    }
    return _no_store(render(request, "campaigns/countdown.html", context, status=status))


@public_methods("GET", "HEAD")
def countdown_state(request, slug: str) -> JsonResponse:
    campaign = _campaign(slug)
    if campaign is None:
        return _no_store(JsonResponse({"detail": _("No such campaign.")}, status=404))
    state = selectors.countdown_state(campaign)
    body = {
        "phase": state["phase"],
        "phase_label": state["phase_label"],
        "next_phase": state["next_phase"],
        "next_phase_at": state["next_phase_at"].isoformat() if state["next_phase_at"] else None,
        "now": state["now"].isoformat(),
        "offers": [{"id": offer["id"], "remaining": offer["remaining"]} for offer in state["offers"]],
    }
    return _no_store(JsonResponse(body))
