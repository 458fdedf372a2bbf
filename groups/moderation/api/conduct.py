"""/api/rules/ (the code of conduct) and /api/ladders/ (penalty ladders)."""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from groups.models import (
    Community,
    CommunityKind,
    Ladder,
    LadderScope,
    PenaltyAction,
    Rule,
)
from groups.models.moderation import LadderStep, describe_action
from groups.moderation import conduct, ladders, selectors
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin


class RuleSerializer(serializers.ModelSerializer):
    group = ScopedPrimaryKeyRelatedField(
        source="community",
        queryset=Community.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Only for this group (id); null: every group."),
    )
    community_kind = serializers.ChoiceField(
        choices=CommunityKind.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Only for groups of this kind; empty: every kind."),
    )

    class Meta:
        model = Rule
        fields = [
            "id",
            "title",
            "description",
            "category",
            "severity",
            "community_kind",
            "group",
            "position",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs):
        kind = attrs.get("community_kind", getattr(self.instance, "community_kind", ""))
        community = attrs.get("community", getattr(self.instance, "community", None))
        if kind and community is not None:
            raise serializers.ValidationError({"group": _("Choose a kind of group or one group, not both.")})
        return attrs

    def create(self, validated_data):
        validated_data.pop("workspace", None)
        rule = Rule(workspace=self.context["workspace"])
        return conduct.rule_save(rule=rule, by=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return conduct.rule_save(rule=instance, by=self.context["request"].user, **validated_data)


class RuleFilter(django_filters.FilterSet):
    applies_to = django_filters.NumberFilter(
        method="for_group", label=gettext_lazy("rules that apply to group id")
    )

    class Meta:
        model = Rule
        fields = ["category", "is_active", "community_kind", "applies_to"]

    def for_group(self, queryset, name, value):
        community = Community.objects.filter(
            pk=value, workspace_id__in=queryset.values("workspace_id")
        ).first()
        if community is None:
            return queryset.none()
        return queryset.filter(pk__in=selectors.rules_for(community).values("pk"))


@extend_schema_view(
    list=extend_schema(summary="The code of conduct: rules with category, severity and where they apply"),
    create=extend_schema(summary="Add a rule (owners, operators)"),
    partial_update=extend_schema(summary="Change a rule; retire it with is_active=false"),
    destroy=extend_schema(summary="Delete a rule that no violation used (retire the others)"),
)
class RuleViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    queryset = Rule.objects.select_related("community").order_by("position", "pk")
    serializer_class = RuleSerializer
    filterset_class = RuleFilter
    search_fields = ["title", "description"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.save()

    def perform_destroy(self, instance):
        conduct.rule_delete(rule=instance, by=self.request.user)


class LadderStepSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=PenaltyAction.choices)
    mute_minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=525600,
        help_text=gettext_lazy("Only for mute."),
    )
    label = serializers.SerializerMethodField()

    class Meta:
        model = LadderStep
        fields = ["action", "mute_minutes", "label"]

    def get_label(self, step) -> str:
        return describe_action(step.action, step.mute_minutes)


class LadderSerializer(serializers.ModelSerializer):
    steps = LadderStepSerializer(
        many=True, required=False, help_text=gettext_lazy("In order; replace the old.")
    )
    scope = serializers.ChoiceField(choices=LadderScope.choices, required=False)

    class Meta:
        model = Ladder
        fields = ["id", "name", "is_default", "window_days", "scope", "steps", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"window_days": {"min_value": 1, "max_value": 3650}}

    def to_representation(self, ladder):
        data = super().to_representation(ladder)
        data["steps"] = LadderStepSerializer(ladder.steps.order_by("position", "pk"), many=True).data
        return data

    def create(self, validated_data):
        validated_data.pop("workspace", None)
        return conduct.ladder_save(
            ladder=Ladder(workspace=self.context["workspace"]),
            by=self.context["request"].user,
            **validated_data,
        )

    def update(self, instance, validated_data):
        return conduct.ladder_save(ladder=instance, by=self.context["request"].user, **validated_data)


@extend_schema_view(
    list=extend_schema(summary="Penalty ladders; groups without their own ladder use the default one"),
    create=extend_schema(summary="Add a ladder (steps default to warn → mute 24 h → kick)"),
    partial_update=extend_schema(summary="Change a ladder; `steps`, when given, replace the old ones"),
    destroy=extend_schema(summary="Delete a ladder (not the default); its groups fall back to the default"),
)
class LadderViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    queryset = Ladder.objects.prefetch_related("steps").order_by("-is_default", "name", "pk")
    serializer_class = LadderSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def list(self, request, *args, **kwargs):
        ladders.ladder_default(self.workspace)  # a workspace always shows its default ladder
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.save()

    def perform_destroy(self, instance):
        conduct.ladder_delete(ladder=instance, by=self.request.user)
