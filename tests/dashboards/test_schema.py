"""The metrics endpoints document the parameters they read, and only those."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def paths():
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def parameter_names(paths, path: str) -> set[str]:
    return {parameter["name"] for parameter in paths[path]["get"].get("parameters", [])}


@pytest.mark.parametrize(
    ("path", "reads", "ignores"),
    [
        (
            "/api/metrics/overview/",
            {"from", "to", "group", "kind", "source", "campaign", "interval"},
            {"mode"},
        ),
        (
            "/api/metrics/retention/",
            {"from", "to", "group", "kind", "source", "campaign", "mode"},
            {"interval"},
        ),
        ("/api/metrics/health/", {"from", "to", "group", "kind"}, {"interval", "mode"}),
    ],
)
def test_each_metrics_endpoint_documents_what_it_reads(paths, path, reads, ignores):
    names = parameter_names(paths, path)

    assert reads <= names
    assert not ignores & names
