"""Webhooks cannot be pointed at the server's own network, and a receiver cannot hold a worker.

Non-public destinations are refused when an endpoint is saved (API and admin) and again at
delivery; redirects are not followed; the log keeps the status and a short plain-text excerpt.
"""

import ipaddress

import pytest

from links.preview import fetch_preview
from suo import safe_fetch
from suo.models import WebhookDelivery, WebhookEndpoint
from suo.webhooks import webhook_deliver, webhook_emit
from tests.helpers import admin_form_errors
from tests.suo.factories import PASSWORD, WorkspaceFactory
from tests.suo.local_http import LocalServer, answer_with, trickle

pytestmark = pytest.mark.django_db

INTERNAL_URLS = [
    "http://127.0.0.1:8000/admin/",
    "http://localhost:6379/",
    "http://10.0.0.8/internal",
    "http://192.168.0.1/",
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://[::1]/",
    "http://[::ffff:10.0.0.1]/",
]


@pytest.fixture(autouse=True)
def private_targets_refused(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = False


def emit_to(url: str, workspace=None):
    """An endpoint stored without the save-time check (as if its DNS changed since), and an event for it."""
    workspace = workspace or WorkspaceFactory()
    WebhookEndpoint.objects.create(workspace=workspace, name="bot", url=url, secret="s")
    [delivery] = webhook_emit(workspace=workspace, event_type="member.joined", payload={})
    return delivery


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_api_refuses_an_endpoint_on_a_private_address(api_for, tenant_a, url):
    response = api_for(tenant_a.operator).post("/api/webhooks/", {"name": "内网", "url": url})

    assert response.status_code == 400
    assert response.json()["code"] == "unsafe_destination"
    assert list(response.json()["fields"]) == ["url"]
    assert not WebhookEndpoint.objects.exists()


def test_api_refuses_moving_an_endpoint_to_a_private_address(api_for, tenant_a, monkeypatch):
    real_resolve = safe_fetch.resolve

    def resolve(host, port):  # the machine has no DNS: the receiver's name is public here
        if host == "hooks.example.com":
            return [ipaddress.ip_address("93.184.216.34")]
        return real_resolve(host, port)

    monkeypatch.setattr(safe_fetch, "resolve", resolve)
    client = api_for(tenant_a.operator)
    created = client.post("/api/webhooks/", {"name": "机器人", "url": "https://hooks.example.com/in"})

    moved = client.patch(f"/api/webhooks/{created.json()['id']}/", {"url": "http://169.254.169.254/"})

    assert created.status_code == 201
    assert moved.status_code == 400 and "url" in moved.json()["fields"]
    assert WebhookEndpoint.objects.get().url == "https://hooks.example.com/in"


def test_admin_form_refuses_a_private_address(client, tenant_a):
    assert client.login(username=tenant_a.operator.username, password=PASSWORD)

    response = client.post(
        "/admin/suo/webhookendpoint/add/",
        {
            "workspace": tenant_a.workspace.pk,
            "name": "内网",
            "url": "http://169.254.169.254/",
            "is_active": "on",
        },
    )

    assert "url" in admin_form_errors(response)
    assert not WebhookEndpoint.objects.exists()


def test_delivery_to_a_private_address_is_refused_and_not_retried(settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    with LocalServer(answer_with(200, b"internal")) as server:
        delivery = emit_to(server.url)
        webhook_deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert server.received == []
    assert delivery.state == "failed" and delivery.response_status is None
    assert "127.0.0.1" in delivery.error
    assert WebhookDelivery.objects.count() == 1  # a refusal is not retried


def test_redirect_is_not_followed_and_counts_as_a_failure(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    with LocalServer(answer_with(307, Location="http://169.254.169.254/latest/")) as server:
        delivery = emit_to(server.url)
        webhook_deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert len(server.received) == 1
    assert delivery.state == "failed" and delivery.response_status == 307


def test_log_keeps_only_a_short_plain_text_excerpt_of_the_answer(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    page = (
        b"<!doctype html><html><head><title>Jenkins</title><script>var token='x'</script></head>"
        b"<body><h1>Dashboard</h1>" + b"<tr><td>build</td></tr>" * 2000 + b"</body></html>"
    )
    with LocalServer(answer_with(500, page, content_type="text/html")) as server:
        delivery = emit_to(server.url)
        webhook_deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.response_status == 500
    assert delivery.response_body.startswith("Jenkins Dashboard build")
    assert "<" not in delivery.response_body and "token" not in delivery.response_body
    assert len(delivery.response_body) <= 200


def test_trickling_receiver_is_cut_off_at_the_delivery_deadline(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    with LocalServer(trickle) as server:
        delivery = emit_to(server.url)
        webhook_deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert "0.5" in delivery.error


def test_link_preview_is_not_fetched_from_a_private_address():
    with LocalServer(answer_with(200, b"<title>Internal wiki</title>", content_type="text/html")) as server:
        preview = fetch_preview(server.url)

    assert preview == ("", "")
    assert server.received == []


def test_link_preview_does_not_follow_redirects(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    with LocalServer(answer_with(302, Location="http://169.254.169.254/")) as server:
        preview = fetch_preview(server.url)

    assert preview == ("", "")
    assert len(server.received) == 1


def test_link_preview_reads_open_graph_tags_through_the_helper(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    page = '<meta property="og:title" content="新人福利"><meta name="description" content="扫码进群">'
    with LocalServer(answer_with(200, page.encode(), content_type="text/html; charset=utf-8")) as server:
        preview = fetch_preview(server.url)

    assert preview == ("新人福利", "扫码进群")
