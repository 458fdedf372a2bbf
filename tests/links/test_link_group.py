"""The optional community group of a short link (for attribution), scoped to the workspace."""

import pytest

from links.models import Link
from tests.groups.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def test_a_link_can_name_a_group_of_its_workspace(tenant_a, api_for):
    group = CommunityFactory(workspace=tenant_a.workspace)
    api = api_for(tenant_a.operator)

    created = api.post("/api/links/", {"url": "https://example.com/a", "group": group.pk}, format="json")

    assert created.status_code == 201 and created.json()["group"] == group.pk
    link = Link.objects.get()
    assert link.group == group
    cleared = api.patch(f"/api/links/{link.pk}/", {"group": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["group"] is None


def test_a_group_of_another_workspace_does_not_exist(tenant_a, tenant_b, api_for):
    their_group = CommunityFactory(workspace=tenant_b.workspace)

    response = api_for(tenant_a.operator).post(
        "/api/links/", {"url": "https://example.com/a", "group": their_group.pk}, format="json"
    )

    assert response.status_code == 400 and "group" in response.json()["fields"]
    assert not Link.objects.exists()
