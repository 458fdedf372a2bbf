"""Pieces shared by the campaigns API modules."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from suo.api.errors import ErrorBodySerializer

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string up to 64 characters: a retried request gets the first answer.",
)


class CampaignErrorSerializer(ErrorBodySerializer):
    """The project's error body, for the codes the campaigns API adds."""

    codes = (
        "e.g. invalid, does_not_exist, sold_out, over_limit, not_started, campaign_closed, "
        "outside_window, already_entered, window_open, self_invite, loop, join_refused."
    )


def campaign_error(description: str = "") -> OpenApiResponse:
    """A documented error answer of the campaigns API (400, 409): the error body with its codes."""
    return OpenApiResponse(CampaignErrorSerializer, description=description)
