"""The redirect cache filled when a web process starts: the most clicked links, read in bulk,
under the same proof of currency as a link read on its first visit."""

import os
import threading

import pytest

import suo.wsgi
from links import fastpath, link_cache
from links.fastpath import ShortLinkFastPath
from links.services import link_update
from tests.links.factories import LinkFactory
from tests.links.hot_path_helpers import BACKENDS, count_redis_round_trips, use_backend
from tests.links.redirect_worker import serve

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture(params=BACKENDS)
def backend(request, settings, tmp_path) -> str:
    use_backend(request.param, settings, tmp_path)
    return request.param


def test_warmed_links_are_answered_without_a_database_read_on_their_first_visit(
    backend, django_assert_num_queries, monkeypatch
):
    links = [LinkFactory(url=f"https://example.com/{n}") for n in range(3)]
    assert link_cache.warm(10) == 3
    round_trips = count_redis_round_trips(monkeypatch)

    with django_assert_num_queries(0):
        for n, link in enumerate(links):
            assert serve(suo.wsgi.application, link.code) == ("302", f"https://example.com/{n}")
    assert len(round_trips) == (3 if backend == "redis" else 0)  # the capture's, nothing more


def test_the_most_clicked_active_links_are_warmed_up_to_the_limit(backend):
    busy = LinkFactory(click_count=50)
    LinkFactory(click_count=0)
    also_busy = LinkFactory(click_count=20)
    off = LinkFactory(click_count=90, is_active=False)

    assert link_cache.warm(2) == 2
    cached = {code for code in (busy.code, also_busy.code, off.code) if link_cache.cached(code)}
    assert cached == {busy.code, also_busy.code}


def test_a_link_changed_after_the_warm_up_obeys_at_once(backend):
    link = LinkFactory(url="https://example.com/before")
    link_cache.warm(10)

    link_update(link=link, url="https://example.com/after")

    assert serve(suo.wsgi.application, link.code) == ("302", "https://example.com/after")


def test_an_entry_read_before_a_change_is_not_served_after_it_embedded(settings, tmp_path):
    """A thread that read a row before a change may store it after another thread saw the change;
    the entry still carries the generation it was read under, so it is never served."""
    use_backend("embedded", settings, tmp_path)
    link = LinkFactory()
    stale = link_cache.load(link.code)
    link_cache.changed(frozenset({link.code}))
    assert link_cache.cached("another") is None  # this thread sees the change: the cache is emptied

    link_cache._entries[link.code] = stale  # the slow thread stores what it read before

    assert link_cache.cached(link.code) is None


def test_the_first_request_of_a_process_starts_the_warm_up_in_the_background(backend, settings, monkeypatch):
    link = LinkFactory(url="https://example.com/warm", click_count=3)
    settings.LINKS_CACHE_WARM = 100
    done = threading.Event()
    real_warm = link_cache.warm
    monkeypatch.setattr(link_cache, "warm", lambda *a: (real_warm(*a), done.set())[0])
    monkeypatch.setattr(fastpath, "_warm_started", False)  # as in a new (forked) web process
    application = ShortLinkFastPath(suo.wsgi.django_application)

    assert serve(application, "nope-not-a-link")[0] == "404"
    assert done.wait(20)
    assert link_cache.cached(link.code) is not None


def test_a_full_cache_makes_room_with_its_newest_entry_so_the_most_clicked_stay(
    settings, tmp_path, monkeypatch
):
    use_backend("embedded", settings, tmp_path)
    monkeypatch.setattr(link_cache, "MAX_ENTRIES", 2)
    hot = [LinkFactory(click_count=9), LinkFactory(click_count=8)]
    tail = [LinkFactory(), LinkFactory()]
    assert link_cache.warm(10) == 2

    for link in tail:
        assert serve(suo.wsgi.application, link.code)[0] == "302"

    # The least clicked warmed link, then each tail link in turn, made room; not the whole cache.
    assert set(link_cache._entries) == {hot[0].code, tail[1].code}


def test_a_forked_web_process_warms_its_own_cache(monkeypatch):
    monkeypatch.setattr(fastpath, "_warm_started", True)  # the parent (gunicorn's master) started
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.write(write, b"started" if fastpath._warm_started else b"pending")
        finally:
            os._exit(0)
    os.waitpid(child, 0)

    assert os.read(read, 16) == b"pending"  # its first request will start the warm-up
