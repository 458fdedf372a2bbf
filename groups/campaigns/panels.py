"""Dashboard panels of the campaigns app, registered from CampaignsConfig.ready()."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from groups.campaigns.models import Referral, ReferralState
from suo.panels import Chart, Column, Panel, PanelData, PanelFilters, register_panel


def referral_leaderboard_panel(filters: PanelFilters) -> PanelData:
    """Top inviters by invitees who qualified in the period (all campaigns, or the one chosen)."""
    queryset = Referral.objects.filter(
        workspace=filters.workspace,
        state=ReferralState.QUALIFIED,
        checked_at__gte=filters.start,
        checked_at__lt=filters.end,
    )
    if filters.campaign:
        queryset = queryset.filter(campaign__slug=filters.campaign)
    if filters.group_ids is not None:
        queryset = queryset.filter(campaign__group_id__in=list(filters.group_ids))
    rows = list(
        queryset.values("inviter__display_name", "inviter_id")
        .annotate(
            qualified=Count("pk"), rewards=Count("reward", distinct=True, filter=Q(reward__isnull=False))
        )
        .order_by("-qualified", "inviter_id")[:20]
    )
    return PanelData(
        columns=[
            Column("inviter", _("inviter"), "text"),
            Column("qualified", _("qualified invitees")),
            Column("rewards", _("rewards")),
        ],
        rows=[
            {
                "inviter": row["inviter__display_name"],
                "qualified": row["qualified"],
                "rewards": row["rewards"],
            }
            for row in rows
        ],
        chart=Chart(type="bar", x="inviter", series=("qualified",)),
        note=_("Invitees who stayed the campaign's required days, counted on the day they qualified."),
    )


def register_panels() -> None:
    register_panel(
        Panel(
            key="campaigns.referral_leaderboard",
            title=_("Referral leaderboard"),
            section="campaigns",
            build=referral_leaderboard_panel,
            order=10,
        )
    )
