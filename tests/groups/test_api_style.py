"""One API style in groups: views parse input with Input serializers, call a service and shape
the answer with Output serializers; no serializer writes rows itself."""

import inspect

import pytest
from rest_framework import serializers

from groups.api import communities, events, fields, members
from groups.moderation.api import conduct, desk, violations

MODULES = [communities, events, fields, members, conduct, desk, violations]


def serializer_classes() -> list:
    return list(_serializer_classes())


def _serializer_classes():
    for module in MODULES:
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, serializers.BaseSerializer)
                and value.__module__ == module.__name__
            ):
                yield pytest.param(value, id=f"{module.__name__}.{name}")


@pytest.mark.parametrize("serializer", serializer_classes())
def test_no_api_serializer_saves_rows_itself(serializer):
    for method in ("create", "update", "save"):
        defined = getattr(serializer, method)
        assert defined.__qualname__.split(".")[0] not in {
            klass.__name__ for klass in serializer.__mro__ if klass.__module__.startswith("groups.")
        }, f"{serializer.__name__}.{method}"
