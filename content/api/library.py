"""/api/content/, /api/titles/, /api/faqs/ and /api/abc-scripts/ (images: content.api.images)."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from content import selectors, services
from content.models import (
    AbcScript,
    Category,
    ContentItem,
    Faq,
    ItemStatus,
    LibraryImage,
    Method,
    Title,
    TitleKind,
)
from suo.api.fields import tag_names_field
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadDeleteViewSet, ReadViewSet

TagNamesField = tag_names_field(32)


class MetricsOutput(serializers.Serializer):
    reach = serializers.IntegerField(help_text="Members of the groups when the posts were sent.")
    opens = serializers.IntegerField(help_text="Unique visitors of the tracked links.")
    open_rate = serializers.FloatField(help_text="opens ÷ reach, 0–1.")
    interactions = serializers.IntegerField(help_text="Reply and reaction events.")
    interaction_rate = serializers.FloatField(help_text="interactions ÷ reach, 0–1.")
    shares = serializers.IntegerField(help_text="Share events.")
    share_rate = serializers.FloatField(help_text="shares ÷ reach, 0–1.")


class ItemMetricsOutput(MetricsOutput):
    posts = serializers.IntegerField(help_text="Sent posts of the item.")


# --- content items --------------------------------------------------------------------------------


class ItemInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(
        max_length=5000, help_text="Text with simple formatting; URLs become tracked links when posted."
    )
    category = serializers.ChoiceField(choices=Category.choices)
    method = serializers.ChoiceField(choices=Method.choices)
    status = serializers.ChoiceField(choices=ItemStatus.choices, required=False, help_text="Default draft.")
    tags = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=20)
    images = ScopedPrimaryKeyRelatedField(queryset=LibraryImage.objects.all(), many=True, required=False)


class ItemOutput(OutputSerializer):
    tags = TagNamesField(read_only=True)
    flags = serializers.SerializerMethodField(
        help_text='["hit"] for a hit template, ["low"] for a low performer.'
    )

    class Meta:
        model = ContentItem
        fields = [
            "id",
            "title",
            "body",
            "category",
            "method",
            "status",
            "tags",
            "images",
            "cloned_from",
            "flags",
            "created_at",
            "updated_at",
            "archived_at",
        ]

    @extend_schema_field({"type": "array", "items": {"type": "string", "enum": ["hit", "low"]}})
    def get_flags(self, item: ContentItem) -> list[str]:
        flags = self.context.get("flags")
        if flags is None:
            flags = self.context["flags"] = selectors.item_flags(workspace=item.workspace_id)
        return flags.get(item.pk, [])


class ItemDetailOutput(ItemOutput):
    metrics = serializers.SerializerMethodField()

    class Meta(ItemOutput.Meta):
        fields = [*ItemOutput.Meta.fields, "metrics"]

    @extend_schema_field(ItemMetricsOutput)
    def get_metrics(self, item: ContentItem) -> dict:
        return selectors.item_metrics(item=item)


class ItemFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", help_text="Only items with this tag.")
    flag = django_filters.ChoiceFilter(choices=[("hit", "hit"), ("low", "low")], method="filter_flag")

    class Meta:
        model = ContentItem
        fields = ["category", "method", "status", "tag", "flag"]

    def filter_flag(self, queryset, name, value):
        flags = selectors.item_flags(workspace=self.request.parser_context["view"].workspace)
        return queryset.filter(pk__in=[pk for pk, found in flags.items() if value in found])


PruneOutput = inline_serializer(
    "PruneResult", {"archived": serializers.ListField(child=serializers.IntegerField())}
)


@schema_view(
    list="Content items, with their hit / low flags",
    retrieve=extend_schema(summary="One content item with its metrics and flags", responses=ItemDetailOutput),
    create=extend_schema(
        summary="Create a content item", request=ItemInput, responses={201: ItemDetailOutput}
    ),
    partial_update=extend_schema(
        summary="Change a content item", request=ItemInput(partial=True), responses=ItemDetailOutput
    ),
)
class ContentItemViewSet(ReadViewSet):
    queryset = ContentItem.objects.all()
    serializer_class = ItemOutput
    filterset_class = ItemFilter
    search_fields = ["title", "body"]
    ordering_fields = ["created_at", "updated_at", "title"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.item_list(queryset=super().get_queryset())

    def get_serializer_class(self):
        return ItemDetailOutput if self.action == "retrieve" else ItemOutput

    def _detail(self, item: ContentItem, code=status.HTTP_200_OK) -> Response:
        item = self.get_queryset().get(pk=item.pk)
        return Response(ItemDetailOutput(item, context=self.get_serializer_context()).data, status=code)

    def create(self, request):
        values = self.validated(ItemInput)
        item = services.content_item_create(workspace=self.workspace, by=request.user, **values)
        return self._detail(item, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        item = self.get_object()
        values = self.validated(ItemInput, partial=True)
        return self._detail(services.content_item_update(item=item, by=request.user, **values))

    @extend_schema(
        summary="Clone as template: a draft copy linked by cloned_from",
        request=None,
        responses={201: ItemDetailOutput},
    )
    @action(detail=True, methods=["post"])
    def clone(self, request, pk=None):
        return self._detail(
            services.content_item_clone(item=self.get_object(), by=request.user), status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Prune: archive every item flagged as a low performer", request=None, responses=PruneOutput
    )
    @action(detail=False, methods=["post"])
    def prune(self, request):
        archived = services.content_prune(workspace=self.workspace, by=request.user)
        return Response({"archived": [item.pk for item in archived]})


# --- titles, FAQ, ABC scripts ---------------------------------------------------------------------


def library_schema(input_class, output_class, **views):
    """The schema of a LibraryViewSet: create and change take `input_class` and answer with
    `output_class`; `views` describe the other actions."""
    return schema_view(
        **views,
        create=extend_schema(request=input_class, responses={201: output_class}),
        partial_update=extend_schema(request=input_class(partial=True), responses=output_class),
    )


class LibraryViewSet(ReadDeleteViewSet):
    # Create and change go through `save`, a service taking the validated input.

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    input_class: type[serializers.Serializer]

    def save(self, instance, data: dict):
        raise NotImplementedError

    def _answer(self, instance, code=status.HTTP_200_OK) -> Response:
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=code)

    def create(self, request):
        values = self.validated(self.input_class)
        return self._answer(self.save(None, values), status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        instance = self.get_object()
        values = self.validated(self.input_class, partial=True)
        return self._answer(self.save(instance, values))

    def perform_destroy(self, instance):
        services.library_delete(row=instance, by=self.request.user)


class TitleInput(serializers.Serializer):
    text = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=TitleKind.choices, required=False, help_text="Default headline.")
    tags = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=20)


class TitleOutput(OutputSerializer):
    tags = TagNamesField(read_only=True)

    class Meta:
        model = Title
        fields = ["id", "text", "kind", "tags", "created_at"]


@library_schema(TitleInput, TitleOutput, list="Title library: headlines and long-tail keywords")
class TitleViewSet(LibraryViewSet):
    queryset = Title.objects.prefetch_related("tags").order_by("-created_at", "-pk")
    serializer_class = TitleOutput
    input_class = TitleInput
    filterset_fields = ["kind"]
    search_fields = ["text", "tags__name"]

    def save(self, instance, data):
        return services.title_save(workspace=self.workspace, title=instance, **data)


class FaqInput(serializers.Serializer):
    question = serializers.CharField(max_length=300)
    answer = serializers.CharField(max_length=3000)
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=30
    )


class FaqOutput(OutputSerializer):
    # Always present (null without ?q=), so every FAQ answer has one shape.
    score = serializers.FloatField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Relevance to ?q= (higher is better); null without it.",
    )

    class Meta:
        model = Faq
        fields = ["id", "question", "answer", "keywords", "score", "created_at", "updated_at"]


@library_schema(
    FaqInput,
    FaqOutput,
    list=extend_schema(
        summary="FAQ library; with ?q= the answers to a member's question, best first",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="A member's question, in any wording (Chinese-aware)."
            )
        ],
    ),
)
class FaqViewSet(LibraryViewSet):
    queryset = Faq.objects.order_by("-updated_at", "-pk")
    serializer_class = FaqOutput
    input_class = FaqInput

    def get_queryset(self):
        queryset = super().get_queryset()
        question = self.request.query_params.get("q", "").strip()[:300] if self.action == "list" else ""
        return (
            selectors.faq_search(workspace=self.workspace, question=question, queryset=queryset)
            if question
            else queryset
        )

    def save(self, instance, data):
        return services.faq_save(workspace=self.workspace, faq=instance, by=self.request.user, **data)


class LineSerializer(serializers.Serializer):
    position = serializers.ChoiceField(choices=[("A", "A"), ("B", "B"), ("C", "C")])
    text = serializers.CharField(max_length=500)


class AbcScriptInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    lines = LineSerializer(many=True, help_text="In speaking order.")


class AbcScriptOutput(OutputSerializer):
    lines = LineSerializer(many=True, read_only=True)

    class Meta:
        model = AbcScript
        fields = ["id", "title", "notes", "lines", "created_at"]


@library_schema(
    AbcScriptInput,
    AbcScriptOutput,
    list="ABC scripts: short dialogues for the A, B and C positions",
)
class AbcScriptViewSet(LibraryViewSet):
    queryset = AbcScript.objects.prefetch_related("lines").order_by("title", "pk")
    serializer_class = AbcScriptOutput
    input_class = AbcScriptInput
    search_fields = ["title"]

    def save(self, instance, data):
        return services.abc_script_save(workspace=self.workspace, script=instance, **data)
