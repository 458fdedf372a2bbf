"""/api/sops/ (+ apply, completion) and /api/tasks/ (+ done, skip, reminders)."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from content import selectors, services
from content.models import AbcScript, ContentItem, Sop, SopTask, TaskStatus
from groups.models import Community, CommunityKind, GroupRole
from suo.api.filters import ID_MAX, IdFilter
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadViewSet
from suo.tenancy import MODERATE_ROLES

WEEKDAYS = [(i, str(i)) for i in range(7)]


# Answered as HH:MM (e.g. "09:00"): not an OpenAPI `time` (which wants seconds and an offset).
@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$", "example": "09:00"}
)
class ClockTimeField(serializers.TimeField):
    pass


class StepSerializer(serializers.Serializer):
    day_offset = serializers.IntegerField(
        min_value=0, max_value=366, default=0, help_text="Day 0 = the start date."
    )
    weekday = serializers.ChoiceField(
        choices=WEEKDAYS,
        required=False,
        allow_null=True,
        help_text="0 = Monday … 6 = Sunday: the first such day on or after start + day_offset.",
    )
    time = ClockTimeField(format="%H:%M", help_text="Time of day in the workspace's time zone, e.g. 09:00.")
    role = serializers.ChoiceField(choices=GroupRole.choices)
    action = serializers.CharField(max_length=500)
    item = ScopedPrimaryKeyRelatedField(queryset=ContentItem.objects.all(), required=False, allow_null=True)
    script = ScopedPrimaryKeyRelatedField(
        queryset=AbcScript.objects.all(), required=False, allow_null=True, help_text="An ABC script (id)."
    )


class SopInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    auto_kind = serializers.ChoiceField(
        choices=CommunityKind.choices,
        required=False,
        allow_blank=True,
        help_text="Apply automatically to every new group of this kind; empty = never.",
    )
    is_active = serializers.BooleanField(required=False)
    steps = StepSerializer(many=True, allow_empty=False)


class SopOutput(OutputSerializer):
    steps = StepSerializer(many=True, read_only=True)
    completion_rate = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Done ÷ tasks due so far, 0–1; null before any is due."
    )

    class Meta:
        model = Sop
        fields = [
            "id",
            "name",
            "description",
            "auto_kind",
            "is_active",
            "steps",
            "completion_rate",
            "created_at",
        ]


class ApplyInput(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())
    start_date = serializers.DateField(
        required=False, allow_null=True, help_text="Day 0; default today (workspace time zone)."
    )


class TaskOutput(OutputSerializer):
    group = serializers.IntegerField(source="community_id", read_only=True)
    sop = serializers.IntegerField(source="application.sop_id", read_only=True)
    assignee = serializers.IntegerField(
        source="assignee_id",
        read_only=True,
        allow_null=True,
        help_text="The suo user (id) holding the role; null when only a group member does.",
    )
    assignee_member = serializers.IntegerField(
        source="assignee_member_id",
        read_only=True,
        allow_null=True,
        help_text="The group member (id) holding the role, if any.",
    )

    class Meta:
        model = SopTask
        fields = [
            "id",
            "due_at",
            "role",
            "assignee",
            "assignee_member",
            "assignee_name",
            "action",
            "group",
            "sop",
            "item",
            "script",
            "status",
            "reminder",
            "reminded_at",
            "closed_at",
        ]


ApplyOutput = inline_serializer(
    "SopApplyResult",
    {
        "application": serializers.IntegerField(),
        "group": serializers.IntegerField(),
        "start_date": serializers.DateField(),
        "tasks": TaskOutput(many=True),
    },
)
CompletionRow = {
    "tasks": serializers.IntegerField(help_text="Tasks due by now or already ticked."),
    "done": serializers.IntegerField(),
    "skipped": serializers.IntegerField(),
    "overdue": serializers.IntegerField(help_text="Still open past their time."),
    "completion_rate": serializers.FloatField(help_text="done ÷ tasks, 0–1."),
}
CompletionOutput = inline_serializer(
    "SopCompletion",
    {
        "sop": serializers.IntegerField(),
        **CompletionRow,
        "people": inline_serializer(
            "SopCompletionPerson",
            {
                "assignee": serializers.IntegerField(allow_null=True),
                "assignee_member": serializers.IntegerField(allow_null=True),
                "name": serializers.CharField(),
                **CompletionRow,
            },
            many=True,
        ),
    },
)


@schema_view(
    list="SOPs with their steps and completion rate",
    create=extend_schema(request=SopInput, responses={201: SopOutput}),
    partial_update=extend_schema(request=SopInput(partial=True), responses=SopOutput),
)
class SopViewSet(ReadViewSet):
    queryset = Sop.objects.all()
    serializer_class = SopOutput
    search_fields = ["name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.sop_list(queryset=super().get_queryset())

    def _answer(self, sop: Sop, code=status.HTTP_200_OK) -> Response:
        return Response(self.shown(sop), status=code)

    def create(self, request):
        values = self.validated(SopInput)
        return self._answer(
            services.sop_save(workspace=self.workspace, by=request.user, **values),
            status.HTTP_201_CREATED,
        )

    def partial_update(self, request, pk=None):
        sop = self.get_object()
        values = self.validated(SopInput, partial=True)
        return self._answer(services.sop_save(workspace=self.workspace, sop=sop, by=request.user, **values))

    @extend_schema(
        summary="Apply the SOP to a group: dated tasks for the current role holders",
        request=ApplyInput,
        responses={201: ApplyOutput},
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        sop = self.get_object()
        values = self.validated(ApplyInput)
        application = services.sop_apply(
            sop=sop,
            community=values["group"],
            start_date=values.get("start_date"),
            by=request.user,
        )
        tasks = selectors.task_list(queryset=SopTask.objects.filter(application=application))
        body = {
            "application": application.pk,
            "group": application.community_id,
            "start_date": application.start_date,
            "tasks": TaskOutput(tasks, many=True).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Completion rate of the SOP, in total and per person", responses=CompletionOutput)
    @action(detail=True, methods=["get"])
    def completion(self, request, pk=None):
        return Response(selectors.sop_completion(sop=self.get_object()))


class TaskFilter(django_filters.FilterSet):
    due_before = django_filters.IsoDateTimeFilter(
        field_name="due_at", lookup_expr="lt", help_text="Due before this time."
    )
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="A suo user id, or `me`.")
    group = IdFilter(field_name="community")
    sop = IdFilter(field_name="application__sop")

    class Meta:
        model = SopTask
        fields = ["due_before", "due_after", "assignee", "assignee_member", "group", "sop", "status", "role"]

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if not value.isdigit() or int(value) > ID_MAX:
            raise serializers.ValidationError({"assignee": _("Give a user id or “me”.")})
        return queryset.filter(assignee_id=int(value))


@schema_view(list="SOP tasks, by due time", retrieve="One SOP task")
class TaskViewSet(
    WorkspaceScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = SopTask.objects.all()
    serializer_class = TaskOutput
    filterset_class = TaskFilter
    ordering_fields = ["due_at"]
    action_roles = {"done": MODERATE_ROLES, "skip": MODERATE_ROLES}

    def get_queryset(self):
        return selectors.task_list(queryset=super().get_queryset())

    def _close(self, status_: str) -> Response:
        task = services.task_close(task=self.get_object(), status=status_, by=self.request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(summary="Tick a task done", request=None, responses=TaskOutput)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        return self._close(TaskStatus.DONE)

    @extend_schema(summary="Tick a task skipped", request=None, responses=TaskOutput)
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        return self._close(TaskStatus.SKIPPED)

    @extend_schema(
        summary="My reminders: my open tasks whose time has come (in-app)",
        responses=TaskOutput(many=True),
        parameters=[OpenApiParameter("page", OpenApiTypes.INT)],
    )
    @action(detail=False, methods=["get"])
    def reminders(self, request):
        tasks = selectors.reminders_for(user=request.user, queryset=super().get_queryset())
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
