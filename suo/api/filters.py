"""Ids in the query string (`?group=12`): whole numbers a database column can hold.

django-filter's NumberFilter reads a Decimal of any size, and SQLite refuses a Python int beyond
64 bits with an OverflowError (a 500) instead of finding nothing. An id filter reads an integer
within the range of a 64-bit column and answers anything else with a 400 naming the parameter.
"""

import django_filters
from django import forms
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

ID_MIN, ID_MAX = -(2**63), 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """`?name=<id>`: an integer; a word, a fraction or a number beyond 64 bits is a 400."""

    field_class = IdField


def query_id(params, name: str) -> int | None:
    """The id in query parameter `name`, None when it is absent or empty; a 400 naming it otherwise."""
    raw = params.get(name, "")
    if raw == "":
        return None
    try:
        return IdField(required=False).clean(raw)
    except forms.ValidationError as exc:
        raise ValidationError({name: [_("Give an id (a whole number).")]}) from exc
