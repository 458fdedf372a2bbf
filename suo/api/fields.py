"""Bounds and fields shared by the API's serializers."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# The largest value an integer column holds on every supported database (PostgreSQL `integer`):
# a bigger number must be a 400 that names the field, never a database error.
DB_INT_MAX = 2_147_483_647


def tag_names_field(name_length: int) -> type[serializers.ListField]:
    """The field class for an app's tags: a list of names of at most `name_length` characters
    (its tag model's), unknown names being created in the workspace."""

    @extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": name_length}})
    class TagNamesField(serializers.ListField):
        """Tags as a list of names; unknown names are created in the workspace."""

        child = serializers.CharField(max_length=name_length)

        def to_representation(self, value):
            return [tag.name for tag in value.all()]

    return TagNamesField
