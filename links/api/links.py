"""/api/links/ and /api/links/{id}/stats/."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from groups.models import Community
from links.api.stats import WINDOW_PARAMETERS, StatsInput, StatsOutput
from links.models import AntiBlockMode, Link
from links.selectors import link_stats
from links.services import link_create, link_delete, link_update
from suo.api.fields import DB_INT_MAX
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadDeleteViewSet
from suo.tenancy import CONFIGURE_ROLES


class PublicAddressInput(serializers.Serializer):
    """The code and the platform gate of a public address: the same for links and live codes."""

    alias = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Custom code: 3–64 of A–Z a–z 0–9 - _."
    )
    allowed_platforms = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, help_text="Platform ids; empty = all."
    )
    antiblock = serializers.ChoiceField(
        choices=AntiBlockMode.choices,
        required=False,
        allow_blank=True,
        help_text="Empty: the workspace's default for a link; direct (show the group code) for a live code.",
    )
    antiblock_by_platform = serializers.DictField(
        child=serializers.ChoiceField(choices=AntiBlockMode.choices),
        required=False,
        help_text='Per-platform overrides, e.g. {"wechat": "copy"}.',
    )


class LinkInput(PublicAddressInput):
    url = serializers.CharField(
        max_length=4096, help_text="http(s) address to open; at most 2048 characters."
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    password = serializers.CharField(
        required=False, allow_blank=True, max_length=128, write_only=True, help_text="Empty removes it."
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    max_clicks = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=DB_INT_MAX)
    tags = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=20)
    source = serializers.CharField(required=False, allow_blank=True, max_length=64)
    group = ScopedPrimaryKeyRelatedField(
        queryset=Community.objects.all(),
        required=False,
        allow_null=True,
        help_text="Optional community group (id) the link brings people to, for attribution.",
    )


class LinkUpdateInput(LinkInput):
    url = serializers.CharField(max_length=4096, required=False)
    is_active = serializers.BooleanField(required=False)


class LinkOutput(OutputSerializer):
    short_url = serializers.CharField(read_only=True)
    qr_png_url = serializers.SerializerMethodField()
    qr_svg_url = serializers.SerializerMethodField()
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    has_password = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text="active, inactive, expired or exhausted.")

    class Meta:
        model = Link
        fields = [
            "id",
            "code",
            "short_url",
            "url",
            "title",
            "qr_png_url",
            "qr_svg_url",
            "tags",
            "allowed_platforms",
            "antiblock",
            "antiblock_by_platform",
            "has_password",
            "expires_at",
            "max_clicks",
            "is_active",
            "status",
            "source",
            "group",
            "click_count",
            "unique_click_count",
            "created_at",
            "updated_at",
        ]

    def get_qr_png_url(self, link: Link) -> str:
        return f"{link.short_url}.png"

    def get_qr_svg_url(self, link: Link) -> str:
        return f"{link.short_url}.svg"

    def get_has_password(self, link: Link) -> bool:
        return bool(link.password)

    def get_status(self, link: Link) -> str:
        return link.state().value


class LinkFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", help_text="Only links with this tag.")
    is_active = django_filters.BooleanFilter()
    source = django_filters.CharFilter()

    class Meta:
        model = Link
        fields = ["tag", "is_active", "source"]


@schema_view(
    list=extend_schema(summary="Short links of the workspace", responses=LinkOutput(many=True)),
    retrieve=extend_schema(summary="One short link", responses=LinkOutput),
    create=extend_schema(summary="Create a short link", request=LinkInput, responses={201: LinkOutput}),
    partial_update=extend_schema(
        summary="Change a short link", request=LinkUpdateInput, responses=LinkOutput
    ),
    destroy="Delete a short link and its clicks",
)
class LinkViewSet(ReadDeleteViewSet):
    queryset = Link.objects.prefetch_related("tags").order_by("-created_at", "-pk")
    serializer_class = LinkOutput
    write_roles = CONFIGURE_ROLES
    filterset_class = LinkFilter
    search_fields = ["title", "url", "code"]
    ordering_fields = ["created_at", "click_count", "unique_click_count", "title"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request):
        values = self.validated(LinkInput)
        link = link_create(workspace=self.workspace, by=request.user, **values)
        return Response(LinkOutput(link).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        link = self.get_object()
        values = self.validated(LinkUpdateInput, partial=True)
        link = link_update(link=link, by=request.user, **values)
        return Response(LinkOutput(Link.objects.prefetch_related("tags").get(pk=link.pk)).data)

    def perform_destroy(self, instance):
        link_delete(link=instance)

    @extend_schema(
        summary="Click statistics of a link",
        parameters=[
            *WINDOW_PARAMETERS,
            OpenApiParameter(
                "interval", str, enum=["day", "hour"], description="Time-series buckets; default day."
            ),
        ],
        responses=StatsOutput,
    )
    @action(detail=True, methods=["get"])
    def stats(self, request, pk=None):
        link = self.get_object()
        params = StatsInput(data=request.query_params, tz=self.workspace.timezone)
        params.is_valid(raise_exception=True)
        stats = link_stats(link=link, tz=self.workspace.timezone, **params.validated_data)
        return Response(StatsOutput(stats).data)
