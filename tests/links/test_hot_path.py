"""The redirect's hot path on both backends: links cached per process yet current at once in
every process, no database round trip and no database write for a hot link, no answered click
lost when a web worker is killed, the click limit exact."""

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import connections
from django.utils import timezone

import suo.wsgi
from links import capture, click_buffer
from links.models import Click
from links.services import link_delete, link_settings_update, link_update
from links.tasks import flush_clicks
from tests.links.factories import LinkFactory
from tests.links.hot_path_helpers import BACKENDS, OtherProcess, count_redis_round_trips, use_backend
from tests.links.redirect_worker import serve

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]
WECHAT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 MicroMessenger/8.0.47"


@pytest.fixture(params=BACKENDS)
def backend(request, settings, tmp_path) -> dict:
    """The environment of a second process on the same backend as this one."""
    return use_backend(request.param, settings, tmp_path)


def test_every_change_obeys_at_once_in_another_process(backend):
    link = LinkFactory(url="https://example.com/a")
    with OtherProcess(backend) as other:
        assert other.visit(link.code) == ("302", "https://example.com/a")
        assert other.visit(link.code) == ("302", "https://example.com/a")  # now from its cache

        link_update(link=link, url="https://example.com/b")
        assert other.visit(link.code) == ("302", "https://example.com/b")
        link_update(link=link, password="8888")
        assert other.visit(link.code)[0] == "200"  # the password page
        link_update(link=link, password="")
        assert other.visit(link.code) == ("302", "https://example.com/b")
        link_update(link=link, is_active=False)
        assert other.visit(link.code)[0] == "410"
        link_update(link=link, is_active=True)
        assert other.visit(link.code)[0] == "302"
        link_update(link=link, allowed_platforms=["wechat"])
        assert other.visit(link.code)[0] == "403"
        link_update(link=link, allowed_platforms=[])
        old_code = link.code
        link_update(link=link, alias="renamed1")
        assert other.visit(old_code)[0] == "404"
        assert other.visit("renamed1") == ("302", "https://example.com/b")
        link_update(link=link, expires_at=timezone.now() + dt.timedelta(seconds=1))
        assert other.visit("renamed1")[0] == "302"
        time.sleep(1.1)
        assert other.visit("renamed1")[0] == "410"  # expired: no change needed, the clock did it
        link_update(link=link, expires_at=None, max_clicks=1)
        assert other.visit("renamed1")[0] == "302"
        assert other.visit("renamed1")[0] == "410"  # the limit, counted where the click is
        link_delete(link=link)
        assert other.visit("renamed1")[0] == "404"


def test_workspace_link_settings_obey_at_once_in_another_process(backend):
    link = LinkFactory(url="https://example.com/a")
    with OtherProcess(backend) as other:
        assert other.visit(link.code)[0] == "302"
        link.workspace.timezone = "Asia/Shanghai"
        link.workspace.save()
        link_settings_update(workspace=link.workspace, antiblock_defaults={"mobile": "copy"})
        # Mobile browsers are not in-app: still a redirect, but read again (and counted) without error.
        assert other.visit(link.code)[0] == "302"
    flush_clicks()
    assert Click.objects.filter(link=link).count() == 2


def _visit(code: str, ua: str | None = None) -> tuple[str, str]:
    try:
        return serve(suo.wsgi.application, code) if ua is None else _serve_as(code, ua)
    finally:
        connections.close_all()


def _serve_as(code: str, ua: str) -> tuple[str, str]:
    environ = {"PATH_INFO": f"/{code}", "HTTP_USER_AGENT": ua, "HTTP_HOST": "127.0.0.1"}
    setup_testing_defaults(environ)
    answer = {}
    b"".join(suo.wsgi.application(environ, lambda status, headers: answer.update(status=status)))
    return answer["status"].split()[0], ""


def test_a_hot_link_costs_no_database_query_and_at_most_one_redis_round_trip(
    backend, settings, django_assert_num_queries, monkeypatch
):
    link = LinkFactory(url="https://example.com/hot")
    assert serve(suo.wsgi.application, link.code)[0] == "302"  # the first visit reads the row
    round_trips = count_redis_round_trips(monkeypatch)

    with django_assert_num_queries(0):
        for _ in range(5):
            assert serve(suo.wsgi.application, link.code) == ("302", "https://example.com/hot")

    assert len(round_trips) == (5 if settings.LINKS_CLICK_BUFFER == "redis" else 0)
    assert not Click.objects.exists()  # nothing was written in the request
    assert flush_clicks() == 6
    link.refresh_from_db()
    assert link.click_count == Click.objects.filter(link=link).count() == 6


def test_a_web_worker_killed_mid_load_loses_no_answered_click(backend, settings):
    link = LinkFactory()
    with OtherProcess(backend) as other:
        answered = other.serve_until_killed(link.code, at_least=300)

    flush_clicks()
    clicks = Click.objects.filter(link=link).count()
    # One more click than answers: killed after recording a visit, before its 302 left.
    assert answered >= 300 and answered <= clicks <= answered + 1
    link.refresh_from_db()
    assert link.click_count == clicks


def test_the_click_limit_is_exact_under_concurrency_on_the_fast_path(backend):
    link = LinkFactory(max_clicks=30, capped_clicks=10)

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: _visit(link.code)[0], range(60)))

    assert answers.count("302") == 20 and answers.count("410") == 40
    flush_clicks()
    link.refresh_from_db()
    assert link.capped_clicks == 30
    assert Click.objects.filter(link=link).count() == link.click_count == 20


def test_pages_are_decided_on_the_row_as_the_database_has_it(backend):
    link = LinkFactory(antiblock="guide", url="https://example.com/guided")
    assert _visit(link.code, WECHAT)[0] == "200"  # the guide page, counted
    assert _visit(link.code)[0] == "302"
    flush_clicks()
    assert Click.objects.filter(link=link).count() == 2


@pytest.mark.parametrize("lost", ["scripts", "connection"])
def test_redis_losing_its_scripts_or_the_connection_loses_no_click_and_counts_none_twice(
    settings, tmp_path, lost
):
    use_backend("redis", settings, tmp_path)
    link = LinkFactory(url="https://example.com/kept")
    assert serve(suo.wsgi.application, link.code)[0] == "302"
    client = capture.redis_client()
    if lost == "scripts":
        client.script_flush()  # as after a Redis restart: EVALSHA answers NOSCRIPT
    else:
        client.client_kill_filter(_type="normal", skipme=True)  # every other connection dropped

    for _ in range(3):
        assert serve(suo.wsgi.application, link.code) == ("302", "https://example.com/kept")

    if lost == "scripts":  # loaded again by the redirect's round trip, not left to a fallback
        assert client.script_exists(click_buffer._script().sha) == [True]
    assert flush_clicks() == 4
    link.refresh_from_db()
    assert link.click_count == Click.objects.filter(link=link).count() == 4
