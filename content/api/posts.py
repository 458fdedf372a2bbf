"""/api/posts/: schedule an item into groups (tracked links per group), its metrics, cancel."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from content import selectors, services
from content.api.library import MetricsOutput
from content.models import ContentItem, Post
from groups.models import Community
from suo.api.filters import IdFilter
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadViewSet


class PostInput(serializers.Serializer):
    item = ScopedPrimaryKeyRelatedField(
        queryset=ContentItem.objects.all(), help_text="The content item (id)."
    )
    groups = ScopedPrimaryKeyRelatedField(
        queryset=Community.objects.all(), many=True, allow_empty=False, help_text="Group ids, at most 50."
    )
    scheduled_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When to send it; empty = now. Not in the past."
    )


class DeliveryOutput(serializers.Serializer):
    group = serializers.IntegerField(source="community_id")
    body = serializers.CharField(
        help_text="The item's body with every URL replaced by its tracked short link."
    )
    links = serializers.SerializerMethodField(
        help_text="The tracked short links of this group, in body order."
    )
    reach = serializers.IntegerField(allow_null=True, help_text="Group size when sent; null until then.")

    @extend_schema_field({"type": "array", "items": {"type": "string", "format": "uri"}})
    def get_links(self, delivery) -> list[str]:
        post_links = sorted(
            (pl for pl in delivery.post.links.all() if pl.community_id == delivery.community_id),
            key=lambda pl: pl.position,
        )
        return [pl.link.short_url for pl in post_links]


class PostOutput(OutputSerializer):
    groups = serializers.SerializerMethodField()
    deliveries = DeliveryOutput(many=True, read_only=True)

    class Meta:
        model = Post
        fields = ["id", "item", "groups", "scheduled_at", "state", "sent_at", "deliveries", "created_at"]

    @extend_schema_field({"type": "array", "items": {"type": "integer"}})
    def get_groups(self, post: Post) -> list[int]:
        return [delivery.community_id for delivery in post.deliveries.all()]


class PostFilter(django_filters.FilterSet):
    group = IdFilter(field_name="deliveries__community", help_text="Posts into this group.")
    since = django_filters.IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="lt")

    class Meta:
        model = Post
        fields = ["item", "state", "group", "since", "until"]


class PostMetricsOutput(MetricsOutput):
    pass


@schema_view(
    list="Posts, newest first",
    retrieve="One post with its deliveries",
    create=extend_schema(
        summary="Schedule an item into groups; every URL becomes a tracked short link per group",
        request=PostInput,
        responses={201: PostOutput},
    ),
)
class PostViewSet(ReadViewSet):
    queryset = Post.objects.all()
    serializer_class = PostOutput
    filterset_class = PostFilter
    ordering_fields = ["scheduled_at", "created_at"]

    def get_queryset(self):
        return selectors.post_list(queryset=super().get_queryset()).distinct()

    def create(self, request):
        values = self.validated(PostInput)
        post = services.post_create(workspace=self.workspace, by=request.user, **values)
        post = self.get_queryset().get(pk=post.pk)
        return Response(self.get_serializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Reach, opens, interactions, shares and their rates (fractions 0–1)",
        responses=PostMetricsOutput,
    )
    @action(detail=True, methods=["get"])
    def metrics(self, request, pk=None):
        return Response(PostMetricsOutput(selectors.post_metrics(post=self.get_object())).data)

    @extend_schema(summary="Cancel a post that was not sent yet", request=None, responses=PostOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        post = services.post_cancel(post=self.get_object(), by=request.user)
        return Response(self.shown(post))
