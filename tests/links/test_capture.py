"""No click is lost: direct writes on the embedded default, the Redis buffer and its flusher otherwise."""

import datetime as dt
import os
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.test import Client

from links import capture
from links.models import Click
from links.platforms import VisitorPlatform
from links.tasks import flush_clicks
from tests.helpers import celery_worker_command
from tests.links.factories import LinkFactory
from tests.links.hot_path_helpers import made_up_visits
from tests.links.user_agents import USER_AGENTS

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = USER_AGENTS[VisitorPlatform.DESKTOP][0]
needs_redis = pytest.mark.skipif(
    "REDIS_URL" not in os.environ,
    reason="the Redis click buffer needs REDIS_URL (set in CI, where it must pass)",
)


def _visit_in_thread(code: str, ua: str = DESKTOP, ip: str = "192.0.2.1") -> int:
    try:
        return Client().get(f"/{code}", HTTP_USER_AGENT=ua, REMOTE_ADDR=ip).status_code
    finally:
        connections.close_all()


def _concurrent_visits(code: str, count: int, workers: int = 16) -> list[int]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda n: _visit_in_thread(code, ip=f"192.0.2.{n % 200}"), range(count)))


def _settle_clicks() -> None:
    """Buffered and spooled clicks reach the database when the flusher runs."""
    flush_clicks()


@pytest.fixture
def redis_buffer(settings):
    settings.LINKS_CLICK_BUFFER = "redis"
    capture.redis_client.cache_clear()
    client = capture.redis_client()
    yield client
    client.delete(settings.LINKS_BUFFER_KEY, settings.LINKS_BUFFER_KEY + ":flush-lock")


@pytest.mark.django_db(transaction=True)
def test_concurrent_visitors_are_all_recorded_on_the_direct_path(settings):
    settings.LINKS_CLICK_BUFFER = "direct"
    link = LinkFactory()

    statuses = _concurrent_visits(link.code, 120)

    assert statuses == [302] * 120
    link.refresh_from_db()
    assert Click.objects.filter(link=link).count() == link.click_count == 120


@pytest.mark.django_db(transaction=True)
def test_max_clicks_is_exact_under_concurrency():
    link = LinkFactory(max_clicks=100)

    statuses = _concurrent_visits(link.code, 300, workers=24)

    assert statuses.count(302) == 100
    assert statuses.count(410) == 200
    _settle_clicks()
    link.refresh_from_db()
    assert link.capped_clicks == 100
    assert Click.objects.filter(link=link).count() == 100


@needs_redis
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_redirect_only_buffers_and_the_flusher_stores_every_click(
    redis_buffer, settings, django_assert_max_num_queries
):
    link = LinkFactory()
    client = Client()

    with django_assert_max_num_queries(1):  # the lookup; no write on the redirect path
        assert client.get(f"/{link.code}", HTTP_USER_AGENT=DESKTOP).status_code == 302
    statuses = _concurrent_visits(link.code, 199)
    assert redis_buffer.llen(settings.LINKS_BUFFER_KEY) == 200
    assert not Click.objects.exists()

    stored = capture.flush_click_buffer(batch_size=64)

    assert stored == 200 and statuses == [302] * 199
    link.refresh_from_db()
    assert Click.objects.filter(link=link).count() == link.click_count == 200
    assert redis_buffer.llen(settings.LINKS_BUFFER_KEY) == 0


@needs_redis
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_flusher_that_dies_after_commit_stores_each_click_once(redis_buffer, settings, monkeypatch):
    link = LinkFactory()
    _concurrent_visits(link.code, 50)
    real_ltrim = redis_buffer.ltrim

    def die_once(*args):
        monkeypatch.setattr(redis_buffer, "ltrim", real_ltrim)
        raise ConnectionError("worker killed between commit and trim")

    monkeypatch.setattr(redis_buffer, "ltrim", die_once)
    with pytest.raises(ConnectionError):
        capture.flush_click_buffer(batch_size=20)
    capture.flush_click_buffer(batch_size=20)

    link.refresh_from_db()
    assert Click.objects.filter(link=link).count() == link.click_count == 50
    assert link.unique_click_count == Click.objects.filter(link=link, is_unique=True).count()


@needs_redis
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_unreadable_buffered_visit_is_skipped_not_left_blocking_the_buffer(redis_buffer, settings, caplog):
    link = LinkFactory()
    visits = made_up_visits(link, 3, visitors=3)
    key = settings.LINKS_BUFFER_KEY
    redis_buffer.rpush(key, capture.serialized(visits[0]), b"not a visit", b'{"link_id": 1}')
    redis_buffer.rpush(key, *[capture.serialized(visit) for visit in visits[1:]])

    assert capture.flush_click_buffer() == 3

    link.refresh_from_db()
    assert Click.objects.filter(link=link).count() == link.click_count == 3
    assert redis_buffer.llen(key) == 0
    assert caplog.text.count("unreadable line in the Redis click buffer") == 2


