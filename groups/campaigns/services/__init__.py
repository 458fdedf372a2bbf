"""Writes of the campaigns app, one module per concern; each function is one transaction."""

from groups.campaigns.services.fatigue import fatigue_check_kind, fatigue_check_participation
from groups.campaigns.services.fission import (
    campaign_join,
    conversion_record,
    conversions_discover,
    fission_reconcile,
    lure_create,
)
from groups.campaigns.services.flash import (
    attribution_stamp,
    campaign_advance,
    campaign_create,
    campaign_delete,
    campaign_update,
    campaigns_reconcile,
)
from groups.campaigns.services.messages import message_create, message_delete, tracked_link
from groups.campaigns.services.offers import (
    SoldOut,
    member_from_token,
    member_link,
    offer_claim,
    offer_create,
    offer_update,
    visit_record,
)
from groups.campaigns.services.plays import play_close, play_create, play_draw, play_enter, plays_reconcile
from groups.campaigns.services.referrals import (
    invitation_problem,
    referral_check,
    referral_track,
    referrals_discover,
)
from groups.campaigns.services.wrapup import followup_update, outcome_tag

__all__ = [
    "SoldOut",
    "attribution_stamp",
    "campaign_advance",
    "campaign_create",
    "campaign_delete",
    "campaign_join",
    "campaign_update",
    "campaigns_reconcile",
    "conversion_record",
    "conversions_discover",
    "fatigue_check_kind",
    "fatigue_check_participation",
    "fission_reconcile",
    "followup_update",
    "invitation_problem",
    "lure_create",
    "member_from_token",
    "member_link",
    "message_create",
    "message_delete",
    "offer_claim",
    "offer_create",
    "offer_update",
    "outcome_tag",
    "play_close",
    "play_create",
    "play_draw",
    "play_enter",
    "plays_reconcile",
    "referral_check",
    "referral_track",
    "referrals_discover",
    "tracked_link",
    "visit_record",
]
