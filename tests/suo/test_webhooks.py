"""Outbound webhooks against a real HTTP server on 127.0.0.1: signature, retries, log, test button."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from suo.models import WebhookDelivery, WebhookEndpoint
from suo.webhooks import backoff_seconds, verify, webhook_deliver, webhook_emit, webhooks_reconcile
from tests.suo.factories import PASSWORD, WorkspaceFactory
from tests.suo.local_http import LocalServer, answer_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def receivers_on_this_machine(settings):
    # The receivers below run on 127.0.0.1; test_webhooks_ssrf.py checks that this is refused otherwise.
    settings.SAFE_FETCH_ALLOW_PRIVATE = True


class Receiver(LocalServer):
    """Answers with the queued statuses (then 200); `requests` are (headers, body) pairs."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        super().__init__(self.answer)

    def answer(self, handler):
        status = self.statuses.pop(0) if self.statuses else 200
        answer_with(status, b"ok" if status == 200 else b"nope")(handler)

    @property
    def requests(self) -> list[tuple[dict, bytes]]:
        return [(headers, body) for _method, _path, headers, body in self.received]


@pytest.fixture
def workspace():
    return WorkspaceFactory(slug="hooks")


def endpoint_for(workspace, url, **kwargs):
    return WebhookEndpoint.objects.create(workspace=workspace, name="bot", url=url, secret="s3cret", **kwargs)


