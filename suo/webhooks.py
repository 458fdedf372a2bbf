"""Outbound webhooks: the one mechanism every app uses to tell integrations what suo decided.

    webhook_emit(workspace=ws, event_type="member.joined", payload={...})

creates one delivery row per subscribed endpoint inside the caller's transaction and, once it
commits, a Celery task posts it. Each request carries

    X-Suo-Event: member.joined
    X-Suo-Delivery: <event uuid>            (the same on every retry: receivers deduplicate by it)
    X-Suo-Attempt: 1
    X-Suo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

and a JSON body `{"id", "type", "created_at", "workspace", "data"}`. A non-2xx answer or a
network error is retried with exponential backoff (WEBHOOK_BACKOFF_SECONDS * 2**(attempt-1)) up
to WEBHOOK_MAX_ATTEMPTS; every attempt is a row of the delivery log. A periodic reconciler sends
due rows whose task was lost.

Requests go through suo.safe_fetch: public addresses only (checked when an endpoint is saved and
again at each delivery, which is then sent to the checked address), no redirects (a 3xx is a
failure), one deadline for the whole attempt (WEBHOOK_TIMEOUT_SECONDS). The log keeps the status
and a short plain-text excerpt of the answer, never the page itself.
"""

import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suo.models import WebhookDelivery, WebhookDeliveryState, WebhookEndpoint, Workspace
from suo.queue import enqueue_on_commit
from suo.safe_fetch import FetchError, UnsafeDestination, safe_fetch, text_excerpt

SIGNATURE_HEADER = "X-Suo-Signature"
TEST_EVENT = "webhook.test"
# The log keeps this much of an answer, as plain text: enough to see what the receiver said.
EXCERPT_CHARS = 200
# Bytes of an answer read at most (the excerpt needs far fewer).
ANSWER_MAX_BYTES = 8 * 1024

# Event types integrators may subscribe to; each app registers its own (see register_event_type).
EVENT_TYPES: dict[str, object] = {TEST_EVENT: gettext_lazy("Test event sent from suo")}


def register_event_type(name: str, label) -> None:
    """Make `name` selectable on endpoints; apps call it from AppConfig.ready()."""
    EVENT_TYPES[name] = label


def event_type_choices() -> list[tuple[str, object]]:
    return [("*", gettext_lazy("All events")), *sorted(EVENT_TYPES.items())]


