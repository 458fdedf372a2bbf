"""Lead-gen and fission: lures per channel, joins with a source, referrals that count once the
invitee stayed N days, rewards granted once by the scheduled check, and conversions to paid.

Joins reach suo in three ways: POST /api/campaigns/{id}/joins/ (here), the groups join API and
bots' join events. The last two do not know about campaigns, so the reconciler also finds joins
with an inviter in the campaign's group during the campaign and tracks them the same way.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.campaigns.errors import refusal
from groups.campaigns.models import (
    Campaign,
    CampaignPhase,
    Conversion,
    Lure,
    LureChannel,
    PhaseTransition,
    Referral,
    ReferralReason,
    ReferralState,
    TransitionState,
)
from groups.campaigns.payloads import campaign_brief
from groups.campaigns.services.flash import attribution_stamp
from groups.campaigns.services.messages import tracked_link
from groups.campaigns.services.referrals import (
    invitation_problem,
    referral_check,
    referral_track,
    referrals_discover,
)
from groups.models import Entitlement, JoinSource, Member, Membership
from groups.payloads import member_payload
from groups.services import entitlement_grant, membership_join
from suo.audit import audit_record
from suo.db import save_unless_taken
from suo.webhooks import webhook_emit_many

RUNNING = (CampaignPhase.PREHEAT, CampaignPhase.IGNITE, CampaignPhase.WRAP_UP)
LATE_DISCOVERY = timedelta(days=30)  # joins and purchases found up to a month after the close


# --- lures --------------------------------------------------------------------------------------


@transaction.atomic
def lure_create(
    *, campaign: Campaign, name: str, channels: list[dict], description: str = "", by=None
) -> Lure:
    """A lure and where it is published: per channel a new tracked link (`url`), an existing
    `link`, or a `live_code`. The channel label is what joins carry in Membership.channel."""
    if not channels:
        raise ValidationError({"channels": _("Publish the lure on at least one channel.")})
    lure = Lure(
        workspace_id=campaign.workspace_id,
        campaign=campaign,
        name=(name or "").strip(),
        description=description,
    )
    lure.full_clean(exclude=["workspace", "campaign"], validate_unique=False)
    if Lure.objects.filter(campaign=campaign, name=lure.name).exists():
        raise ValidationError({"name": _("The campaign already has a lure with this name.")})
    lure.save()
    labels = set(LureChannel.objects.filter(campaign=campaign).values_list("channel", flat=True))
    rows = []
    for index, spec in enumerate(channels):
        label = (spec.get("channel") or "").strip()
        given = [key for key in ("url", "link", "live_code") if spec.get(key)]
        if not label:
            raise ValidationError({f"channels.{index}.channel": _("Name the channel, e.g. douyin.")})
        if label in labels:
            raise ValidationError(
                {
                    f"channels.{index}.channel": _(
                        "The channel “%(channel)s” is already used in this campaign."
                    )
                    % {"channel": label}
                }
            )
        if len(given) != 1:
            raise ValidationError({f"channels.{index}": _("Give exactly one of url, link or live_code.")})
        link, live_code = spec.get("link"), spec.get("live_code")
        for key, row in (("link", link), ("live_code", live_code)):
            if row is not None and row.workspace_id != campaign.workspace_id:
                raise refusal(f"channels.{index}.{key}", _("Not found in this workspace."), "does_not_exist")
        if spec.get("url"):
            try:
                link = tracked_link(
                    campaign=campaign, url=spec["url"], title=f"{lure.name} · {label}", source=label, by=by
                )
            except ValidationError as exc:
                raise ValidationError({f"channels.{index}.url": exc.messages}) from None
        labels.add(label)
        rows.append(
            LureChannel(
                workspace_id=campaign.workspace_id,
                campaign=campaign,
                lure=lure,
                channel=label,
                link=link,
                live_code=live_code,
            )
        )
    LureChannel.objects.bulk_create(rows)
    audit_record(
        actor=by,
        verb="lure.created",
        target=lure,
        after={"campaign": campaign.pk, "channels": sorted(labels)},
    )
    return lure


# --- joins ----------------------------------------------------------------------------------------


@transaction.atomic
def campaign_join(
    *,
    campaign: Campaign,
    member: Member,
    channel: str = "",
    inviter: Member | None = None,
    invite_code: str = "",
    by=None,
) -> Membership:
    """Let a member join the campaign's group through a lure channel and/or an inviter."""
    if campaign.phase not in RUNNING:
        raise refusal(
            "campaign",
            _("The campaign is not running; joins are taken from preheat to wrap-up."),
            "campaign_not_running",
        )
    channel = (channel or "").strip()
    lure_channel = None
    if channel:
        lure_channel = LureChannel.objects.filter(campaign=campaign, channel=channel).first()
        if lure_channel is None:
            raise ValidationError(
                {"channel": _("The campaign has no lure channel “%(channel)s”.") % {"channel": channel}}
            )
    if inviter is not None:
        problem = invitation_problem(campaign=campaign, member_id=member.pk, inviter_id=inviter.pk)
        if problem:
            message = (
                _("A member cannot invite themselves.")
                if problem == ReferralReason.SELF_INVITE
                else _("%(inviter)s was invited by %(member)s: invitations cannot go round in a loop.")
                % {"inviter": inviter.display_name, "member": member.display_name}
            )
            raise refusal("inviter", message, problem)
    if inviter is not None:
        source = JoinSource.REFERRAL
    elif lure_channel is not None:
        source = JoinSource.LIVE_CODE if lure_channel.live_code_id else JoinSource.LINK
    else:
        source = JoinSource.CAMPAIGN
    membership = membership_join(
        community=campaign.group,
        member=member,
        source=source,
        inviter=inviter,
        invite_code=invite_code,
        channel=channel,
        campaign=campaign.slug,
        by=by,
    )
    if inviter is not None:
        referral_track(campaign=campaign, membership=membership)
    return membership


