"""Campaign messages: scheduled per phase (sent as message.scheduled webhooks when the phase
starts, with the thank-you at wrap-up) and the tracked short links they carry."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from groups.campaigns.errors import refusal
from groups.campaigns.models import (
    PHASES,
    Campaign,
    CampaignPhase,
    PhaseTransition,
    ScheduledMessage,
    TransitionState,
)
from groups.campaigns.payloads import campaign_brief
from links.models import Link
from links.services import link_create
from suo.audit import audit_record


def tracked_link(*, campaign: Campaign, url: str, title: str, source: str, by=None) -> Link:
    """A short link for the campaign: tagged with its slug, attributed to its group, `source` as channel."""
    return link_create(
        workspace=campaign.workspace,
        url=url,
        by=by,
        title=f"{campaign.name} · {title}"[:200],
        tags=[campaign.slug],
        source=source,
        group=campaign.group,
    )


@transaction.atomic
def message_create(
    *,
    campaign: Campaign,
    phase: str,
    text: str,
    link: Link | None = None,
    url: str = "",
    position: int = 0,
    by=None,
) -> ScheduledMessage:
    """A message for a phase; `url` makes a tracked short link for it (tagged with the campaign)."""
    if phase not in PHASES:
        raise ValidationError({"phase": _("Use preheat, ignite, wrap_up or closed.")})
    if PhaseTransition.objects.filter(campaign=campaign, phase=phase, state=TransitionState.DONE).exists():
        raise ValidationError({"phase": _("This phase has already started; its messages went out.")})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the message.")})
    if link is not None and url:
        raise ValidationError({"url": _("Give a link or a url, not both.")})
    if link is not None and link.workspace_id != campaign.workspace_id:
        raise refusal("link", _("The link does not exist in this workspace."), "does_not_exist")
    if url:
        link = tracked_link(
            campaign=campaign, url=url, title=str(CampaignPhase(phase).label), source=campaign.slug, by=by
        )
    message = ScheduledMessage(
        workspace_id=campaign.workspace_id,
        campaign=campaign,
        phase=phase,
        text=text,
        link=link,
        position=position,
    )
    message.full_clean(exclude=["workspace", "campaign", "link"])
    message.save()
    audit_record(
        actor=by,
        verb="campaign.message_added",
        target=campaign,
        after={"phase": phase, "text": text, "link": link.pk if link else None},
    )
    return message


@transaction.atomic
def message_delete(*, message: ScheduledMessage, by=None) -> None:
    if message.sent_at is not None:
        raise ValidationError({"message": _("The message has already been sent.")})
    audit_record(
        actor=by,
        verb="campaign.message_removed",
        target=message.campaign,
        before={"phase": message.phase, "text": message.text},
        workspace=message.workspace_id,
    )
    message.delete()


def phase_message_events(campaign: Campaign, phase: str, now: datetime) -> list[tuple[str, dict]]:
    """The phase's messages (and the thank-you at wrap-up), each marked sent in this transaction."""
    messages = list(
        ScheduledMessage.objects.filter(campaign=campaign, phase=phase, sent_at__isnull=True)
        .select_related("link")
        .order_by("position", "pk")
    )
    ScheduledMessage.objects.filter(pk__in=[m.pk for m in messages]).update(sent_at=now)
    brief = campaign_brief(campaign)
    events = []
    for message in messages:
        link = message.link
        events.append(
            (
                "message.scheduled",
                {
                    "campaign": brief,
                    "phase": phase,
                    "kind": "message",
                    "message": {
                        "id": message.pk,
                        "text": message.text,
                        "link": {"id": link.pk, "code": link.code, "short_url": link.short_url}
                        if link
                        else None,
                        "red_packet": None,
                    },
                    "send_at": now,
                },
            )
        )
    if phase == CampaignPhase.WRAP_UP and campaign.thank_you_message:
        events.append(
            (
                "message.scheduled",
                {
                    "campaign": brief,
                    "phase": phase,
                    "kind": "thank_you",
                    "message": {
                        "id": None,
                        "text": campaign.thank_you_message,
                        "link": None,
                        "red_packet": campaign.thank_you_red_packet,
                    },
                    "send_at": now,
                },
            )
        )
    return events
