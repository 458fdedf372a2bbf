"""What a write left behind outside its own rows: audit records and webhooks, in a form that
compares a change made in the admin with the same change made through the API."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from suo.models import AuditRecord, WebhookDelivery, WebhookEndpoint

ID_KEYS = re.compile(r"(^id$|_id$|^(member|community|rule|ladder|violation|appeal|group|penalty)$)")
MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT")


def _plain(value, key=""):
    """Ids and moments differ between two runs; everything else must be the same."""
    if isinstance(value, dict):
        return {k: _plain(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_plain(item, key) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and ID_KEYS.search(key):
        return "<id>"
    if key == "external_id":  # two parallel rows cannot share it
        return "<external id>"
    if isinstance(value, str) and MOMENT.match(value):
        return "<moment>"
    return value


@dataclass
class Mark:
    audit: int
    delivery: int


def listen(workspace) -> None:
    """A webhook endpoint that takes every event, so that emitted events become deliveries."""
    WebhookEndpoint.objects.get_or_create(
        workspace=workspace, name="bot", defaults={"url": "http://127.0.0.1:9/hook", "secret": "s"}
    )


def mark() -> Mark:
    last_audit = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_delivery = WebhookDelivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return Mark(last_audit, last_delivery)


def effects_since(since: Mark) -> dict:
    audit = [
        (r.verb, r.target_type, r.actor_name, _plain(r.before), _plain(r.after))
        for r in AuditRecord.objects.filter(pk__gt=since.audit).order_by("pk")
    ]
    webhooks = [
        (d.event_type, _plain(d.payload.get("data")))
        for d in WebhookDelivery.objects.filter(pk__gt=since.delivery).order_by("pk")
    ]
    return {"audit": audit, "webhooks": webhooks}


@contextmanager
def recorded() -> Iterator[dict]:
    """What the block left behind (as effects_since() tells it), filled in when the block ends."""
    since = mark()
    found: dict = {}
    yield found
    found.update(effects_since(since))
