import pytest
from django.db import OperationalError, connection

from tests.suo.factories import PASSWORD, TokenFactory, UserFactory

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_healthy_when_database_cache_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "cache": True,
        "broker": True,
    }


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS}
    }


def test_503_when_the_cache_is_down_without_error_text_for_anyone(client, cache_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False and "error" not in checks["cache"]
    assert "6379" not in response.content.decode() and "127.0.0.1" not in response.content.decode()
    assert checks["database"]["ok"] is True


def test_superusers_see_why_a_check_failed(client, cache_down):
    UserFactory(username="root", is_superuser=True)
    assert client.login(username="root", password=PASSWORD)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert "Connection" in response.json()["checks"]["cache"]["error"]


def test_superusers_see_why_with_an_api_token(client, cache_down):
    token = TokenFactory(user=UserFactory(username="root", is_superuser=True))

    response = client.get("/healthz", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert "Connection" in response.json()["checks"]["cache"]["error"]


def test_workspace_owners_do_not_see_why(client, cache_down, tenant_a):
    assert client.login(username=tenant_a.owner.username, password=PASSWORD)

    response = client.get("/healthz")

    assert "error" not in response.json()["checks"]["cache"]


def test_a_bad_token_gets_the_anonymous_answer(client, cache_down):
    response = client.get("/healthz", HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 503 and "error" not in response.json()["checks"]["cache"]


def test_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_503_when_the_database_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "ms": response.json()["checks"]["database"]["ms"],
    }
