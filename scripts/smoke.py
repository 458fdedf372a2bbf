#!/usr/bin/env python3
"""Smoke test of a running suo, through HTTP only: the main flows a new installation must pass.

    python scripts/smoke.py --base-url http://127.0.0.1:8000            # makes its own workspace
    python scripts/smoke.py --base-url http://127.0.0.1:8000 --token KEY

Steps: a workspace, its owner and an API token (`manage.py createworkspace`, unless --token is
given); a short link through the API; following it (a 302 to the target); the click counted (the
stats API is polled until it shows, within --deadline seconds: on Redis that needs the Celery
worker and beat to flush the click buffer); a group opened for recruiting, a member who joins it,
a rule, then a violation logged through the API; /healthz with every check up.

Standard library only: it runs with the interpreter of a runtime-only install (no test extras).
Exits 0 when every step passed; otherwise says which step failed and why, and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = "https://example.com/smoke/welcome"
DESKTOP_BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


class SmokeFailure(Exception):
    """A step did not get what it needed; the message says what was sent and what came back."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer to look at, not to follow


class Client:
    def __init__(self, base_url: str, *, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = ""
        self.opener = urllib.request.build_opener(_NoRedirect)

    def call(
        self, method: str, path: str, body: dict | None = None, *, expect: int, headers: dict | None = None
    ) -> tuple[dict | None, dict]:
        """(JSON body or None, response headers) of a request that must answer `expect`."""
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Accept": "application/json", "User-Agent": DESKTOP_BROWSER, **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/json"
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, headers=sent, method=method)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, raw, answer_headers = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            status, raw, answer_headers = exc.code, exc.read(), dict(exc.headers)
        except OSError as exc:
            raise SmokeFailure(f"{method} {path}: no answer ({type(exc).__name__}: {exc})") from exc
        if status != expect:
            excerpt = raw[:600].decode("utf-8", "replace")
            raise SmokeFailure(f"{method} {path} answered {status}, expected {expect}: {excerpt}")
        try:
            return (json.loads(raw) if raw else None), answer_headers
        except ValueError:
            return None, answer_headers


def create_workspace() -> str:
    """A fresh workspace and owner through the management command; returns the owner's token."""
    slug = f"smoke-{secrets.token_hex(3)}"
    command = [sys.executable, str(ROOT / "manage.py"), "createworkspace", "冒烟测试", "--owner", slug]
    result = subprocess.run(
        [*command, "--slug", slug], capture_output=True, text=True, timeout=120, cwd=ROOT, env=os.environ
    )
    if result.returncode != 0:
        raise SmokeFailure(f"createworkspace exited {result.returncode}: {result.stderr[-1500:]}")
    for line in result.stdout.splitlines():
        if line.startswith("token: "):
            return line.removeprefix("token: ").strip()
    raise SmokeFailure(f"createworkspace printed no token: {result.stdout[-500:]}")


def run(client: Client, *, deadline: float, token: str | None) -> None:
    state: dict = {}

    def token_step() -> str:
        client.token = token or create_workspace()
        client.call("GET", "/api/workspaces/", expect=200)
        return "workspace, owner and token" + (" (given)" if token else "")

    def link_step() -> str:
        body, _ = client.call("POST", "/api/links/", {"url": TARGET, "title": "冒烟测试"}, expect=201)
        state["link"] = body
        return f"short link {body['code']}"

    def follow_step() -> str:
        code = state["link"]["code"]
        _, headers = client.call("GET", f"/{code}", expect=302)
        location = headers.get("Location", "")
        if location != TARGET:
            raise SmokeFailure(f"GET /{code} redirected to {location!r}, expected {TARGET!r}")
        return f"302 to {location}"

    def counted_step() -> str:
        path = f"/api/links/{state['link']['id']}/stats/"
        give_up = time.monotonic() + deadline
        while True:
            body, _ = client.call("GET", path, expect=200)
            if body["total"] >= 1:
                return f"{body['total']} click(s) in the stats"
            if time.monotonic() > give_up:
                raise SmokeFailure(
                    f"the click was not counted within {deadline:g} s (GET {path} still says total=0); "
                    "is the Celery worker with beat running?"
                )
            time.sleep(0.5)

    def violation_step() -> str:
        new_group = {"name": "冒烟测试群", "kind": "lead_gen", "platform": "wechat"}
        group, _ = client.call("POST", "/api/groups/", new_group, expect=201)
        member, _ = client.call(
            "POST",
            "/api/members/",
            {"display_name": "刷屏哥", "platform": "wechat", "external_id": f"wxid_{secrets.token_hex(4)}"},
            expect=201,
        )
        group_path = f"/api/groups/{group['id']}"
        client.call("POST", f"{group_path}/transition/", {"state": "recruiting"}, expect=200)
        client.call("POST", f"{group_path}/join/", {"member": member["id"]}, expect=201)
        rule, _ = client.call(
            "POST", "/api/rules/", {"title": "禁止刷屏", "category": "spam", "severity": 0}, expect=201
        )
        violation, _ = client.call(
            "POST",
            "/api/violations/",
            {"group": group["id"], "member": member["id"], "rule": rule["id"], "note": "smoke"},
            expect=201,
        )
        return f"violation #{violation['id']}: {violation['action']}"

    def health_step() -> str:
        body, _ = client.call("GET", "/healthz", expect=200)
        down = [name for name, check in body["checks"].items() if not check["ok"]]
        if body["status"] != "ok" or down:
            raise SmokeFailure(f"/healthz says {body['status']}, down: {down}")
        return ", ".join(f"{name} ok" for name in body["checks"])

    steps: list[tuple[str, Callable[[], str]]] = [
        ("create a workspace, its owner and a token", token_step),
        ("create a short link through the API", link_step),
        ("follow the short link", follow_step),
        ("see the click counted", counted_step),
        ("log a violation through the API", violation_step),
        ("check /healthz", health_step),
    ]
    for number, (name, step) in enumerate(steps, start=1):
        try:
            outcome = step()
        except SmokeFailure as exc:
            raise SmokeFailure(f"step {number} ({name}) failed: {exc}") from None
        except Exception as exc:  # an answer of the wrong shape is a failure too, never a crash
            raise SmokeFailure(f"step {number} ({name}) failed: {type(exc).__name__}: {exc}") from None
        print(f"smoke: ok   {number}. {name}: {outcome}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", help="API token of a workspace owner; default: createworkspace makes one")
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds to wait for the click")
    args = parser.parse_args(argv)
    try:
        run(Client(args.base_url), deadline=args.deadline, token=args.token)
    except SmokeFailure as exc:
        print(f"\nsmoke: FAILED {exc}\n", file=sys.stderr, flush=True)
        return 1
    print("smoke: every step passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
