"""Limited offers and their claims, scheduled messages, and members' personal countdown links.

Claims are exact under concurrency: a member's n-th claim of an offer is a row with seq = n and
(offer, member, seq) is unique, so two parallel claims of one member cannot both be their last
allowed one; stock is taken by one conditional UPDATE (claimed < stock), so it never oversells.
An Idempotency-Key is stored on the claim (the way violations keep theirs): a retried request
finds the claim it made and returns it unchanged.
"""

from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.campaigns.errors import refusal
from groups.campaigns.models import (
    Campaign,
    CampaignPhase,
    CampaignVisit,
    Claim,
    Offer,
)
from groups.campaigns.payloads import campaign_brief
from groups.models import Member
from groups.payloads import member_payload
from suo.audit import audit_record, snapshot
from suo.webhooks import webhook_emit

IDEMPOTENCY_KEY_MAX = 64
MEMBER_LINK_SALT = "suo.campaigns.member-link"
MEMBER_LINK_MAX_AGE = 90 * 24 * 3600
OFFERS_OPEN_UNTIL = (CampaignPhase.DRAFT, CampaignPhase.PREHEAT, CampaignPhase.IGNITE)
# What an offer's audit records show of it.
OFFER_AUDITED = ["name", "price", "stock", "per_member_limit"]


class SoldOut(Exception):
    """The offer has no stock left (HTTP 409)."""

    code = "sold_out"

    def __init__(self, offer: Offer):
        self.offer = offer
        super().__init__(_("“%(offer)s” is sold out.") % {"offer": offer.name})


def _check_open_for_offers(campaign: Campaign) -> None:
    if campaign.phase not in OFFERS_OPEN_UNTIL:
        raise refusal(
            "campaign",
            _("The campaign is past its ignite phase; offers cannot be added or changed."),
            "campaign_over",
        )


