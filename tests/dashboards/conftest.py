import pytest
import time_machine

from tests.dashboards import dataset


@pytest.fixture
def frozen():
    with time_machine.travel(dataset.NOW, tick=False):
        yield dataset.NOW


@pytest.fixture
def history(tenant_a, api_for, frozen):
    return dataset.build(tenant_a.workspace, api_for(tenant_a.operator))
