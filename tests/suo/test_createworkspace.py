import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from suo.models import Role, WorkspaceMembership
from tests.suo.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("createworkspace", *args, stdout=out)
    return out.getvalue()


def test_creates_workspace_owner_and_a_working_token():
    output = run("星河私域运营", "--owner", "lin", "--slug", "xinghe")

    token = re.search(r"^token: (\w+)$", output, re.M).group(1)
    password = re.search(r"^password: (\S+)$", output, re.M).group(1)
    user = get_user_model().objects.get(username="lin")
    assert user.check_password(password)
    assert WorkspaceMembership.objects.get(user=user).role == Role.OWNER
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = client.get("/api/workspaces/").json()
    assert [(row["slug"], row["name"], row["role"]) for row in body["results"]] == [
        ("xinghe", "星河私域运营", "owner")
    ]


def test_existing_user_keeps_their_password_and_token():
    user = UserFactory(username="existing")
    first = run("第一个", "--owner", "existing", "--slug", "one")
    second = run("第二个", "--owner", "existing", "--slug", "two")

    assert "password:" not in first
    assert re.search(r"^token: (\w+)$", first, re.M).group(1) == re.search(
        r"^token: (\w+)$", second, re.M
    ).group(1)
    assert WorkspaceMembership.objects.filter(user=user, role=Role.OWNER).count() == 2


def test_chinese_name_without_slug_gets_a_usable_slug():
    output = run("晨光读书会", "--owner", "zhou")

    slug = re.search(r"^workspace: (\S+)", output, re.M).group(1)
    assert re.fullmatch(r"[a-z0-9-]+", slug)


def test_taken_slug_is_refused_and_nothing_is_created():
    run("一", "--owner", "a", "--slug", "same")

    with pytest.raises(CommandError, match="slug"):
        run("二", "--owner", "b", "--slug", "same")
    assert not get_user_model().objects.filter(username="b").exists()


def test_unknown_timezone_is_refused():
    with pytest.raises(CommandError, match="timezone"):
        run("三", "--owner", "c", "--timezone", "Mars/Olympus")