# --- conversions --------------------------------------------------------------------------------


def _campaign_stay(campaign: Campaign, member: Member) -> Membership | None:
    return (
        Membership.objects.filter(community_id=campaign.group_id, member=member, campaign=campaign.slug)
        .order_by("joined_at", "pk")
        .first()
    )


@transaction.atomic
def conversion_record(
    *,
    campaign: Campaign,
    member: Member,
    entitlement: Entitlement | None = None,
    product: str = "",
    order_id: str = "",
    by=None,
) -> Conversion:
    """Mark a member who joined through the campaign as converted (a paid entitlement), attributed
    to the lure and link of their join channel and to their inviter."""
    if member.workspace_id != campaign.workspace_id:
        raise refusal("member", _("The member does not exist in this workspace."), "does_not_exist")
    stay = _campaign_stay(campaign, member)
    if stay is None:
        raise refusal(
            "member",
            _("%(member)s did not join through this campaign.") % {"member": member.display_name},
            "not_in_campaign",
        )
    if entitlement is None:
        if not product:
            raise ValidationError(
                {"entitlement": _("Give an entitlement id, or a product (and order id) to record one.")}
            )
        entitlement = entitlement_grant(member=member, product=product, order_id=order_id)
    elif entitlement.member_id != member.pk or entitlement.revoked_at is not None:
        raise ValidationError({"entitlement": _("The entitlement is not an active one of this member.")})
    lure_channel = (
        LureChannel.objects.filter(campaign=campaign, channel=stay.channel).select_related("lure").first()
        if stay.channel
        else None
    )
    conversion = Conversion(
        workspace_id=campaign.workspace_id,
        campaign=campaign,
        member=member,
        entitlement=entitlement,
        channel=stay.channel,
        lure=lure_channel.lure if lure_channel else None,
        link_id=lure_channel.link_id if lure_channel else None,
        inviter_id=stay.inviter_id,
        converted_at=entitlement.granted_at,
    )
    if save_unless_taken(conversion) is None:
        raise refusal(
            "member",
            _("%(member)s is already marked converted in this campaign.") % {"member": member.display_name},
            "already_converted",
        )
    audit_record(
        actor=by,
        verb="member.converted",
        target=conversion,
        after={"entitlement": entitlement.pk, "channel": stay.channel},
    )
    inviter = Member.objects.filter(pk=stay.inviter_id).first() if stay.inviter_id else None
    webhook_emit_many(
        workspace=campaign.workspace,
        events=[
            (
                "member.converted",
                {
                    "campaign": campaign_brief(campaign),
                    "member": member_payload(member),
                    "entitlement": {
                        "id": entitlement.pk,
                        "product": entitlement.product,
                        "order_id": entitlement.order_id,
                    },
                    "channel": stay.channel,
                    "lure": {"id": conversion.lure.pk, "name": conversion.lure.name}
                    if conversion.lure
                    else None,
                    "link": conversion.link_id,
                    "inviter": member_payload(inviter),
                },
            )
        ],
    )
    return conversion


def conversions_discover(*, campaign: Campaign, limit: int = 1000) -> int:
    """Entitlements recorded through the groups API for members who joined through the campaign."""
    joined_before = Membership.objects.filter(
        community_id=campaign.group_id,
        campaign=campaign.slug,
        member=OuterRef("member"),
        joined_at__lte=OuterRef("granted_at"),
    )
    found = list(
        Entitlement.objects.filter(workspace_id=campaign.workspace_id, revoked_at__isnull=True)
        .filter(Exists(joined_before))
        .exclude(Exists(Conversion.objects.filter(campaign=campaign, member=OuterRef("member"))))
        .select_related("member")
        .order_by("granted_at", "pk")[:limit]
    )
    recorded, seen = 0, set()
    for entitlement in found:
        if entitlement.member_id in seen:
            continue
        seen.add(entitlement.member_id)
        try:
            conversion_record(campaign=campaign, member=entitlement.member, entitlement=entitlement)
        except ValidationError:
            continue
        recorded += 1
    return recorded


def fission_reconcile() -> dict:
    """The periodic sweep: attribution labels, referrals and conversions of running (or recently
    closed) campaigns, and every referral whose check is due or whose invitee already left."""
    now = timezone.now()
    recent = PhaseTransition.objects.filter(
        campaign=OuterRef("pk"),
        phase=CampaignPhase.CLOSED,
        state=TransitionState.DONE,
        done_at__lt=now - LATE_DISCOVERY,
    )
    campaigns = list(
        Campaign.objects.exclude(phase=CampaignPhase.DRAFT)
        .exclude(Exists(recent))
        .select_related("workspace", "group")
    )
    totals = {"stamped": 0, "referrals": 0, "conversions": 0, "checked": 0}
    for campaign in campaigns:
        if campaign.phase != CampaignPhase.CLOSED:
            totals["stamped"] += attribution_stamp(campaign=campaign, now=now)
        totals["referrals"] += referrals_discover(campaign=campaign)
        totals["conversions"] += conversions_discover(campaign=campaign)
    due = list(
        Referral.objects.filter(state=ReferralState.PENDING)
        .filter(
            Q(Exists(Membership.objects.filter(pk=OuterRef("membership_id"), is_active=False)))
            | Q(qualifies_at__lte=now)
        )
        .order_by("qualifies_at", "pk")
        .values_list("pk", flat=True)[:1000]
    )
    totals["checked"] = sum(1 for referral_id in due if referral_check(referral_id=referral_id) is not None)
    return totals
