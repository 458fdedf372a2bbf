"""scripts/smoke.py, the HTTP smoke test CI runs against a runtime-only install.

It passes against the real app and fails loudly, naming the step, when an answer is wrong.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.suo.factories import TokenFactory, UserFactory, WorkspaceFactory, WorkspaceMembershipFactory
from tests.suo.local_http import LocalServer, answer_with

SMOKE = Path(__file__).resolve().parents[2] / "scripts" / "smoke.py"


def run_smoke(base_url: str, token: str, *, deadline: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SMOKE), "--base-url", base_url, "--token", token, "--deadline", str(deadline)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_every_step_passes_when_run_against_the_app(live_server, settings):
    settings.LINKS_CLICK_BUFFER = "direct"  # no worker runs here to flush a Redis buffer
    owner = UserFactory(username="smoke_owner")
    WorkspaceMembershipFactory(workspace=WorkspaceFactory(slug="smoke"), user=owner, role="owner")

    result = run_smoke(live_server.url, TokenFactory(user=owner).key)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: every step passed" in result.stdout
    assert result.stdout.count("smoke: ok ") == 6


def broken_app(handler):
    """An app whose writes answer 500, as the runtime install without the Redis extra did."""
    if handler.command == "GET":
        answer_with(200, b'{"results": []}', content_type="application/json")(handler)
    else:
        answer_with(500, b"ModuleNotFoundError: No module named 'packaging'")(handler)


def test_exits_non_zero_naming_the_step_when_an_answer_is_wrong():
    with LocalServer(broken_app) as app:
        result = run_smoke(f"http://127.0.0.1:{app.port}", "any-token")

    assert result.returncode == 1
    assert "smoke: FAILED step 2 (create a short link through the API)" in result.stderr
    assert "POST /api/links/ answered 500, expected 201" in result.stderr
    assert "No module named 'packaging'" in result.stderr
    assert "every step passed" not in result.stdout


def test_exits_non_zero_when_nothing_answers():
    result = run_smoke("http://127.0.0.1:9", "any-token")

    assert result.returncode == 1
    assert "smoke: FAILED step 1" in result.stderr and "no answer" in result.stderr
