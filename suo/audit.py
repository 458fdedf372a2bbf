"""The audit trail: one append-only record per important state change, written by the service
that made the change, inside its transaction (a rolled-back change leaves no record).

    audit_record(actor=request.user, verb="violation.revoked", target=violation,
                 before={"revoked": False}, after={"revoked": True, "reason": reason})

The record belongs to the target's workspace; `workspace=` names it when the target has none.

Records are never edited: the model refuses updates and deletes, the admin shows them read-only
to everyone (superusers included) and the API only lists them (`/api/audit/`, owners).
"""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from suo.models import AuditRecord, Workspace


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, default=str))


def target_label(target: models.Model | type[models.Model]) -> str:
    return target._meta.label_lower


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of `instance` (foreign keys as ids), for before/after."""
    data = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name == "workspace":
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        data[field.attname if field.is_relation else field.name] = value
    return _jsonable(data)


def audit_record(**fields: Any) -> AuditRecord:
    """Append one record, given audit_build's arguments. `actor` may be None for the system (a
    sweep, a task)."""
    record = audit_build(**fields)
    record.save()
    return record


def audit_many(records: list[AuditRecord]) -> list[AuditRecord]:
    """Append several records built by audit_build in one insert (hot paths)."""
    return AuditRecord.objects.bulk_create(records)


def audit_build(
    *,
    actor,
    verb: str,
    target: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    workspace: Workspace | int | None = None,
) -> AuditRecord:
    """An unsaved record; audit_record saves it at once, audit_many saves several together. It
    belongs to the target's workspace unless `workspace` says otherwise."""
    actor_id = getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None
    if workspace is None:
        workspace = target.workspace_id  # type: ignore[attr-defined]  # every domain row has one
    return AuditRecord(
        workspace_id=workspace if isinstance(workspace, int) else workspace.pk,
        actor_id=actor_id,
        actor_name=actor.get_username() if actor_id else "",
        verb=verb,
        target_type=target_label(target),
        target_id=str(target.pk) if target.pk is not None else "",
        target_repr=str(target)[:300],
        before=_jsonable(before),
        after=_jsonable(after),
    )
