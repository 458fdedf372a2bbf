"""Event types that other apps add to POST /api/events/, without groups importing them.

    register_event_kind(
        "reply",
        handler=store_replies,                      # (workspace, [KindEvent]) -> None, stores in bulk
        extra_fields={"post": serializers.IntegerField(min_value=1)},
        check=check_posts,                          # (workspace, [KindEvent]) -> [Rejection | None]
    )

An app calls it from AppConfig.ready(). The events endpoint then accepts the type and its extra
fields (required for that type), `check` may reject single events before their ids are claimed
(one query for the whole batch), and `handler` gets the applied events with their resolved member
and group inside the batch's transaction.
"""

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from rest_framework import serializers

from groups.models import Community, Member
from suo.models import Workspace


@dataclass(frozen=True)
class Rejection:
    code: str
    detail: str
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class KindEvent:
    event: dict  # the validated event, extra fields included
    community: Community | None
    member: Member | None = None  # resolved (created when new) before the handler runs


@dataclass(frozen=True)
class EventKind:
    name: str
    handler: Callable[[Workspace, list[KindEvent]], None]
    extra_fields: Mapping[str, serializers.Field]
    check: Callable[[Workspace, list[KindEvent]], list[Rejection | None]] | None = None
    needs_group: bool = True


EVENT_KINDS: dict[str, EventKind] = {}


def register_event_kind(
    name: str,
    handler: Callable[[Workspace, list[KindEvent]], None],
    extra_fields: Mapping[str, serializers.Field],
    *,
    check: Callable[[Workspace, list[KindEvent]], list[Rejection | None]] | None = None,
    needs_group: bool = True,
) -> None:
    """Add (or replace, on a second ready()) an event type of POST /api/events/."""
    EVENT_KINDS[name] = EventKind(name, handler, dict(extra_fields), check, needs_group)


def extend_fields(fields: dict) -> dict:
    """EventInput's fields plus the registered types and their extra fields (optional: see validate)."""
    if not EVENT_KINDS:
        return fields
    kind_field = fields["type"]
    kind_field.choices = [*kind_field.choices.items(), *((name, name) for name in EVENT_KINDS)]
    for kind in EVENT_KINDS.values():
        for name, template in kind.extra_fields.items():
            if name not in fields:
                extra = copy.deepcopy(template)
                extra.required = False
                fields[name] = extra
    return fields


def validate_extra(attrs: dict) -> dict:
    """The registered type's extra fields are required for it."""
    kind = EVENT_KINDS.get(attrs.get("type"))
    if kind is not None:
        missing = [name for name in kind.extra_fields if attrs.get(name) in (None, "")]
        if missing:
            raise serializers.ValidationError({name: [_("This field is required.")] for name in missing})
    return attrs


def needs_group(kind: str) -> bool:
    registered = EVENT_KINDS.get(kind)
    return registered is not None and registered.needs_group


def check_batch(workspace: Workspace, pending: Mapping[int, KindEvent]) -> dict[int, Rejection]:
    """{position: rejection} for the registered-type events of a batch that their app refuses."""
    rejected: dict[int, Rejection] = {}
    by_kind: dict[str, list[int]] = {}
    for position, item in pending.items():
        if item.event["type"] in EVENT_KINDS:
            by_kind.setdefault(item.event["type"], []).append(position)
    for name, positions in by_kind.items():
        check = EVENT_KINDS[name].check
        if check is None:
            continue
        answers = check(workspace, [pending[p] for p in positions])
        rejected.update({p: answer for p, answer in zip(positions, answers, strict=True) if answer})
    return rejected


def apply_batch(workspace: Workspace, applied: list[KindEvent]) -> None:
    """Hand each registered type its applied events (one call per type)."""
    by_kind: dict[str, list[KindEvent]] = {}
    for item in applied:
        by_kind.setdefault(item.event["type"], []).append(item)
    for name, items in by_kind.items():
        EVENT_KINDS[name].handler(workspace, items)
