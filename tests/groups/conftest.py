import pytest

from tests.groups.factories import CommunityFactory


@pytest.fixture
def group(tenant_a):
    """An active group of workspace A (modules that need another group define their own)."""
    return CommunityFactory(workspace=tenant_a.workspace, state="active")
