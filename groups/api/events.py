"""/api/events/: bots and platform integrations push join / leave / message / activity events."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from groups import event_kinds
from groups.ingest import MAX_BATCH, events_ingest
from groups.models import (
    ChatPlatform,
    JoinSource,
    LeaveReason,
)
from suo.api.fields import MomentField
from suo.api.scoping import WorkspaceScopedMixin
from suo.tenancy import MODERATE_ROLES

# Events report what happened; a clock this far ahead of ours is a mistake, not history.
FUTURE_TOLERANCE = timedelta(hours=1)


class EventInput(serializers.Serializer):
    id = serializers.CharField(
        max_length=100, help_text=gettext_lazy("Your unique id: resending it changes nothing.")
    )
    type = serializers.ChoiceField(
        choices=[("join", "join"), ("leave", "leave"), ("message", "message"), ("activity", "activity")]
    )
    platform = serializers.ChoiceField(choices=ChatPlatform.choices)
    group_external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    member_external_id = serializers.CharField(max_length=100)
    member_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    at = MomentField()
    source = serializers.ChoiceField(choices=JoinSource.choices, required=False, help_text="join")
    inviter_external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="join"
    )
    reason = serializers.ChoiceField(choices=LeaveReason.choices, required=False, help_text="leave")
    count = serializers.IntegerField(
        min_value=1, max_value=100000, required=False, default=1, help_text="message"
    )
    channel = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="join"
    )
    campaign = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="join, activity"
    )
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="activity"
    )

    def validate_at(self, value):
        if value > timezone.now() + FUTURE_TOLERANCE:
            raise serializers.ValidationError(
                _("This time is in the future; send an event once it has happened.")
            )
        return value

    def get_fields(self):
        # Types registered by other apps (groups.event_kinds), e.g. content's reply/reaction/share.
        return event_kinds.extend_fields(super().get_fields())

    def validate(self, attrs):
        return event_kinds.validate_extra(attrs)


class EventBatchInput(serializers.Serializer):
    events = serializers.ListField(child=serializers.JSONField(), min_length=1, max_length=MAX_BATCH)


EventBatchDoc = inline_serializer("EventBatch", {"events": EventInput(many=True)})


EventBatchOutput = inline_serializer(
    "EventBatchResult",
    {
        "received": serializers.IntegerField(),
        "applied": serializers.IntegerField(),
        "skipped": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "results": inline_serializer(
            "EventResult",
            {
                "id": serializers.CharField(allow_null=True),
                "status": serializers.ChoiceField(choices=["applied", "skipped", "duplicate", "rejected"]),
                "code": serializers.CharField(required=False),
                "detail": serializers.CharField(required=False),
                "fields": serializers.DictField(required=False),
            },
            many=True,
        ),
    },
)


class EventsView(WorkspaceScopedMixin, APIView):
    """Bots and platform integrations push what happened in the groups."""

    write_roles = MODERATE_ROLES

    @extend_schema(
        summary=f"Push up to {MAX_BATCH} join / leave / message / activity events (idempotent by id)",
        request=EventBatchDoc,
        responses={200: EventBatchOutput},
    )
    def post(self, request):
        from groups.ingest import EventResult

        batch = EventBatchInput(data=request.data)
        batch.is_valid(raise_exception=True)
        raw = batch.validated_data["events"]
        valid, positions = [], []
        results: list = [None] * len(raw)
        for index, item in enumerate(raw):
            parsed = EventInput(data=item) if isinstance(item, dict) else None
            if parsed is None or not parsed.is_valid():
                errors = (
                    parsed.errors
                    if parsed is not None
                    else {"non_field_errors": [_("An event is an object.")]}
                )
                fields = {name: [str(m) for m in messages] for name, messages in errors.items()}
                first = next(iter(fields))
                results[index] = EventResult(
                    str(item.get("id")) if isinstance(item, dict) and item.get("id") is not None else None,
                    "rejected",
                    "invalid",
                    f"{first}: {fields[first][0]}",
                    fields,
                )
                continue
            valid.append(parsed.validated_data)
            positions.append(index)
        for index, result in zip(
            positions, events_ingest(workspace=self.workspace, events=valid), strict=True
        ):
            results[index] = result
        counts = {"applied": 0, "skipped": 0, "duplicate": 0, "rejected": 0}
        for result in results:
            counts[result.status] += 1
        return Response(
            {
                "received": len(raw),
                "applied": counts["applied"],
                "skipped": counts["skipped"],
                "duplicates": counts["duplicate"],
                "rejected": counts["rejected"],
                "results": [result.as_dict() for result in results],
            }
        )
