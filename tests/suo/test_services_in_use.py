"""In CI the suite must run on the services it was given, never fall back to the embedded ones."""

import os

import pytest
from django.core.cache import cache, caches
from django.db import connection

from suo.health import check_broker


@pytest.mark.services
@pytest.mark.skipif("DATABASE_URL" not in os.environ, reason="runs on the embedded SQLite")
def test_database_is_the_one_named_by_database_url():
    scheme = os.environ["DATABASE_URL"].split(":", 1)[0]
    expected = {"postgres": "postgresql", "postgresql": "postgresql", "sqlite": "sqlite"}[scheme]

    assert connection.vendor == expected


@pytest.mark.services
@pytest.mark.skipif("REDIS_URL" not in os.environ, reason="runs on the embedded cache and broker")
def test_cache_and_broker_are_redis_and_answer():
    cache.set("services-in-use", "yes", 5)

    assert cache.get("services-in-use") == "yes"
    assert type(caches["default"]).__name__ == "RedisCache"
    check_broker()  # raises when Redis is down: a failure, not a skip
