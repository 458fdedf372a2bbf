import pytest

from suo.models import WebhookEndpoint


@pytest.fixture
def hook(tenant_a):
    """A webhook endpoint of tenant A that wants every event, so emitted events become deliveries."""
    return WebhookEndpoint.objects.create(
        workspace=tenant_a.workspace,
        name="bot",
        url="https://bot.example/hook",
        secret="s",
        event_types=["*"],
    )
