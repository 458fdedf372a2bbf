import inspect
import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from suo.demo import DEMO_LOGINS, DEMO_PASSWORD
from suo.models import Workspace, WorkspaceMembership

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_valid_and_documents_the_error_body(tmp_path):
    target = tmp_path / "schema.json"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(target)
    )

    schema = target.read_text()
    assert '"/api/workspace-members/"' in schema
    assert '"Error"' in schema


def test_docs_are_served_without_internet(client):
    page = client.get("/api/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert not re.search(r"src=\"https?://", page)


def test_seed_demo_is_idempotent_and_prints_the_logins():
    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    counts = (
        Workspace.objects.count(),
        WorkspaceMembership.objects.count(),
        get_user_model().objects.count(),
    )
    call_command("seed_demo", stdout=second)

    assert (
        Workspace.objects.count(),
        WorkspaceMembership.objects.count(),
        get_user_model().objects.count(),
    ) == counts
    for login in DEMO_LOGINS:
        assert login.username in second.getvalue()
        user = get_user_model().objects.get(username=login.username)
        assert user.check_password(DEMO_PASSWORD)
        assert WorkspaceMembership.objects.get(user=user).role == login.role
    assert {m.role for m in WorkspaceMembership.objects.filter(workspace__slug="demo")} == {
        "owner",
        "operator",
        "moderator",
        "analyst",
    }


def test_seed_demo_runs_the_demo_of_every_app_it_names():
    from links.livecodes.models import LiveCode
    from suo.management.commands.seed_demo import APPS_WITH_DEMO

    assert all(label in apps.app_configs for label in APPS_WITH_DEMO)
    call_command("seed_demo", stdout=StringIO())

    assert LiveCode.objects.filter(code="xh-join").exists()  # livecodes' own demo


def test_no_operation_is_described_by_a_base_classs_docstring():
    from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator

    ours = ("suo.", "groups.", "links.", "content.")
    bases = set()
    for _path, _regex, _method, callback in EndpointEnumerator().get_api_endpoints():
        view = getattr(callback, "cls", None)
        for base in getattr(view, "__mro__", ())[1:]:
            if base.__module__.startswith(ours) and base.__dict__.get("__doc__"):
                bases.add(inspect.cleandoc(base.__doc__))
    schema = SchemaGenerator().get_schema(request=None, public=True)
    described = [
        (path, method, operation.get("description", ""))
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]

    leaked = [(path, method) for path, method, text in described if text in bases]
    assert bases and not leaked, leaked[:5]