@needs_redis
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_visits_survive_a_worker_killed_in_the_middle_of_flushing(redis_buffer, settings):
    link = LinkFactory()
    total = 3000
    visits = made_up_visits(link, total, platform="wechat", user_agent=DESKTOP)
    import json
    from dataclasses import asdict

    redis_buffer.rpush(settings.LINKS_BUFFER_KEY, *[json.dumps(asdict(v)) for v in visits])
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(settings),
        "LINKS_CLICK_BUFFER": "redis",
        "LINKS_BUFFER_KEY": settings.LINKS_BUFFER_KEY,
    }

    def worker():
        return subprocess.Popen(
            celery_worker_command("--hostname", f"flush-{os.getpid()}-{time.time_ns()}@%h"),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    from links.tasks import flush_clicks

    first = worker()
    flush_clicks.delay()
    deadline = time.monotonic() + 60
    while Click.objects.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)  # no cleanup, no lock release: as hard as an outage gets
    first.wait(10)
    redis_buffer.delete(
        settings.LINKS_BUFFER_KEY + ":flush-lock"
    )  # its lock would expire by itself after 120 s
    second = worker()
    try:
        flush_clicks.delay()
        deadline = time.monotonic() + 90
        while redis_buffer.llen(settings.LINKS_BUFFER_KEY) and time.monotonic() < deadline:
            time.sleep(0.1)
            if redis_buffer.llen(settings.LINKS_BUFFER_KEY):
                flush_clicks.delay()
    finally:
        second.terminate()
        second.wait(30)

    link.refresh_from_db()
    assert redis_buffer.llen(settings.LINKS_BUFFER_KEY) == 0
    assert Click.objects.filter(link=link).count() == link.click_count == total
    assert link.unique_click_count == 500


def _database_url(settings) -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db
def test_redis_outage_falls_back_to_a_direct_write(settings):
    link = LinkFactory()  # made first: with Redis down a link change fails (caches could miss it)
    settings.LINKS_CLICK_BUFFER = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    capture.redis_client.cache_clear()
    try:
        response = Client().get(f"/{link.code}", HTTP_USER_AGENT=DESKTOP)
    finally:
        capture.redis_client.cache_clear()

    assert response.status_code == 302
    assert Click.objects.filter(link=link).count() == 1


def test_visitor_hash_is_stable_within_a_day_and_changes_across_days():
    same = capture.visitor_hash(ip="1.2.3.4", user_agent="ua", day="2026-11-25")

    assert same == capture.visitor_hash(ip="1.2.3.4", user_agent="ua", day="2026-11-25")
    assert same != capture.visitor_hash(ip="1.2.3.4", user_agent="ua", day="2026-11-26")
    assert same != capture.visitor_hash(ip="1.2.3.5", user_agent="ua", day="2026-11-25")
    assert "1.2.3.4" not in same


def test_event_ids_are_unique_time_ordered_uuids():
    """UUIDv7 layout: the unique index on them takes new clicks at its end (insert locality)."""
    first = [capture.new_event_id() for _ in range(2000)]
    time.sleep(0.002)
    later = capture.new_event_id()

    assert len(set(first)) == 2000
    assert {uuid.UUID(i).version for i in first} == {7}
    assert {uuid.UUID(i).variant for i in first} == {uuid.RFC_4122}
    assert max(i[:12] for i in first) < later[:12]  # the millisecond leads
    assert abs(int(later[:12], 16) - time.time() * 1000) < 5_000
    built = capture.build_visit(
        meta={}, link_id=1, workspace_id=1, workspace_tz="Asia/Shanghai", platform="mobile"
    )
    assert uuid.UUID(built.event_id).version == 7  # the visits the redirect records carry them


@pytest.mark.parametrize(
    "time_zone",
    ["Asia/Shanghai", "Asia/Kathmandu", "Pacific/Chatham", "Australia/Lord_Howe", "America/Sao_Paulo",
     "America/St_Johns", "Europe/London", "UTC"],
)  # fmt: skip
def test_the_visit_day_is_the_workspace_day_around_every_midnight_and_clock_change(time_zone):
    """local_day caches the day per UTC quarter hour: right at and around each local midnight and
    each DST change of 2026 (quarter-hour and half-hour offsets included) it is zoneinfo's day."""
    zone = ZoneInfo(time_zone)
    instants = []
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
    for hour in range(0, 366 * 24):
        at = start + hour * 3600
        offset = dt.datetime.fromtimestamp(at, zone).utcoffset()
        if offset != dt.datetime.fromtimestamp(at + 3600, zone).utcoffset():
            instants += [at + s for s in range(0, 3601, 60)]  # a clock change in this hour
    for day in range(366):
        midnight = dt.datetime.combine(dt.date(2026, 1, 1) + dt.timedelta(days=day), dt.time(), zone)
        instants += [midnight.timestamp() + delta for delta in (-60.5, -0.001, 0, 0.001, 59.9)]

    for at in instants:
        assert capture.local_day(time_zone, at) == dt.datetime.fromtimestamp(at, zone).date().isoformat()


@pytest.mark.django_db
def test_stored_times_read_back_and_filter_as_the_orm_writes_them():
    """The drain writes click times without the ORM's per-value preparation: the same text."""
    link = LinkFactory()
    whole_second = dt.datetime(2026, 11, 25, 3, 4, 5, tzinfo=dt.UTC)
    with_micros = whole_second.replace(microsecond=123456)
    visits = made_up_visits(link, 2)
    visits = [replace(visits[0], at=whole_second.timestamp()), replace(visits[1], at=with_micros.timestamp())]

    capture.store_visits(visits)

    assert sorted(Click.objects.values_list("at", flat=True)) == [whole_second, with_micros]
    assert Click.objects.filter(at=whole_second).count() == 1
    assert Click.objects.filter(at__gt=whole_second, at__lte=with_micros).count() == 1


@pytest.mark.django_db
def test_an_event_id_in_another_spelling_is_the_same_click():
    link = LinkFactory()
    (visit,) = made_up_visits(link, 1)
    dashed = str(uuid.UUID(visit.event_id)).upper()

    assert capture.store_visits([replace(visit, event_id=dashed)]) == 1
    assert capture.store_visits([visit]) == 0  # a flush that repeats the batch stores nothing twice
    assert Click.objects.get().event_id == uuid.UUID(visit.event_id)
