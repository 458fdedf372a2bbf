"""/healthz: the state of the database, the cache and the Celery broker, for load balancers.

Everyone sees the status and which checks pass; the error text of a failing check (host names,
ports, driver messages) is shown only to superusers, by session or API token: they run the
installation. Workspace owners are customers of it and see what a load balancer sees.
"""

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from rest_framework.authentication import TokenAuthentication

from suo.celery import app as celery_app
from suo.methods import public_methods

BROKER_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value it was given")
    cache.delete(key)


def check_broker() -> None:
    with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
        )
        # Opening a channel makes the transport talk to the server (Redis: a PING on connect).
        connection.default_channel  # noqa: B018


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure means "down"; the message says why
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


def may_see_errors(request) -> bool:
    """Superusers, logged in or with an API token. Never raises: the database may be the check that failed."""
    try:
        user = request.user
        if not user.is_authenticated:
            found = TokenAuthentication().authenticate(request)
            user = found[0] if found else user
        return bool(user.is_superuser)
    except Exception:
        return False


@never_cache
@public_methods("GET", "HEAD")
def healthz(request):
    checks = run_checks()
    healthy = all(result["ok"] for result in checks.values())
    if not healthy and not may_see_errors(request):
        for result in checks.values():
            result.pop("error", None)
    body = {"status": "ok" if healthy else "down", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)
