"""Public link pages answer a method they do not take with 405 and an Allow header, not the CSRF
403 "the form has expired"; the password form's POST keeps its CSRF check."""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from tests.links.factories import LinkFactory
from tests.links.livecode_helpers import make_live_code
from tests.suo.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


@pytest.fixture(autouse=True)
def clicks_written_directly(settings, tmp_path):
    settings.LINKS_CLICK_BUFFER = "direct"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def browser():
    """A client that checks CSRF as a real browser request is checked."""
    return Client(enforce_csrf_checks=True, HTTP_USER_AGENT=DESKTOP)


def send(client, method: str, path: str):
    return getattr(client, method.lower())(path)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(("path", "allow"), [("/{code}", "GET, HEAD, POST"), ("/{code}.png", "GET, HEAD")])
def test_unsupported_methods_on_a_short_link_are_405_with_allow(browser, method, path, allow):
    link = LinkFactory()

    response = send(browser, method, path.format(code=link.code))

    assert response.status_code == 405
    assert response["Allow"] == allow


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("path", ["/g/join-us", "/g/join-us.svg", "/g/join-us/fallback"])
def test_unsupported_methods_on_live_code_pages_are_405_with_allow(browser, method, path):
    make_live_code(WorkspaceFactory(), alias="join-us")

    response = send(browser, method, path)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_unknown_code_with_an_unsupported_method_is_405_too(browser):
    assert send(browser, "PUT", "/nosuchcode").status_code == 405


def test_healthz_takes_only_get_and_head(browser):
    response = send(browser, "DELETE", "/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_qr_code_answers_head(browser):
    link = LinkFactory()

    assert browser.head(f"/{link.code}.png").status_code == 200


def test_password_form_without_its_csrf_token_is_still_refused(browser):
    link = LinkFactory(password=make_password("8888"))

    response = browser.post(f"/{link.code}", {"password": "8888"})

    assert response.status_code == 403
    assert response.templates[0].name == "error.html"  # the CSRF page, not a wrong password


def test_password_form_with_its_csrf_token_redirects(browser):
    link = LinkFactory(password=make_password("8888"), url="https://example.com/vip")

    page = browser.get(f"/{link.code}")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = browser.post(f"/{link.code}", {"password": "8888", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "https://example.com/vip"
