"""Serializer fields and helpers shared by the groups API and the moderation API."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from groups.models import Member
from suo.api.fields import tag_names_field
from suo.api.serializers import OutputSerializer


def optional_text(max_length: int, help_text=None) -> serializers.CharField:
    """Text that may be left out or empty (then "")."""
    return serializers.CharField(
        required=False, allow_blank=True, max_length=max_length, default="", help_text=help_text
    )


TagNamesField = tag_names_field(40)


class MemberBriefSerializer(OutputSerializer):
    class Meta:
        model = Member
        fields = ["id", "display_name", "platform", "external_id"]


@extend_schema_field(OpenApiTypes.INT)
class WorkspaceUserField(serializers.PrimaryKeyRelatedField):
    """A suo user who works in the caller's workspace (by id)."""

    def get_queryset(self):
        workspace = self.context.get("workspace")
        users = get_user_model().objects.all()
        if workspace is None:
            return users.none()
        return users.filter(workspace_memberships__workspace=workspace)


@contextmanager
def api_field_names(**renames: str) -> Iterator[None]:
    """Name fields in errors as the API does: the services say `community` where the API says
    `group`. `with api_field_names(community="group"): rule_save(...)`."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {renames.get(name, name): errors for name, errors in exc.error_dict.items()}
        ) from exc
