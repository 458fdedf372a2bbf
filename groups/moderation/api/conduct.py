"""/api/rules/ (the code of conduct) and /api/ladders/ (penalty ladders)."""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response

from groups.api.fields import api_field_names
from groups.models import Community, CommunityKind, Ladder, LadderScope, PenaltyAction, Rule
from groups.models.moderation import LadderStep, describe_action
from groups.moderation import conduct, ladders, selectors
from suo.api.filters import IdFilter
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadDeleteViewSet

# The API names a rule's group `group` (conduct.RULE_FIELDS says `community`).
RULE_FIELDS = ["group" if name == "community" else name for name in conduct.RULE_FIELDS]
GROUP_HELP = gettext_lazy("Only for this group (id); null: every group.")
KIND_HELP = gettext_lazy("Only for groups of this kind; empty: every kind.")


# A rule as a client adds or changes it; conduct.rule_save decides (one group or one kind).
@extend_schema_serializer(component_name="Rule")
class RuleInput(serializers.ModelSerializer):
    group = ScopedPrimaryKeyRelatedField(
        source="community",
        queryset=Community.objects.all(),
        required=False,
        allow_null=True,
        help_text=GROUP_HELP,
    )
    community_kind = serializers.ChoiceField(
        choices=CommunityKind.choices, required=False, allow_blank=True, help_text=KIND_HELP
    )

    class Meta:
        model = Rule
        fields = RULE_FIELDS


@extend_schema_serializer(component_name="Rule")
class RuleOutput(OutputSerializer):
    group = serializers.PrimaryKeyRelatedField(
        source="community", read_only=True, allow_null=True, help_text=GROUP_HELP
    )
    community_kind = serializers.ChoiceField(
        choices=CommunityKind.choices, read_only=True, allow_blank=True, help_text=KIND_HELP
    )

    class Meta:
        model = Rule
        fields = ["id", *RULE_FIELDS, "created_at"]


class RuleFilter(django_filters.FilterSet):
    applies_to = IdFilter(method="for_group", label=gettext_lazy("rules that apply to group id"))

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


@schema_view(
    list="The code of conduct: rules with category, severity and where they apply",
    create=extend_schema(
        summary="Add a rule (owners, operators)", request=RuleInput, responses={201: RuleOutput}
    ),
    partial_update=extend_schema(
        summary="Change a rule; retire it with is_active=false", request=RuleInput, responses=RuleOutput
    ),
    destroy="Delete a rule that no violation used (retire the others)",
)
class RuleViewSet(ReadDeleteViewSet):
    queryset = Rule.objects.select_related("community").order_by("position", "pk")
    serializer_class = RuleOutput
    filterset_class = RuleFilter
    search_fields = ["title", "description"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _save(self, rule: Rule, request, *, partial: bool) -> Rule:
        values = self.validated(RuleInput, partial=partial)
        with api_field_names(community="group"):
            return conduct.rule_save(rule=rule, by=request.user, **values)

    def create(self, request):
        rule = self._save(Rule(workspace=self.workspace), request, partial=False)
        return Response(RuleOutput(rule).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        return Response(RuleOutput(self._save(self.get_object(), request, partial=True)).data)

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


LADDER_FIELDS = ["name", "is_default", "window_days", "scope", "steps"]
STEPS_HELP = gettext_lazy("In order; replace the old.")


@extend_schema_serializer(component_name="Ladder")
class LadderInput(serializers.ModelSerializer):
    steps = LadderStepSerializer(many=True, required=False, help_text=STEPS_HELP)
    scope = serializers.ChoiceField(choices=LadderScope.choices, required=False)

    class Meta:
        model = Ladder
        fields = LADDER_FIELDS
        extra_kwargs = {"window_days": {"min_value": 1, "max_value": 3650}}


@extend_schema_serializer(component_name="Ladder")
class LadderOutput(OutputSerializer):
    steps = serializers.SerializerMethodField(help_text=STEPS_HELP)

    class Meta:
        model = Ladder
        fields = ["id", *LADDER_FIELDS, "created_at", "updated_at"]

    @extend_schema_field(LadderStepSerializer(many=True))
    def get_steps(self, ladder) -> list:
        steps = sorted(ladder.steps.all(), key=lambda step: (step.position, step.pk))
        return LadderStepSerializer(steps, many=True).data


@schema_view(
    list="Penalty ladders; groups without their own ladder use the default one",
    create=extend_schema(
        summary="Add a ladder (steps default to warn → mute 24 h → kick)",
        request=LadderInput,
        responses={201: LadderOutput},
    ),
    partial_update=extend_schema(
        summary="Change a ladder; `steps`, when given, replace the old ones",
        request=LadderInput,
        responses=LadderOutput,
    ),
    destroy="Delete a ladder (not the default); its groups fall back to the default",
)
class LadderViewSet(ReadDeleteViewSet):
    queryset = Ladder.objects.prefetch_related("steps").order_by("-is_default", "name", "pk")
    serializer_class = LadderOutput
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def list(self, request, *args, **kwargs):
        ladders.ladder_default(self.workspace)  # a workspace always shows its default ladder
        return super().list(request, *args, **kwargs)

    def _save(self, ladder: Ladder, request, *, partial: bool) -> dict:
        values = self.validated(LadderInput, partial=partial)
        ladder = conduct.ladder_save(ladder=ladder, by=request.user, **values)
        return LadderOutput(self.get_queryset().get(pk=ladder.pk)).data

    def create(self, request):
        body = self._save(Ladder(workspace=self.workspace), request, partial=False)
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        return Response(self._save(self.get_object(), request, partial=True))

    def perform_destroy(self, instance):
        conduct.ladder_delete(ladder=instance, by=self.request.user)
