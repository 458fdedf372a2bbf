"""Error pages in the site's style and language, saying why and where to go next; JSON under /api/."""

import pytest
from django.test import Client, RequestFactory

from suo.api.workspaces import WorkspaceViewSet
from suo.error_pages import too_many_requests
from tests.suo.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return response.content.decode()


def assert_site_page(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    text = page_text(response)
    assert 'name="viewport"' in text and 'class="card"' in text  # public_base.html, phone-first
    assert f'data-status="{status}"' in text


def test_desk_without_a_role_is_a_403_page_in_chinese_with_the_reason(client, tenant_a):
    assert client.login(username=tenant_a.analyst.username, password=PASSWORD)

    response = client.get("/desk/")

    assert_site_page(response, 403)
    text = page_text(response)
    assert '<html lang="zh-hans">' in text
    assert "你无法打开此页面" in text
    assert "你的角色无权登记违规。" in text  # why: the desk's own reason
    assert 'href="/admin/"' in text  # where to go next
    assert "Forbidden" not in text


def test_403_page_follows_the_requested_language(client, tenant_a):
    assert client.login(username=tenant_a.analyst.username, password=PASSWORD)

    response = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="en")

    assert "You cannot open this page" in page_text(response)
    assert "Your role does not allow logging violations." in page_text(response)


def test_403_for_a_user_without_workspace_says_to_ask_for_an_invitation(client):
    UserFactory(username="loner")
    assert client.login(username="loner", password=PASSWORD)

    response = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="en")

    assert_site_page(response, 403)
    assert "Ask a workspace owner to invite you" in page_text(response)


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no/such/page/")

    assert_site_page(response, 404)
    assert "该页面不存在" in page_text(response)


def test_unknown_api_url_keeps_the_api_error_body(client):
    response = client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": response.json()["detail"], "fields": {}}


def test_crash_is_a_500_page_without_details(monkeypatch):
    def crash():
        raise RuntimeError("secret connection string")

    monkeypatch.setattr("suo.health.run_checks", crash)
    client = Client(raise_request_exception=False)

    response = client.get("/healthz")

    assert_site_page(response, 500)
    assert "我们这边出了问题" in page_text(response)
    assert "secret" not in page_text(response)


def test_crash_in_the_api_is_a_500_in_the_api_error_body(api_for, tenant_a, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("secret connection string")

    monkeypatch.setattr(WorkspaceViewSet, "list", crash)
    client = api_for(tenant_a.owner)
    client.raise_request_exception = False

    response = client.get("/api/workspaces/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error" and "secret" not in response.json()["detail"]


def test_429_page_says_how_long_to_wait():
    request = RequestFactory().get("/xh-vip")

    response = too_many_requests(request, retry_after=60)

    assert_site_page(response, 429)
    assert response["Retry-After"] == "60"
    assert "请等待 60 秒后再试。" in page_text(response)


def test_form_without_csrf_token_gets_a_page_that_says_how_to_recover(tenant_a):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/admin/login/", {"username": "x", "password": "y"})

    assert_site_page(response, 403)
    assert "表单已过期" in page_text(response)
