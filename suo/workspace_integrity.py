"""Related rows share the workspace: a row of one workspace never points at a row of another.

One check for every model of every app that has a `workspace` field: before each save
(`pre_save`) every foreign key or one-to-one field to another workspace-scoped model must name a
row of the same workspace, and so must every row added to a many-to-many field (`m2m_changed`).
A model may also list `workspace_user_fields`: users named there must work in the row's
workspace. A mismatch raises a ValidationError naming the field; the API answers it with a 400
and the admin with a form error (suo.admin_scoping).

It is cheap on hot paths: a related object already loaded (as services pass them) is compared by
its `workspace_id` without a query, a save with `update_fields` checks only those fields, and
writes that bypass `save()` (the click store's raw SQL, bulk inserts of rows built from one
workspace) are not touched. Connected once, in SuoConfig.ready().
"""

from functools import cache

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import m2m_changed, pre_save
from django.utils.translation import gettext_lazy as _

WORKSPACE_FIELD = "workspace"
MESSAGE = _("Choose a %(field)s of the same workspace.")
USER_MESSAGE = _("Choose a %(field)s who works in this workspace.")


def is_scoped(model: type[models.Model]) -> bool:
    """Whether rows of `model` belong to a workspace through their own `workspace` field."""
    try:
        field = model._meta.get_field(WORKSPACE_FIELD)
    except Exception:  # FieldDoesNotExist
        return False
    return field.concrete and field.is_relation


@cache
def scoped_references(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The foreign keys and one-to-ones of `model` that point at rows of a workspace."""
    if not is_scoped(model):
        return ()
    return tuple(
        field
        for field in model._meta.concrete_fields
        if field.is_relation and field.name != WORKSPACE_FIELD and is_scoped(field.related_model)
    )


@cache
def scoped_many_to_many(model: type[models.Model]) -> tuple[models.ManyToManyField, ...]:
    if not is_scoped(model):
        return ()
    return tuple(field for field in model._meta.many_to_many if is_scoped(field.related_model))


def _label(field) -> str:
    return str(MESSAGE % {"field": field.verbose_name})


def workspace_mismatches(instance: models.Model, fields=None) -> dict[str, str]:
    """{field name: message} for each reference of `instance` to another workspace's row.

    `fields` limits the check to those names (a save with update_fields)."""
    model = type(instance)
    workspace_id = getattr(instance, f"{WORKSPACE_FIELD}_id", None)
    if workspace_id is None:
        return {}
    errors: dict[str, str] = {}
    for field in scoped_references(model):
        if fields is not None and field.name not in fields and field.attname not in fields:
            continue
        value = getattr(instance, field.attname)
        if value is None:
            continue
        if field.is_cached(instance) and getattr(field.get_cached_value(instance), "pk", None) is not None:
            related_workspace = field.get_cached_value(instance).workspace_id
        else:
            related_workspace = (
                field.related_model._base_manager.filter(**{field.target_field.attname: value})
                .values_list(f"{WORKSPACE_FIELD}_id", flat=True)
                .first()
            )
        if related_workspace is not None and related_workspace != workspace_id:
            errors[field.name] = _label(field)
    for name in getattr(model, "workspace_user_fields", ()):
        if fields is not None and name not in fields and f"{name}_id" not in fields:
            continue
        user_id = getattr(instance, f"{name}_id")
        if user_id is not None and not _works_in(user_id, workspace_id):
            errors[name] = str(USER_MESSAGE % {"field": model._meta.get_field(name).verbose_name})
    return errors


def _works_in(user_id: int, workspace_id: int) -> bool:
    membership = apps.get_model("suo", "WorkspaceMembership")
    return membership.objects.filter(user_id=user_id, workspace_id=workspace_id).exists()


def check_workspace(instance: models.Model, fields=None, many_to_many: dict | None = None) -> None:
    """Raise a ValidationError naming each field that points into another workspace.

    `many_to_many` ({field name: rows}) checks rows about to be set on many-to-many fields
    (a form's choices), without a query."""
    errors = workspace_mismatches(instance, fields)
    workspace_id = getattr(instance, f"{WORKSPACE_FIELD}_id", None)
    scoped_names = {field.name: field for field in scoped_many_to_many(type(instance))}
    for name, rows in (many_to_many or {}).items():
        field = scoped_names.get(name)
        if (
            field is not None
            and workspace_id is not None
            and any(r.workspace_id != workspace_id for r in rows)
        ):
            errors[name] = _label(field)
    if errors:
        raise ValidationError(errors, code="other_workspace")


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if not raw:
        check_workspace(instance, update_fields)


def _before_add(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Rows added to a many-to-many field (either side) belong to the instance's workspace."""
    if action != "pre_add" or not pk_set:
        return
    workspace_id = getattr(instance, f"{WORKSPACE_FIELD}_id", None)
    if workspace_id is None:
        return
    foreign = model._base_manager.filter(pk__in=pk_set).exclude(**{f"{WORKSPACE_FIELD}_id": workspace_id})
    if foreign.exists():
        name = _m2m_name(type(instance), sender, reverse)
        raise ValidationError(
            {name: str(MESSAGE % {"field": model._meta.verbose_name})}, code="other_workspace"
        )


def _m2m_name(model, through, reverse: bool) -> str:
    if not reverse:
        return next(f.name for f in model._meta.many_to_many if f.remote_field.through is through)
    return next(
        rel.get_accessor_name()
        for rel in model._meta.related_objects
        if rel.many_to_many and rel.through is through
    )


def connect() -> None:
    """Check every save of every workspace-scoped model that points at other scoped rows."""
    for model in apps.get_models():
        if scoped_references(model) or getattr(model, "workspace_user_fields", ()):
            pre_save.connect(_before_save, sender=model, dispatch_uid=f"same-workspace-{model._meta.label}")
        for field in scoped_many_to_many(model):
            through = field.remote_field.through
            m2m_changed.connect(
                _before_add, sender=through, dispatch_uid=f"same-workspace-{through._meta.label}"
            )
