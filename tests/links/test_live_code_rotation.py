"""Choosing the group a visitor is sent to: strategies, limits, expiry, and exactness under concurrency."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connections
from django.test import Client
from django.utils import timezone

from links.livecodes.models import LiveCodeEntry
from links.livecodes.services import entry_add, entry_update, live_code_pick_entry
from links.models import Click
from links.qr_upload import read_qr_upload
from links.tasks import flush_clicks
from tests.links.livecode_helpers import PHONE_BROWSER, group_qr_png, group_url, make_live_code
from tests.suo.factories import WorkspaceFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def alert_checks_not_queued(queued):
    """Transactional tests run on_commit hooks: keep their alert checks out of the shared broker."""
    return queued


def picks(live_code, count: int) -> list[int | None]:
    return [getattr(live_code_pick_entry(live_code=live_code), "pk", None) for _ in range(count)]


@pytest.mark.django_db
def test_fill_first_sends_everyone_to_the_first_group_until_it_is_full():
    live_code, (first, second) = make_live_code(
        WorkspaceFactory(), strategy="fill_first", entries=[{"scan_limit": 3}, {"scan_limit": 2}]
    )

    assert picks(live_code, 6) == [first.pk] * 3 + [second.pk] * 2 + [None]
    assert LiveCodeEntry.objects.get(pk=first.pk).scans == 3
    assert LiveCodeEntry.objects.get(pk=second.pk).scans == 2


@pytest.mark.django_db
def test_fill_first_follows_the_order_set_by_the_operator():
    live_code, (first, second) = make_live_code(WorkspaceFactory(), entries=[{}, {}])
    entry_update(entry=second, position=0)
    entry_update(entry=first, position=5)

    assert picks(live_code, 2) == [second.pk, second.pk]


@pytest.mark.django_db
def test_round_robin_takes_turns_and_skips_a_full_group():
    live_code, (a, b, c) = make_live_code(
        WorkspaceFactory(), strategy="round_robin", entries=[{}, {"scan_limit": 1}, {}]
    )

    assert picks(live_code, 7) == [a.pk, b.pk, c.pk, a.pk, c.pk, a.pk, c.pk]


@pytest.mark.django_db
def test_round_robin_gives_a_newly_added_group_its_turn_first():
    live_code, (a, b) = make_live_code(WorkspaceFactory(), strategy="round_robin", entries=[{}, {}])
    picks(live_code, 4)

    c = entry_add(live_code=live_code, upload=read_qr_upload(group_qr_png(group_url(9))))

    assert picks(live_code, 3) == [c.pk, a.pk, b.pk]


@pytest.mark.django_db
def test_least_scanned_balances_the_groups():
    live_code, (_a, _b, c) = make_live_code(
        WorkspaceFactory(), strategy="least_scanned", entries=[{"scans": 5}, {"scans": 2}, {"scans": 0}]
    )

    chosen = picks(live_code, 6)

    assert chosen[:2] == [c.pk, c.pk]
    assert sorted(LiveCodeEntry.objects.values_list("scans", flat=True)) == [4, 4, 5]  # 7 + 6 scans


@pytest.mark.django_db
def test_full_expired_and_switched_off_groups_are_skipped():
    live_code, (full, expired, off, usable) = make_live_code(
        WorkspaceFactory(),
        entries=[{"scan_limit": 10, "scans": 10}, {"expired": True}, {"is_active": False}, {}],
    )

    assert picks(live_code, 2) == [usable.pk, usable.pk]
    assert LiveCodeEntry.objects.get(pk=full.pk).scans == 10
    assert LiveCodeEntry.objects.get(pk=expired.pk).scans == 0
    assert LiveCodeEntry.objects.get(pk=off.pk).scans == 0


@pytest.mark.django_db
def test_a_group_stops_being_used_when_its_code_expires():
    live_code, (first, second) = make_live_code(WorkspaceFactory(), entries=[{}, {}])
    first_expiry = timezone.now() + dt.timedelta(hours=2)
    entry_update(entry=first, expires_at=first_expiry)

    assert picks(live_code, 1) == [first.pk]
    with time_machine.travel(first_expiry + dt.timedelta(seconds=1)):
        assert picks(live_code, 1) == [second.pk]
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):  # past the default 7 days
        assert picks(live_code, 1) == [None]


@pytest.mark.django_db
def test_default_limit_is_200_and_default_expiry_7_days():
    _, (entry,) = make_live_code(WorkspaceFactory(), entries=[{}])

    assert entry.scan_limit == 200
    assert abs((entry.expires_at - timezone.now()) - dt.timedelta(days=7)) < dt.timedelta(minutes=1)


def _visit(code: str, n: int) -> tuple[int, str]:
    try:
        response = Client().get(
            f"/g/{code}", HTTP_USER_AGENT=PHONE_BROWSER, REMOTE_ADDR=f"198.51.100.{n % 250}"
        )
        return response.status_code, response.content.decode()
    finally:
        connections.close_all()


def _settle(settings) -> None:
    flush_clicks()  # the Redis buffer or the embedded spool into the database


@pytest.mark.django_db(transaction=True)
def test_limit_of_200_serves_exactly_200_of_500_concurrent_visitors(settings):
    live_code, (entry,) = make_live_code(WorkspaceFactory(), entries=[{"scan_limit": 200}])

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(lambda n: _visit(live_code.code, n), range(500)))

    assert [status for status, _ in results] == [200] * 500
    shown = sum(f'data-entry="{entry.pk}"' in body for _, body in results)
    fallback = sum('id="live-code-fallback"' in body for _, body in results)
    assert (shown, fallback) == (200, 300)
    assert LiveCodeEntry.objects.get(pk=entry.pk).scans == 200
    _settle(settings)
    assert Click.objects.filter(live_code=live_code).count() == 500
    assert Click.objects.filter(live_code_entry=entry).count() == 200


@pytest.mark.django_db(transaction=True)
def test_round_robin_stays_even_under_concurrency(settings):
    live_code, _entries = make_live_code(WorkspaceFactory(), strategy="round_robin", entries=[{}, {}, {}])

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda n: _visit(live_code.code, n), range(90)))

    assert sorted(LiveCodeEntry.objects.values_list("scans", flat=True)) == [30, 30, 30]


@pytest.mark.django_db(transaction=True)
def test_two_groups_fill_exactly_under_concurrency_with_least_scanned():
    live_code, _entries = make_live_code(
        WorkspaceFactory(), strategy="least_scanned", entries=[{"scan_limit": 40}, {"scan_limit": 25}]
    )

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda n: _visit(live_code.code, n), range(100)))

    assert sorted(LiveCodeEntry.objects.values_list("scans", flat=True)) == [25, 40]
    assert sum('id="live-code-fallback"' in body for _, body in results) == 35
