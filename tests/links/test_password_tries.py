"""Wrong link passwords are limited per link and per client address, as the trusted proxy saw it,
with a counter in the shared cache that concurrent guesses cannot slip under."""

import threading
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import caches

from links import services
from links.capture import client_ip
from links.models import Click
from links.services import TooManyPasswordTries, link_password_check
from tests.links.factories import LinkFactory

DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


@pytest.fixture(autouse=True)
def clicks_written_directly(settings):
    settings.LINKS_CLICK_BUFFER = "direct"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.2"),  # no proxy trusted: the header is the client's claim
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the proxy appended what it saw
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.7", "203.0.113.5"),
        (2, "203.0.113.5", "10.0.0.2"),  # fewer hops than proxies: not through them, use the peer
    ],
)
def test_client_address_is_what_the_outermost_trusted_proxy_saw(settings, proxies, forwarded, expected):
    settings.LINKS_TRUSTED_PROXIES = proxies

    assert client_ip({"HTTP_X_FORWARDED_FOR": forwarded, "REMOTE_ADDR": "10.0.0.2"}) == expected


@pytest.mark.django_db
def test_changing_the_left_of_x_forwarded_for_does_not_reset_the_limit_when_behind_one_proxy(
    client, settings
):
    settings.LINKS_TRUSTED_PROXIES = 1
    link = LinkFactory(password=make_password("8888"))

    statuses = [
        client.post(
            f"/{link.code}",
            {"password": "nope"},
            HTTP_USER_AGENT=DESKTOP,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.5",  # the attacker picks the left part
            REMOTE_ADDR="10.0.0.2",
        ).status_code
        for n in range(7)
    ]
    another_client = client.post(
        f"/{link.code}",
        {"password": "8888"},
        HTTP_USER_AGENT=DESKTOP,
        HTTP_X_FORWARDED_FOR="203.0.113.6",
        REMOTE_ADDR="10.0.0.2",
    )

    assert statuses == [403] * 5 + [429] * 2
    assert another_client.status_code == 302 and Click.objects.filter(link=link).count() == 1


@pytest.mark.django_db
def test_concurrent_wrong_guesses_get_five_checks_between_them_when_sent_at_once(monkeypatch):
    link = LinkFactory(password=make_password("8888"))
    slow_check = services.check_password

    def check_password_slowly(*args):
        time.sleep(0.05)  # every guess is in flight before the first one is answered
        return slow_check(*args)

    monkeypatch.setattr(services, "check_password", check_password_slowly)
    barrier = threading.Barrier(12)
    outcomes = []

    def guess():
        barrier.wait(timeout=10)
        try:
            outcomes.append(link_password_check(link=link, password="nope", client="203.0.113.5"))
        except TooManyPasswordTries:
            outcomes.append("refused")

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == [False] * 5 + ["refused"] * 7


@pytest.mark.django_db
def test_tries_are_counted_in_the_shared_cache_that_every_process_reads():
    link = LinkFactory(password=make_password("8888"))
    for _ in range(5):
        link_password_check(link=link, password="nope", client="203.0.113.5")

    # A new connection to the configured cache, as another web process would open (Redis in
    # production); on the embedded default it is the same process's local memory.
    another_process = caches.create_connection("default")

    assert another_process.get(f"links:pw-tries:{link.pk}:203.0.113.5") == 5
    with pytest.raises(TooManyPasswordTries):
        link_password_check(link=link, password="8888", client="203.0.113.5")


@pytest.mark.django_db
def test_a_right_password_does_not_use_up_a_try():
    link = LinkFactory(password=make_password("8888"))

    results = [link_password_check(link=link, password="8888", client="203.0.113.5") for _ in range(8)]

    assert results == [True] * 8
