"""Alerts: a group nearly full or expiring, or none left; stored once, resolved, sent as webhooks."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from links.livecodes import alerts as alerts_module
from links.livecodes.alerts import live_code_alerts_check, live_code_alerts_sweep
from links.livecodes.models import LiveCodeAlert, LiveCodeEntry
from links.livecodes.services import entry_update, live_code_pick_entry
from suo.models import WebhookDelivery, WebhookEndpoint
from suo.webhooks import EVENT_TYPES
from tests.links.livecode_helpers import PHONE_BROWSER, make_live_code
from tests.suo.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LINKS_CLICK_BUFFER = "direct"


def kinds(live_code, open_only=True):
    alerts = LiveCodeAlert.objects.filter(live_code=live_code)
    if open_only:
        alerts = alerts.filter(resolved_at__isnull=True)
    return sorted((a.kind, a.entry_id) for a in alerts)


def test_livecode_alert_is_a_registered_webhook_event():
    assert "livecode.alert" in EVENT_TYPES


def test_group_within_20_percent_of_its_limit_raises_one_alert():
    live_code, (entry,) = make_live_code(WorkspaceFactory(), entries=[{"scan_limit": 10, "scans": 7}])
    assert live_code_alerts_check(live_code_id=live_code.pk) == []

    live_code_pick_entry(live_code=live_code)  # 8 of 10: 20% left
    raised = live_code_alerts_check(live_code_id=live_code.pk)
    again = live_code_alerts_check(live_code_id=live_code.pk)

    assert [a.kind for a in raised] == ["entry_nearly_full"] and again == []
    assert kinds(live_code) == [("entry_nearly_full", entry.pk)]
    assert raised[0].details["scans"] == 8 and raised[0].details["scan_limit"] == 10


def test_no_usable_group_left_raises_an_alert():
    live_code, (entry,) = make_live_code(WorkspaceFactory(), entries=[{"scan_limit": 1}])

    live_code_pick_entry(live_code=live_code)
    live_code_alerts_check(live_code_id=live_code.pk)

    assert kinds(live_code) == [("entry_nearly_full", entry.pk), ("no_usable_entry", None)]


def test_a_new_live_code_without_groups_yet_raises_nothing():
    live_code, _ = make_live_code(WorkspaceFactory())

    assert live_code_alerts_check(live_code_id=live_code.pk) == []


def test_alert_is_resolved_when_the_condition_clears_and_raised_again_when_it_returns():
    live_code, (entry,) = make_live_code(WorkspaceFactory(), entries=[{"scan_limit": 10, "scans": 9}])
    live_code_alerts_check(live_code_id=live_code.pk)

    entry_update(entry=entry, scan_limit=100)  # the operator raised the limit
    live_code_alerts_check(live_code_id=live_code.pk)
    assert kinds(live_code) == []
    assert LiveCodeAlert.objects.get().resolved_at is not None

    entry_update(entry=entry, scan_limit=10)
    live_code_alerts_check(live_code_id=live_code.pk)
    assert LiveCodeAlert.objects.filter(live_code=live_code).count() == 2
    assert kinds(live_code) == [("entry_nearly_full", entry.pk)]


def test_sweep_raises_expiry_alerts_without_any_scan():
    live_code, (entry,) = make_live_code(WorkspaceFactory(), entries=[{}])
    assert live_code_alerts_sweep() == 0

    with time_machine.travel(timezone.now() + dt.timedelta(days=6, hours=1)):  # 23 h before expiry
        assert live_code_alerts_sweep() == 1
        assert live_code_alerts_sweep() == 0  # idempotent
    assert kinds(live_code) == [("entry_expiring", entry.pk)]

    with time_machine.travel(timezone.now() + dt.timedelta(days=7, hours=1)):  # expired: nothing usable
        live_code_alerts_sweep()
    assert kinds(live_code) == [("entry_expiring", entry.pk), ("no_usable_entry", None)]


def test_extending_the_expiry_resolves_the_alert_on_the_next_sweep():
    live_code, (entry,) = make_live_code(WorkspaceFactory(), entries=[{}])
    entry_update(entry=entry, expires_at=timezone.now() + dt.timedelta(hours=3))
    live_code_alerts_sweep()
    assert kinds(live_code) == [("entry_expiring", entry.pk)]

    LiveCodeEntry.objects.filter(pk=entry.pk).update(expires_at=timezone.now() + dt.timedelta(days=5))
    live_code_alerts_sweep()

    assert kinds(live_code) == []


def test_switched_off_live_code_raises_nothing():
    _live_code, _ = make_live_code(WorkspaceFactory(), is_active=False, entries=[{"expired": True}])

    assert live_code_alerts_sweep() == 0


def test_sweep_is_in_the_beat_schedule():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}

    assert "links.livecodes.tasks.sweep_live_code_alerts" in tasks


def test_new_alerts_are_queued_as_webhooks_with_the_live_code_and_its_group():
    # Delivery itself (signature, retries) is suo.webhooks' and tested there; this is the payload.
    workspace = WorkspaceFactory(slug="alerts")
    live_code, (entry,) = make_live_code(
        workspace, alias="hook-code", entries=[{"scan_limit": 5, "scans": 4}]
    )
    WebhookEndpoint.objects.create(
        workspace=workspace,
        name="ops bot",
        url="https://ops.example/hook",
        secret="s3cret",
        event_types=["livecode.alert"],
    )

    live_code_alerts_check(live_code_id=live_code.pk)

    payload = WebhookDelivery.objects.get(event_type="livecode.alert").payload
    data = payload["data"]
    assert payload["type"] == "livecode.alert" and payload["workspace"] == "alerts"
    assert data["kind"] == "entry_nearly_full" and data["message"]
    assert data["live_code"] == {
        "id": live_code.pk,
        "code": "hook-code",
        "name": live_code.name,
        "url": live_code.short_url,
    }
    assert data["entry"]["id"] == entry.pk and data["entry"]["scans"] == 4 and data["usable_entries"] == 1


def test_an_alert_already_open_sends_no_second_webhook():
    workspace = WorkspaceFactory()
    WebhookEndpoint.objects.create(workspace=workspace, name="bot", url="http://127.0.0.1:9/x", secret="s")
    live_code, _ = make_live_code(workspace, entries=[{"scan_limit": 5, "scans": 5}])

    live_code_alerts_check(live_code_id=live_code.pk)
    live_code_alerts_check(live_code_id=live_code.pk)
    live_code_alerts_sweep()

    assert WebhookDelivery.objects.filter(event_type="livecode.alert").count() == 2  # nearly full + none left


def test_a_scan_that_crosses_the_line_enqueues_a_check_after_the_request(
    monkeypatch, queued, django_capture_on_commit_callbacks
):
    live_code, _ = make_live_code(WorkspaceFactory(), alias="near", entries=[{"scan_limit": 5, "scans": 3}])
    monkeypatch.setattr(alerts_module, "live_code_alerts_check", None)  # never run in the request

    with django_capture_on_commit_callbacks(execute=True):
        Client().get("/g/near", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR="1.2.3.4")  # 4 of 5
        Client().get("/g/near", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR="1.2.3.5")  # 5 of 5: full
        Client().get("/g/near", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR="1.2.3.6")  # fallback
        Client().get("/g/near", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR="1.2.3.7")  # throttled

    assert [(q.task, q.args) for q in queued] == [
        ("links.livecodes.tasks.check_live_code_alerts", [live_code.pk])
    ] * 3
    assert not LiveCodeAlert.objects.exists()


def test_a_scan_far_from_any_limit_enqueues_nothing(client, queued, django_capture_on_commit_callbacks):
    make_live_code(WorkspaceFactory(), alias="calm", entries=[{}])

    with django_capture_on_commit_callbacks(execute=True):
        client.get("/g/calm", HTTP_USER_AGENT=PHONE_BROWSER)

    assert queued == []


def test_the_task_checks_the_alerts():
    from links.livecodes.tasks import check_live_code_alerts, sweep_live_code_alerts

    live_code, _ = make_live_code(WorkspaceFactory(), entries=[{"scan_limit": 5, "scans": 5}])

    assert check_live_code_alerts.apply(args=[live_code.pk]).get() == 2
    assert sweep_live_code_alerts.apply().get() == 0


def test_alerts_api_lists_the_workspace_alerts_and_marks_them_read(tenant_a, tenant_b, api_for):
    mine, _ = make_live_code(tenant_a.workspace, entries=[{"scan_limit": 5, "scans": 5}])
    theirs, _ = make_live_code(tenant_b.workspace, entries=[{"scan_limit": 5, "scans": 5, "n": 7}])
    live_code_alerts_sweep()
    api = api_for(tenant_a.operator)

    listed = api.get("/api/live-code-alerts/?open=true").json()

    assert listed["count"] == 2 and {a["live_code"] for a in listed["results"]} == {mine.pk}
    assert all(a["message"] and a["is_open"] for a in listed["results"])
    alert_id = listed["results"][0]["id"]
    read = api.post(f"/api/live-code-alerts/{alert_id}/read/")
    assert read.status_code == 200 and read.json()["read_at"]
    assert api.get("/api/live-code-alerts/?unread=true").json()["count"] == 1
    their_alert = LiveCodeAlert.objects.filter(live_code=theirs).first()
    assert api.get(f"/api/live-code-alerts/{their_alert.pk}/").status_code == 404
    assert api.post(f"/api/live-code-alerts/{their_alert.pk}/read/").status_code == 404
    assert api_for(tenant_a.analyst).post(f"/api/live-code-alerts/{alert_id}/read/").status_code == 403


def test_alerts_of_one_live_code_and_a_live_code_id_that_is_not_one(tenant_a, api_for):
    mine, _ = make_live_code(tenant_a.workspace, entries=[{"scan_limit": 5, "scans": 5}])
    live_code_alerts_sweep()
    api = api_for(tenant_a.operator)

    assert api.get("/api/live-code-alerts/", {"live_code": mine.pk}).json()["count"] == 2
    assert api.get("/api/live-code-alerts/", {"live_code": mine.pk + 1}).json()["count"] == 0
    for value in ("99999999999999999999999", "abc"):
        refused = api.get("/api/live-code-alerts/", {"live_code": value})
        assert refused.status_code == 400
        assert "live_code" in refused.json()["fields"]
