"""The small dicts campaign webhooks carry about the rows they talk about (a member: as groups' own
webhooks show one, groups.payloads.member_payload)."""

from groups.campaigns.models import Campaign


def group_brief(group) -> dict:
    return {"id": group.pk, "name": group.name, "kind": group.kind, "external_id": group.external_id}


def campaign_brief(campaign: Campaign) -> dict:
    return {
        "id": campaign.pk,
        "slug": campaign.slug,
        "name": campaign.name,
        "phase": campaign.phase,
        "countdown_url": campaign.countdown_url,
        "group": group_brief(campaign.group),
    }
