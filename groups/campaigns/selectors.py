"""Reads of the campaigns app: querysets with their counts computed in the database."""

from datetime import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, Rank
from django.utils import timezone

from groups.campaigns import lottery
from groups.campaigns.models import (
    Campaign,
    Conversion,
    LureChannel,
    Offer,
    PhaseTransition,
    Play,
    PlayEntry,
    PlayKind,
    Referral,
    ReferralState,
    TransitionState,
)
from groups.models import Membership

COUNTED = (ReferralState.QUALIFIED,)


def campaign_list(queryset: QuerySet | None = None) -> QuerySet[Campaign]:
    """Campaigns with their group and schedule (two queries whatever the page size)."""
    queryset = queryset if queryset is not None else Campaign.objects.all()
    return queryset.select_related("group").prefetch_related(
        Prefetch("transitions", queryset=PhaseTransition.objects.order_by("position"), to_attr="schedule")
    )


def schedule_of(campaign: Campaign) -> list[PhaseTransition]:
    schedule = getattr(campaign, "schedule", None)
    if schedule is None:
        schedule = list(campaign.transitions.order_by("position"))
    return schedule


def next_transition(campaign: Campaign) -> PhaseTransition | None:
    return next((row for row in schedule_of(campaign) if row.state == TransitionState.DUE), None)


def offer_list(campaign: Campaign) -> QuerySet[Offer]:
    return Offer.objects.filter(campaign=campaign).order_by("position", "pk")


def countdown_state(campaign: Campaign, now: datetime | None = None) -> dict:
    """What the public page and its polling show: phase, the next one and when, stock left."""
    now = now or timezone.now()
    upcoming = next_transition(campaign)
    offers = list(offer_list(campaign))
    return {
        "phase": campaign.phase,
        "phase_label": str(campaign.get_phase_display()),
        "next_phase": upcoming.phase if upcoming else None,
        "next_phase_label": str(upcoming.get_phase_display()) if upcoming else None,
        "next_phase_at": upcoming.due_at if upcoming else None,
        "now": now,
        "offers": [
            {
                "id": offer.pk,
                "name": offer.name,
                "price": offer.price,
                "stock": offer.stock,
                "remaining": offer.remaining,
                "per_member_limit": offer.per_member_limit,
            }
            for offer in offers
        ],
    }


def referral_leaderboard(*, campaign: Campaign, limit: int = 100) -> list[dict]:
    """Inviters ranked by qualified invitees (ties share a rank), with pending ones and rewards."""
    rows = (
        Referral.objects.filter(campaign=campaign)
        .exclude(state=ReferralState.REFUSED)
        .values("inviter_id", "inviter__display_name", "inviter__external_id")
        .annotate(
            qualified=Count("pk", filter=Q(state__in=COUNTED)),
            pending=Count("pk", filter=Q(state=ReferralState.PENDING)),
            rewards=Count("reward", distinct=True),
        )
        .annotate(rank=Window(Rank(), order_by=F("qualified").desc()))
        .order_by("-qualified", "-pending", "inviter_id")[:limit]
    )
    return [
        {
            "rank": row["rank"],
            "inviter": {
                "id": row["inviter_id"],
                "display_name": row["inviter__display_name"],
                "external_id": row["inviter__external_id"],
            },
            "qualified": row["qualified"],
            "pending": row["pending"],
            "rewards": row["rewards"],
        }
        for row in rows
    ]


def lure_channel_stats(*, campaign: Campaign) -> QuerySet[LureChannel]:
    """Per lure channel: visits of its link or live code, joins it brought, and conversions."""
    joins = (
        Membership.objects.filter(
            community_id=campaign.group_id, campaign=campaign.slug, channel=OuterRef("channel")
        )
        .values("channel")
        .annotate(n=Count("pk"))
        .values("n")
    )
    converted = (
        Conversion.objects.filter(campaign=campaign, channel=OuterRef("channel"))
        .values("channel")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        LureChannel.objects.filter(campaign=campaign)
        .select_related("lure", "link", "live_code")
        .annotate(
            visits=Coalesce(F("link__click_count"), F("live_code__scan_count"), Value(0)),
            joins=Coalesce(Subquery(joins, output_field=IntegerField()), 0),
            conversions=Coalesce(Subquery(converted, output_field=IntegerField()), 0),
        )
        .order_by("lure_id", "channel")
    )


def play_list(queryset: QuerySet | None = None) -> QuerySet[Play]:
    queryset = queryset if queryset is not None else Play.objects.all()
    return (
        queryset.select_related("group")
        .annotate(
            entry_count=Count("entries", distinct=True),
            participant_count=Count("entries__member", distinct=True),
        )
        .order_by("opens_at", "pk")
    )


def play_winner_ids(play: Play) -> list[int]:
    return list(
        PlayEntry.objects.filter(play=play, rank__isnull=False)
        .order_by("rank")
        .values_list("member_id", flat=True)
    )


def play_verify(play: Play) -> dict:
    """Everything needed to re-run a lottery's draw; the seed only once it is drawn."""
    drawn = play.kind == PlayKind.LOTTERY and play.outcome == "drawn"
    return {
        "commitment": play.commitment or None,
        "seed": play.seed if drawn else None,
        "algorithm": str(lottery.ALGORITHM),
        "entries": sorted(PlayEntry.objects.filter(play=play).values_list("member_id", flat=True).distinct()),
        "winners": play_winner_ids(play) if drawn else [],
    }