def validate_event_types(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Give a list of event type names."), code="invalid")
    unknown = [item for item in value if item != "*" and item not in EVENT_TYPES]
    if unknown:
        raise ValidationError(
            _("Unknown event type(s): %(types)s. Known: %(known)s.")
            % {"types": ", ".join(unknown), "known": ", ".join(sorted(EVENT_TYPES))},
            code="unknown_event_type",
        )


def new_secret() -> str:
    return secrets.token_hex(24)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the X-Suo-Signature header for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (used in tests and documented for integrators)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def backoff_seconds(attempt: int) -> float:
    """Delay before attempt `attempt + 1` after attempt `attempt` failed."""
    return settings.WEBHOOK_BACKOFF_SECONDS * (2 ** (attempt - 1))


# --- writes ---------------------------------------------------------------------------------


def _enqueue(delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return
    enqueue_on_commit("suo.tasks.webhook_deliver_many", list(delivery_ids))


def webhook_emit_many(*, workspace: Workspace, events: Iterable[tuple[str, dict]]) -> list[WebhookDelivery]:
    """Emit several events at once (one query for the endpoints, one bulk insert)."""
    events = list(events)
    if not events:
        return []
    endpoints = list(WebhookEndpoint.objects.filter(workspace=workspace, is_active=True).order_by("pk"))
    if not endpoints:
        return []
    now = timezone.now()
    rows = []
    for event_type, payload in events:
        event_id = uuid.uuid4()
        body = {
            "id": str(event_id),
            "type": event_type,
            "created_at": now.isoformat(),
            "workspace": workspace.slug,
            "data": payload,
        }
        body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        rows.extend(
            WebhookDelivery(
                workspace=workspace,
                endpoint=endpoint,
                event_id=event_id,
                event_type=event_type,
                payload=body,
                due_at=now,
            )
            for endpoint in endpoints
            if endpoint.wants(event_type)
        )
    created = WebhookDelivery.objects.bulk_create(rows, batch_size=500)
    if created and created[0].pk is None:  # backends that do not return ids
        created = list(
            WebhookDelivery.objects.filter(event_id__in=[row.event_id for row in rows]).order_by("pk")
        )
    _enqueue([row.pk for row in created])
    return created


def webhook_emit(*, workspace: Workspace, event_type: str, payload: dict) -> list[WebhookDelivery]:
    """Send `payload` as `event_type` to every active endpoint of `workspace` that wants it.

    Call it inside the transaction that made the change: nothing is sent if it rolls back.
    """
    return webhook_emit_many(workspace=workspace, events=[(event_type, payload)])


@transaction.atomic
def webhook_endpoint_create(
    *, workspace: Workspace, name: str, url: str, event_types: list[str] | None = None, is_active: bool = True
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        workspace=workspace,
        name=name,
        url=url,
        event_types=event_types or [],
        is_active=is_active,
        secret=new_secret(),
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def _post(endpoint_url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str, bool]:
    """(status, excerpt of the answer, error, may retry) of one POST; never raises."""
    try:
        response = safe_fetch(
            endpoint_url,
            method="POST",
            body=body,
            headers=headers,
            deadline=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=ANSWER_MAX_BYTES,
        )
    except UnsafeDestination as exc:  # not a passing network problem: retrying changes nothing
        return None, "", exc.message[:1000], False
    except FetchError as exc:  # refused, reset, deadline: recorded, retried
        return None, "", exc.message[:1000], True
    return response.status, text_excerpt(response, EXCERPT_CHARS), "", True


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Attempt one due delivery; claim it first so two workers never send the same attempt."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=WebhookDeliveryState.DUE, due_at__lte=now + timedelta(seconds=1)
    ).update(state=WebhookDeliveryState.SENDING, started_at=now)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "workspace").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "suo-webhooks/1",
        "X-Suo-Event": delivery.event_type,
        "X-Suo-Delivery": str(delivery.event_id),
        "X-Suo-Attempt": str(delivery.attempt),
        SIGNATURE_HEADER: sign(endpoint.secret, int(time.time()), body),
    }
    started = time.monotonic()
    status, response_body, error, may_retry = _post(endpoint.url, body, headers)
    ok = status is not None and 200 <= status < 300
    delivery.state = WebhookDeliveryState.SUCCEEDED if ok else WebhookDeliveryState.FAILED
    delivery.response_status = status
    delivery.response_body = response_body
    delivery.error = error
    delivery.finished_at = timezone.now()
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    max_attempts = 1 if delivery.event_type == TEST_EVENT else settings.WEBHOOK_MAX_ATTEMPTS
    with transaction.atomic():
        delivery.save(
            update_fields=["state", "response_status", "response_body", "error", "finished_at", "duration_ms"]
        )
        if not ok and may_retry and delivery.attempt < max_attempts and endpoint.is_active:
            retry = WebhookDelivery.objects.create(
                workspace=delivery.workspace,
                endpoint=endpoint,
                event_id=delivery.event_id,
                event_type=delivery.event_type,
                payload=delivery.payload,
                attempt=delivery.attempt + 1,
                due_at=delivery.finished_at + timedelta(seconds=backoff_seconds(delivery.attempt)),
            )
            enqueue_on_commit("suo.tasks.webhook_deliver_task", retry.pk, eta=retry.due_at)
    return delivery


@transaction.atomic
def webhook_send_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `webhook.test` event to `endpoint`; a worker sends it and logs the attempt.

    Never sent inside the caller's web request: a slow receiver must not hold a web worker.
    """
    now = timezone.now()
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        workspace_id=endpoint.workspace_id,
        endpoint=endpoint,
        event_id=event_id,
        event_type=TEST_EVENT,
        payload={
            "id": str(event_id),
            "type": TEST_EVENT,
            "created_at": now.isoformat(),
            "workspace": endpoint.workspace.slug,
            "data": {"message": "This is a test event from suo.", "endpoint": endpoint.name},
        },
        due_at=now,
    )
    enqueue_on_commit("suo.tasks.webhook_deliver_task", delivery.pk)
    return delivery


def webhooks_reconcile(*, grace_seconds: int = 60, stuck_seconds: int | None = None) -> int:
    """Send due deliveries whose task was lost (worker down, broker emptied). Returns how many."""
    now = timezone.now()
    stuck_seconds = stuck_seconds or settings.WEBHOOK_TIMEOUT_SECONDS * 3 + 60
    # An attempt left in `sending` by a worker that died mid-request goes back to `due`.
    WebhookDelivery.objects.filter(
        state=WebhookDeliveryState.SENDING, started_at__lt=now - timedelta(seconds=stuck_seconds)
    ).update(state=WebhookDeliveryState.DUE)
    due = list(
        WebhookDelivery.objects.filter(
            state=WebhookDeliveryState.DUE, due_at__lte=now - timedelta(seconds=grace_seconds)
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:1000]
    )
    for delivery_id in due:
        webhook_deliver(delivery_id=delivery_id)
    return len(due)
