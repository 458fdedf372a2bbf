"""The WSGI fast path in front of Django serves plain redirects and hands everything else over."""

import datetime as dt
from wsgiref.util import setup_testing_defaults

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

import suo.wsgi
from links import selectors
from links.fastpath import ShortLinkFastPath
from links.models import Click
from links.platforms import VisitorPlatform
from links.redirect import HANDED_OVER
from tests.links.factories import LinkFactory
from tests.links.user_agents import USER_AGENTS

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = USER_AGENTS[VisitorPlatform.MOBILE][0]


class Recorder:
    """Stands in for the Django app behind the fast path, to see what was handed over."""

    def __init__(self):
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        start_response("299 Handed Over", [])
        return [b"django"]


def call(app, path, ua=PHONE, host="127.0.0.1", method="GET", scheme="http"):
    environ = {
        "PATH_INFO": path,
        "HTTP_USER_AGENT": ua,
        "HTTP_HOST": host,
        "REQUEST_METHOD": method,
        "REMOTE_ADDR": "192.0.2.9",
        "wsgi.url_scheme": scheme,
    }
    setup_testing_defaults(environ)
    result = {}

    def start_response(status, headers):
        result["status"], result["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return result["status"], result["headers"], body


@pytest.fixture
def fast(settings):
    settings.LINKS_CLICK_BUFFER = "direct"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    recorder = Recorder()
    return ShortLinkFastPath(recorder), recorder


def test_plain_link_is_redirected_and_counted_without_django(fast):
    app, django_app = fast
    link = LinkFactory(url="https://example.com/x")

    status, headers, _ = call(app, f"/{link.code}")

    assert status == "302 Found" and headers["Location"] == "https://example.com/x"
    assert headers["Cache-Control"] == "private, no-store"
    assert django_app.calls == 0
    assert Click.objects.get(link=link).platform == "mobile"


@pytest.mark.parametrize(
    ("link_kwargs", "ua"),
    [
        ({"password": make_password("1")}, PHONE),
        ({"is_active": False}, PHONE),
        ({"expires_at": timezone.now() - dt.timedelta(seconds=1)}, PHONE),
        ({"allowed_platforms": ["wechat"]}, PHONE),
        ({"antiblock": "guide"}, USER_AGENTS[VisitorPlatform.WECHAT][0]),
        ({}, USER_AGENTS[VisitorPlatform.BOT][0]),
        ({"max_clicks": 1, "capped_clicks": 1}, PHONE),
    ],
    ids=["password", "inactive", "expired", "platform", "guide", "bot", "exhausted"],
)
def test_everything_but_a_plain_redirect_goes_to_django_uncounted(fast, link_kwargs, ua):
    app, django_app = fast
    link = LinkFactory(**link_kwargs)

    status, _, body = call(app, f"/{link.code}", ua=ua)

    assert (status, body, django_app.calls) == ("299 Handed Over", b"django", 1)
    assert not Click.objects.exists()


@pytest.mark.parametrize(
    ("path", "host", "method"),
    [
        ("/nosuch", "127.0.0.1", "GET"),
        ("/admin", "127.0.0.1", "GET"),
        ("/CODE", "evil.example", "GET"),
        ("/CODE", "127.0.0.1", "POST"),
        ("/api/links/", "127.0.0.1", "GET"),
    ],
)
def test_unknown_codes_reserved_paths_bad_hosts_and_posts_go_to_django(fast, path, host, method):
    app, django_app = fast
    LinkFactory(code="CODE")

    status, _, _ = call(app, path, host=host, method=method)

    assert status == "299 Handed Over" and django_app.calls == 1


def test_https_required_goes_to_django_for_its_redirect(fast, settings):
    app, _django_app = fast
    settings.SECURE_SSL_REDIRECT = True
    link = LinkFactory()

    assert call(app, f"/{link.code}")[0] == "299 Handed Over"
    assert call(app, f"/{link.code}", scheme="https")[0] == "302 Found"


def test_capped_link_is_exact_through_the_fast_path(fast):
    app, _django_app = fast
    link = LinkFactory(max_clicks=2)

    statuses = [call(app, f"/{link.code}")[0] for _ in range(4)]

    assert statuses == ["302 Found", "302 Found", "299 Handed Over", "299 Handed Over"]
    assert Click.objects.filter(link=link).count() == 2


def test_the_served_wsgi_application_is_the_fast_path_over_django():
    assert isinstance(suo.wsgi.application, ShortLinkFastPath)
    assert suo.wsgi.application.application is suo.wsgi.django_application


def test_full_stack_through_the_wsgi_application(settings):
    settings.LINKS_CLICK_BUFFER = "direct"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    link = LinkFactory(password=make_password("8888"))
    plain = LinkFactory(url="https://example.com/plain")

    password_page = call(suo.wsgi.application, f"/{link.code}")
    redirect = call(suo.wsgi.application, f"/{plain.code}")

    assert password_page[0].startswith("200") and b'name="password"' in password_page[2]
    assert redirect[0] == "302 Found" and redirect[1]["Location"] == "https://example.com/plain"


class LinkCatcher(Recorder):
    """Records the link the fast path handed over with the request."""

    def __call__(self, environ, start_response):
        self.link = environ.get(HANDED_OVER)
        return super().__call__(environ, start_response)


def test_link_the_fast_path_looked_up_is_handed_to_django_when_it_cannot_answer(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    catcher = LinkCatcher()
    link = LinkFactory(antiblock="guide")

    call(ShortLinkFastPath(catcher), f"/{link.code}", ua=USER_AGENTS[VisitorPlatform.WECHAT][0])

    assert catcher.link is not None and catcher.link.pk == link.pk


def test_wechat_guide_page_is_looked_up_once_through_the_wsgi_application(settings, monkeypatch):
    settings.LINKS_CLICK_BUFFER = "direct"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    link = LinkFactory(antiblock="guide", url="https://example.com/guided")
    lookup_type = type(selectors.link_for_redirect)  # the fast path's and the view's lookups alike
    lookups = []
    original = lookup_type.__call__

    def counted(self, code):
        lookups.append(code)
        return original(self, code)

    monkeypatch.setattr(lookup_type, "__call__", counted)

    status, _, body = call(suo.wsgi.application, f"/{link.code}", ua=USER_AGENTS[VisitorPlatform.WECHAT][0])

    assert status.startswith("200") and b"https://example.com/guided" in body
    assert lookups == [link.code]


CHINESE_TARGET = "https://example.com/活动/页面?名=值"
CHINESE_TARGET_URI = "https://example.com/%E6%B4%BB%E5%8A%A8/%E9%A1%B5%E9%9D%A2?%E5%90%8D=%E5%80%BC"


def test_non_ascii_target_is_sent_as_a_uri_through_the_fast_path(fast):
    app, django_app = fast
    link = LinkFactory(url=CHINESE_TARGET)

    status, headers, _ = call(app, f"/{link.code}")

    assert status == "302 Found" and django_app.calls == 0
    assert headers["Location"] == CHINESE_TARGET_URI
    headers["Location"].encode("latin-1")  # what a WSGI server must be able to write
    assert Click.objects.filter(link=link).count() == 1


def test_non_ascii_target_is_a_uri_on_every_path_through_the_wsgi_application(settings):
    settings.LINKS_CLICK_BUFFER = "direct"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    plain = LinkFactory(url=CHINESE_TARGET)
    password = LinkFactory(url=CHINESE_TARGET, password=make_password("8888"))
    guided = LinkFactory(url=CHINESE_TARGET, antiblock="guide")
    copied = LinkFactory(url=CHINESE_TARGET, antiblock="copy")
    wechat = USER_AGENTS[VisitorPlatform.WECHAT][0]

    redirect = call(suo.wsgi.application, f"/{plain.code}")
    head = call(suo.wsgi.application, f"/{plain.code}", method="HEAD")
    guide_page = call(suo.wsgi.application, f"/{guided.code}", ua=wechat)[2].decode()
    copy_page = call(suo.wsgi.application, f"/{copied.code}", ua=wechat)[2].decode()
    bot_page = call(suo.wsgi.application, f"/{plain.code}", ua="curl/8.0")[2].decode()

    assert redirect[1]["Location"] == CHINESE_TARGET_URI and head[1]["Location"] == CHINESE_TARGET_URI
    assert f'href="{CHINESE_TARGET_URI}"' in guide_page and f'data-copy="{CHINESE_TARGET_URI}"' in guide_page
    assert f'data-copy="{CHINESE_TARGET_URI}"' in copy_page
    assert f'href="{CHINESE_TARGET_URI}"' in bot_page
    assert call(suo.wsgi.application, f"/{password.code}")[0].startswith("200")


def test_a_changed_setting_holds_on_the_next_redirect(fast, settings):
    """The fast path reads a snapshot of its settings (links.hot_settings), taken again on change."""
    app, _recorder = fast
    link = LinkFactory()
    call(app, f"/{link.code}")  # the snapshot is taken
    settings.SECURE_REFERRER_POLICY = "no-referrer"
    settings.LINKS_CAPTURE = False

    status, headers, _body = call(app, f"/{link.code}")

    assert status.startswith("302")
    assert headers["Referrer-Policy"] == "no-referrer"
    assert Click.objects.filter(link=link).count() == 1  # the second visit was not captured
