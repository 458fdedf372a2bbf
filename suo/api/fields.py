"""Bounds and fields shared by the API's serializers."""

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# The largest value an integer column holds on every supported database (PostgreSQL `integer`):
# a bigger number must be a 400 that names the field, never a database error.
DB_INT_MAX = 2_147_483_647
# The earliest moment suo records (a member first seen, a grant, an event): anything before is a
# mistake (seconds taken for milliseconds, a lost year). Before 1901 a time zone's offset is local
# mean time (+08:05:43 in Shanghai), which RFC 3339 cannot even write.
EARLIEST_MOMENT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class MomentField(serializers.DateTimeField):
    """A date and time that happened or will happen in suo's lifetime: from 1970 on, else a 400."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if moment is not None and moment < EARLIEST_MOMENT:
            raise serializers.ValidationError(_("Give a time from 1970 on."), code="too_early")
        return moment


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
