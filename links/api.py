"""/api/links/, /api/links/{id}/stats/, /api/platforms/, /api/link-settings/."""

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from groups.models import Community
from links.models import AntiBlockMode, Link
from links.platforms import VisitorPlatform, platform_names
from links.selectors import link_stats
from links.services import link_create, link_delete, link_settings_for, link_settings_update, link_update
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
from suo.tenancy import CONFIGURE_ROLES


class LinkInput(serializers.Serializer):
    url = serializers.CharField(
        max_length=4096, help_text="http(s) address to open; at most 2048 characters."
    )
    alias = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Custom code: 3–64 of A–Z a–z 0–9 - _."
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    allowed_platforms = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, help_text="Platform ids; empty = all."
    )
    antiblock = serializers.ChoiceField(
        choices=AntiBlockMode.choices,
        required=False,
        allow_blank=True,
        help_text="Empty = workspace default.",
    )
    antiblock_by_platform = serializers.DictField(
        child=serializers.ChoiceField(choices=AntiBlockMode.choices),
        required=False,
        help_text='Per-platform overrides, e.g. {"wechat": "copy"}.',
    )
    password = serializers.CharField(
        required=False, allow_blank=True, max_length=128, write_only=True, help_text="Empty removes it."
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    max_clicks = serializers.IntegerField(required=False, allow_null=True, min_value=1)
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


class LinkOutput(serializers.ModelSerializer):
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
        read_only_fields = fields

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


class StatsInput(serializers.Serializer):
    MAX_DAYS = {"day": 366, "hour": 31}

    to = serializers.CharField(required=False, help_text="Date (inclusive) or date-time; default now.")
    interval = serializers.ChoiceField(choices=["day", "hour"], default="day")

    def __init__(self, *args, tz: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(tz)
        # "from" is a Python keyword, so it is declared here.
        self.fields["from"] = serializers.CharField(
            required=False, help_text="Date or date-time; default 30 days ago."
        )

    def _moment(self, raw: str, field: str, *, end: bool) -> dt.datetime:
        try:
            if len(raw) == 10:
                day = dt.date.fromisoformat(raw)
                moment = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), self.zone)
            else:
                moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=self.zone)
        except ValueError:
            raise serializers.ValidationError(
                {field: _("Use a date like 2026-11-01 or a date-time like 2026-11-01T08:00:00+08:00.")}
            ) from None
        return moment

    def validate(self, attrs):
        now = timezone.now()
        end = self._moment(attrs["to"], "to", end=True) if attrs.get("to") else now
        interval = attrs["interval"]
        default_span = dt.timedelta(days=30 if interval == "day" else 2)
        start = self._moment(attrs["from"], "from", end=False) if attrs.get("from") else end - default_span
        if start >= end:
            raise serializers.ValidationError({"from": _("“from” must be before “to”.")})
        if end - start > dt.timedelta(days=self.MAX_DAYS[interval]):
            raise serializers.ValidationError(
                {
                    "from": _("At most %(days)d days with interval=%(interval)s.")
                    % {"days": self.MAX_DAYS[interval], "interval": interval}
                }
            )
        return {"start": start, "end": end, "interval": interval}


class BreakdownRow(serializers.Serializer):
    key = serializers.CharField()
    clicks = serializers.IntegerField()
    unique = serializers.IntegerField()


class SeriesRow(serializers.Serializer):
    t = serializers.DateTimeField(help_text="Start of the bucket, in the workspace's time zone.")
    clicks = serializers.IntegerField()
    unique = serializers.IntegerField()


class StatsOutput(serializers.Serializer):
    link = serializers.IntegerField()
    interval = serializers.CharField()
    timezone = serializers.CharField()
    total = serializers.IntegerField()
    unique = serializers.IntegerField()
    by_platform = BreakdownRow(many=True)
    by_os = BreakdownRow(many=True)
    by_device = BreakdownRow(many=True)
    by_referrer = BreakdownRow(many=True)
    by_country = BreakdownRow(many=True)
    series = SeriesRow(many=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        zone = ZoneInfo(instance["timezone"])
        data["from"] = instance["from"].astimezone(zone).isoformat()
        data["to"] = instance["to"].astimezone(zone).isoformat()
        return data


@extend_schema_view(
    list=extend_schema(summary="Short links of the workspace", responses=LinkOutput(many=True)),
    retrieve=extend_schema(summary="One short link", responses=LinkOutput),
    create=extend_schema(summary="Create a short link", request=LinkInput, responses={201: LinkOutput}),
    partial_update=extend_schema(
        summary="Change a short link", request=LinkUpdateInput, responses=LinkOutput
    ),
    destroy=extend_schema(summary="Delete a short link and its clicks"),
)
class LinkViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Link.objects.prefetch_related("tags").order_by("-created_at", "-pk")
    serializer_class = LinkOutput
    write_roles = CONFIGURE_ROLES
    filterset_class = LinkFilter
    search_fields = ["title", "url", "code"]
    ordering_fields = ["created_at", "click_count", "unique_click_count", "title"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request):
        data = LinkInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        link = link_create(workspace=self.workspace, by=request.user, **data.validated_data)
        return Response(LinkOutput(link).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        link = self.get_object()
        data = LinkUpdateInput(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        link = link_update(link=link, by=request.user, **data.validated_data)
        return Response(LinkOutput(Link.objects.prefetch_related("tags").get(pk=link.pk)).data)

    def perform_destroy(self, instance):
        link_delete(link=instance)

    @extend_schema(
        summary="Click statistics of a link",
        parameters=[
            OpenApiParameter(
                "from", str, description="Date (2026-11-01) or date-time; default 30 days before `to`."
            ),
            OpenApiParameter("to", str, description="Date (inclusive) or date-time; default now."),
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


class PlatformOutput(serializers.Serializer):
    id = serializers.ChoiceField(choices=VisitorPlatform.choices)
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    in_app = serializers.BooleanField(help_text="An in-app browser, where anti-block pages apply.")


class PlatformsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Platform ids with their Chinese and English names", responses=PlatformOutput(many=True)
    )
    def get(self, request):
        return Response(PlatformOutput(platform_names(), many=True).data)


class LinkSettingsSerializer(serializers.Serializer):
    antiblock_defaults = serializers.DictField(
        child=serializers.ChoiceField(choices=AntiBlockMode.choices),
        required=False,
        help_text="Platform id → direct, guide or copy; unlisted in-app platforms use guide.",
    )
    blocked_domains = serializers.ListField(
        child=serializers.CharField(max_length=253),
        required=False,
        max_length=1000,
        help_text="Domains (with their subdomains) links may not point to.",
    )


class LinkSettingsView(WorkspaceScopedMixin, APIView):
    write_roles = CONFIGURE_ROLES

    @extend_schema(summary="The workspace's link settings", responses=LinkSettingsSerializer)
    def get(self, request):
        return Response(LinkSettingsSerializer(link_settings_for(self.workspace)).data)

    @extend_schema(
        summary="Change the workspace's link settings",
        request=LinkSettingsSerializer,
        responses=LinkSettingsSerializer,
    )
    def patch(self, request):
        data = LinkSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            LinkSettingsSerializer(link_settings_update(workspace=self.workspace, **data.validated_data)).data
        )
