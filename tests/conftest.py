"""Shared fixtures: two workspaces everywhere, so isolation is checked in every test that wants it."""

import copy
import uuid
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from suo.models import Role, Workspace
from tests.suo.factories import (
    PASSWORD,
    TokenFactory,
    UserFactory,
    WorkspaceFactory,
    WorkspaceMembershipFactory,
)


@dataclass
class Tenant:
    workspace: Workspace
    owner: object
    operator: object
    moderator: object
    analyst: object

    def user(self, role: str):
        return getattr(self, role)


def _tenant(slug: str) -> Tenant:
    workspace = WorkspaceFactory(slug=slug, name=f"{slug} 社群")
    users = {}
    for role in Role.values:
        user = UserFactory(username=f"{slug}_{role}")
        WorkspaceMembershipFactory(workspace=workspace, user=user, role=role)
        users[role] = user
    return Tenant(workspace=workspace, **users)


@pytest.fixture
def tenant_a(db) -> Tenant:
    return _tenant("alpha")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return _tenant("beta")


def api_client_for(user, workspace: Workspace | None = None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {TokenFactory(user=user).key}")
    if workspace is not None:
        client.defaults["HTTP_X_WORKSPACE"] = workspace.slug
    return client


@pytest.fixture
def api_for():
    return api_client_for


@pytest.fixture(autouse=True)
def isolated_cache_and_click_buffer(settings, tmp_path):
    """Each test gets its own cache namespace, click buffer and spool: parallel workers share one
    Redis and var/. The redirect's link cache starts empty (test databases are rolled back)."""
    from links import link_cache

    token = uuid.uuid4().hex[:10]
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{token}"
    settings.CACHES = caches
    settings.LINKS_BUFFER_KEY = f"suo:test:{token}:links:clicks"
    settings.LINKS_SPOOL_DIR = str(tmp_path / "clicks")
    settings.LINKS_CACHE_KEY = f"suo:test:{token}:links:cache"
    # A warm-up thread would read the database outside the test's transaction; tests of the
    # warm-up call it themselves (other processes started by tests still warm theirs).
    settings.LINKS_CACHE_WARM = 0
    link_cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2 is meant to be slow; tests make dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class QueuedTask:
    task: str
    args: list
    eta: object = None

    def run(self):
        """What the worker does with it."""
        from suo.celery import app

        app.loader.import_default_modules()
        return app.tasks[self.task](*self.args)


@pytest.fixture
def queued(monkeypatch) -> list[QueuedTask]:
    """Tasks services queue (suo.queue), recorded instead of published to the broker."""
    sent: list[QueuedTask] = []
    monkeypatch.setattr(
        "suo.queue.send", lambda task, args, eta=None: sent.append(QueuedTask(task, args, eta))
    )
    return sent


@pytest.fixture
def login(client):
    """login(user) signs the test client in as `user` (made by the factories) and returns it."""

    def _login(user, password=PASSWORD):
        assert client.login(username=user.username, password=password)
        return client

    return _login