def test_delivery_is_signed_with_hmac_sha256_of_timestamp_and_body(workspace):
    with Receiver() as receiver:
        endpoint_for(workspace, receiver.url)
        [delivery] = webhook_emit(workspace=workspace, event_type="member.joined", payload={"member": "小明"})
        webhook_deliver(delivery_id=delivery.pk)

    headers, body = receiver.requests[0]
    signature = headers["X-Suo-Signature"]
    timestamp = signature.split(",")[0].removeprefix("t=")
    expected = hmac.new(b"s3cret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert signature == f"t={timestamp},v1={expected}"
    assert verify("s3cret", signature, body) and not verify("other", signature, body)
    assert headers["X-Suo-Event"] == "member.joined"
    assert headers["X-Suo-Delivery"] == str(delivery.event_id)
    payload = json.loads(body)
    assert payload["type"] == "member.joined" and payload["data"] == {"member": "小明"}
    assert payload["workspace"] == "hooks"
    delivery.refresh_from_db()
    assert delivery.state == "succeeded" and delivery.response_status == 200


def test_failures_are_retried_with_exponential_backoff_and_logged(workspace, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with Receiver(statuses=[500, 503]) as receiver:
        endpoint_for(workspace, receiver.url)
        [first] = webhook_emit(workspace=workspace, event_type="member.left", payload={})
        webhook_deliver(delivery_id=first.pk)
        second = WebhookDelivery.objects.get(event_id=first.event_id, attempt=2)
        assert webhook_deliver(delivery_id=second.pk) is None  # not due yet: backoff holds it
        WebhookDelivery.objects.filter(pk=second.pk).update(due_at=timezone.now())
        webhook_deliver(delivery_id=second.pk)
        third = WebhookDelivery.objects.get(event_id=first.event_id, attempt=3)
        WebhookDelivery.objects.filter(pk=third.pk).update(due_at=timezone.now())
        webhook_deliver(delivery_id=third.pk)

    log = list(WebhookDelivery.objects.filter(event_id=first.event_id).order_by("attempt"))
    assert [(d.attempt, d.state, d.response_status) for d in log] == [
        (1, "failed", 500),
        (2, "failed", 503),
        (3, "succeeded", 200),
    ]
    assert [r[0]["X-Suo-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
    assert len({r[0]["X-Suo-Delivery"] for r in receiver.requests}) == 1
    gap = second.due_at - log[0].finished_at
    assert abs(gap.total_seconds() - backoff_seconds(1)) < 1
    assert backoff_seconds(3) == 4 * backoff_seconds(1)


def test_gives_up_after_the_last_attempt(workspace, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    endpoint_for(workspace, "http://127.0.0.1:9/closed")  # nothing listens there
    [delivery] = webhook_emit(workspace=workspace, event_type="member.left", payload={})

    webhook_deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.error
    assert WebhookDelivery.objects.count() == 1


def test_only_subscribed_active_endpoints_get_the_event(workspace):
    endpoint_for(workspace, "http://127.0.0.1:9/a", event_types=["member.left"])
    endpoint_for(workspace, "http://127.0.0.1:9/b", event_types=["*"])
    endpoint_for(workspace, "http://127.0.0.1:9/c", is_active=False)
    endpoint_for(WorkspaceFactory(), "http://127.0.0.1:9/d")

    deliveries = webhook_emit(workspace=workspace, event_type="member.joined", payload={})

    assert [d.endpoint.url for d in deliveries] == ["http://127.0.0.1:9/b"]


def test_a_claimed_delivery_is_never_sent_twice(workspace):
    with Receiver() as receiver:
        endpoint_for(workspace, receiver.url)
        [delivery] = webhook_emit(workspace=workspace, event_type="member.left", payload={})
        webhook_deliver(delivery_id=delivery.pk)
        assert webhook_deliver(delivery_id=delivery.pk) is None

    assert len(receiver.requests) == 1


def test_reconciler_sends_due_deliveries_whose_task_was_lost(workspace):
    with Receiver() as receiver:
        endpoint_for(workspace, receiver.url)
        [delivery] = webhook_emit(workspace=workspace, event_type="member.left", payload={})
        WebhookDelivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now() - timedelta(minutes=5))

        assert webhooks_reconcile() == 1

    delivery.refresh_from_db()
    assert delivery.state == "succeeded" and len(receiver.requests) == 1


def test_api_manages_endpoints_and_queues_a_test(
    api_for, tenant_a, tenant_b, queued, django_capture_on_commit_callbacks
):
    client = api_for(tenant_a.operator)
    with Receiver() as receiver:
        created = client.post(
            "/api/webhooks/", {"name": "机器人", "url": receiver.url, "event_types": ["member.joined"]}
        )
        with django_capture_on_commit_callbacks(execute=True):
            test_call = client.post(f"/api/webhooks/{created.json()['id']}/test/")
        assert receiver.requests == []  # nothing is sent inside the web request
        assert [(q.task, q.args) for q in queued] == [
            ("suo.tasks.webhook_deliver_task", [test_call.json()["id"]])
        ]
        queued[0].run()  # what the worker does
    log = client.get(f"/api/webhooks/{created.json()['id']}/deliveries/")
    bad = client.post("/api/webhooks/", {"name": "x", "url": "not a url", "event_types": ["nope"]})

    assert created.status_code == 201 and len(created.json()["secret"]) == 48
    assert test_call.status_code == 202 and test_call.json()["state"] == "due"
    assert receiver.requests[0][0]["X-Suo-Event"] == "webhook.test"
    assert log.json()["count"] == 1
    assert log.json()["results"][0]["state"] == "succeeded"
    assert log.json()["results"][0]["response_status"] == 200
    assert bad.status_code == 400 and {"url", "event_types"} <= set(bad.json()["fields"])
    assert api_for(tenant_a.analyst).get("/api/webhooks/").status_code == 403
    foreign = endpoint_for(tenant_b.workspace, "http://127.0.0.1:9/")
    assert client.get(f"/api/webhooks/{foreign.pk}/").status_code == 404
    assert client.post(f"/api/webhooks/{foreign.pk}/test/").status_code == 404


def test_admin_send_test_button_queues_and_the_page_shows_the_result(client, tenant_a, tenant_b, queued):
    foreign = endpoint_for(tenant_b.workspace, "http://127.0.0.1:9/")
    assert client.login(username=tenant_a.operator.username, password=PASSWORD)
    with Receiver() as receiver:
        ours = endpoint_for(tenant_a.workspace, receiver.url)
        page = client.get(f"/admin/suo/webhookendpoint/{ours.pk}/change/")
        sent = client.post(f"/admin/suo/webhookendpoint/{ours.pk}/send-test/", follow=True)
        assert receiver.requests == []
        webhook_deliver(delivery_id=WebhookDelivery.objects.get(endpoint=ours).pk)  # the worker's part
        after = client.get(f"/admin/suo/webhookendpoint/{ours.pk}/change/")

    assert page.status_code == 200 and "send-test" in page.content.decode()
    assert sent.status_code == 200 and len(receiver.requests) == 1
    assert [str(m) for m in sent.context["messages"]] == [
        f"已排队发送测试事件到 {ours.name}，结果会显示在其页面的“最近投递”中。"
    ]
    assert "成功" in after.content.decode() and "<td>200</td>" in after.content.decode()
    assert client.get(f"/admin/suo/webhookendpoint/{foreign.pk}/change/").status_code == 404
    assert client.post(f"/admin/suo/webhookendpoint/{foreign.pk}/send-test/").status_code == 404
    changelist = client.get("/admin/suo/webhookdelivery/")
    assert changelist.status_code == 200
    assert {d.workspace_id for d in changelist.context["cl"].queryset} == {tenant_a.workspace.pk}