@transaction.atomic
def offer_create(
    *, campaign: Campaign, name: str, stock: int, price, per_member_limit: int = 1, position: int = 0, by=None
) -> Offer:
    _check_open_for_offers(campaign)
    offer = Offer(
        workspace_id=campaign.workspace_id,
        campaign=campaign,
        name=(name or "").strip(),
        stock=stock,
        price=price,
        per_member_limit=per_member_limit,
        position=position,
    )
    offer.full_clean(exclude=["workspace", "campaign"])
    offer.save()
    audit_record(
        actor=by,
        verb="offer.created",
        target=offer,
        after=snapshot(offer, ["campaign", *OFFER_AUDITED]),
    )
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, by=None, **changes) -> Offer:
    """Rename, reprice or restock an offer; the stock never goes below what was already claimed."""
    unknown = set(changes) - {"name", "price", "stock", "per_member_limit", "position"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    offer = Offer.objects.select_related("campaign").get(pk=offer.pk)
    _check_open_for_offers(offer.campaign)
    before = snapshot(offer, OFFER_AUDITED)
    if "stock" in changes:
        stock = changes.pop("stock")
        if stock is None or stock < 0:
            raise ValidationError({"stock": _("Give a stock of 0 or more.")})
        # Conditional, so a claim landing at the same moment is counted before the check.
        if not Offer.objects.filter(pk=offer.pk, claimed__lte=stock).update(stock=stock):
            claimed = Offer.objects.filter(pk=offer.pk).values_list("claimed", flat=True).get()
            raise refusal(
                "stock",
                _("%(claimed)s have already been claimed; the stock cannot be lower.") % {"claimed": claimed},
                "stock_below_claimed",
            )
        offer.refresh_from_db(fields=["stock", "claimed"])
    for name, value in changes.items():
        setattr(offer, name, value.strip() if isinstance(value, str) else value)
    offer.full_clean(exclude=["workspace", "campaign"])
    offer.save()
    audit_record(
        actor=by,
        verb="offer.updated",
        target=offer,
        before=before,
        after=snapshot(offer, OFFER_AUDITED),
    )
    return offer


def _replay(offer: Offer, member: Member, key: str) -> Claim | None:
    if not key:
        return None
    claim = Claim.objects.filter(offer=offer, member=member, idempotency_key=key).first()
    if claim is not None:
        claim.replayed = True
    return claim


@transaction.atomic
def offer_claim(
    *, offer: Offer, member: Member, by=None, idempotency_key: str = "", via: str = "api"
) -> Claim:
    """Claim one unit of `offer` for `member` during ignite.

    Raises ValidationError (over the member's limit, outside ignite) or SoldOut. The returned claim
    has `replayed`: True when `idempotency_key` named a claim already made, which is returned as is.
    """
    key = (idempotency_key or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise ValidationError(
            {"Idempotency-Key": _("At most %(n)s characters.") % {"n": IDEMPOTENCY_KEY_MAX}}
        )
    if member.workspace_id != offer.workspace_id:
        raise refusal("member", _("The member does not exist in this workspace."), "does_not_exist")
    replay = _replay(offer, member, key)
    if replay is not None:
        return replay
    offer = Offer.objects.select_related("campaign__group", "campaign__workspace").get(pk=offer.pk)
    campaign = offer.campaign
    if campaign.phase != CampaignPhase.IGNITE:
        code = (
            "campaign_closed"
            if campaign.phase in (CampaignPhase.WRAP_UP, CampaignPhase.CLOSED)
            else "not_started"
        )
        raise refusal(
            "campaign",
            _("Claims are open during the ignite phase only; the campaign is “%(phase)s”.")
            % {"phase": campaign.get_phase_display()},
            code,
        )
    for _attempt in range(offer.per_member_limit + 1):
        count = Claim.objects.filter(offer=offer, member=member).count()
        if count >= offer.per_member_limit:
            raise refusal(
                "member",
                _("%(member)s has already claimed %(count)s of “%(offer)s”, the limit per member.")
                % {"member": member.display_name, "count": count, "offer": offer.name},
                "over_limit",
            )
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    workspace_id=offer.workspace_id,
                    campaign=campaign,
                    offer=offer,
                    member=member,
                    seq=count + 1,
                    remaining_after=0,
                    via=via,
                    idempotency_key=key,
                    by=by if by is not None and by.is_authenticated else None,
                    created_at=timezone.now(),
                )
                if not Offer.objects.filter(pk=offer.pk, claimed__lt=F("stock")).update(
                    claimed=F("claimed") + 1
                ):
                    raise SoldOut(offer)
        except IntegrityError:
            # A parallel claim of the same member won this number (or this key): look again.
            replay = _replay(offer, member, key)
            if replay is not None:
                return replay
            continue
        break
    else:
        raise refusal("member", _("Too many claims at once; try again."), "busy")
    stock, claimed = Offer.objects.filter(pk=offer.pk).values_list("stock", "claimed").get()
    claim.remaining_after = stock - claimed
    claim.save(update_fields=["remaining_after"])
    claim.replayed = False
    webhook_emit(
        workspace=campaign.workspace,
        event_type="offer.claimed",
        payload={
            "campaign": campaign_brief(campaign),
            "offer": {"id": offer.pk, "name": offer.name, "price": offer.price},
            "member": member_payload(member),
            "claim": {"id": claim.pk, "seq": claim.seq, "remaining_after": claim.remaining_after, "via": via},
        },
    )
    return claim


# --- members' personal links -------------------------------------------------------------------


def member_link(*, campaign: Campaign, member: Member) -> str:
    """The countdown page address a bot sends one member: it lets them claim without logging in.

    The token is signed (not guessable, not transferable to another campaign) and expires after
    MEMBER_LINK_MAX_AGE; it names the member only by id, inside the signature.
    """
    if member.workspace_id != campaign.workspace_id:
        raise refusal("members", _("The member does not exist in this workspace."), "does_not_exist")
    token = signing.dumps([campaign.pk, member.pk], salt=MEMBER_LINK_SALT, compress=True)
    return f"{campaign.countdown_url}?t={token}"


def member_from_token(*, campaign: Campaign, token: str) -> Member | None:
    try:
        campaign_id, member_id = signing.loads(token, salt=MEMBER_LINK_SALT, max_age=MEMBER_LINK_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if campaign_id != campaign.pk:
        return None
    return Member.objects.filter(pk=member_id, workspace_id=campaign.workspace_id).first()


def visit_record(*, campaign: Campaign, member: Member, at: datetime | None = None) -> None:
    """The member opened their link: counted for the wrap-up's `clicked` tag."""
    at = at or timezone.now()
    updated = CampaignVisit.objects.filter(campaign=campaign, member=member).update(
        last_at=at, count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                CampaignVisit.objects.create(
                    workspace_id=campaign.workspace_id,
                    campaign=campaign,
                    member=member,
                    first_at=at,
                    last_at=at,
                )
        except IntegrityError:
            CampaignVisit.objects.filter(campaign=campaign, member=member).update(
                last_at=at, count=F("count") + 1
            )
