"""Factories for the columns that most domain models share (the owning workspace, the row a row
belongs to, the user who did something, when it happened, an optional text or setting, a choice or
a minimum checked by the database), so each is declared once.

Each factory returns the same field a model would declare by hand: migrations see no difference.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

WORKSPACE_MODEL = "suo.Workspace"


def workspace_fk(related_name: str = "+", *, labelled: bool = True) -> "models.ForeignKey[Any, Any]":
    """The workspace that owns the row (deleted with it). `labelled=False` leaves the field without
    a verbose name, as rows that are never edited by hand declare it."""
    return models.ForeignKey(
        WORKSPACE_MODEL,
        on_delete=models.CASCADE,
        related_name=related_name,
        verbose_name=_("workspace") if labelled else None,
    )


def parent_fk(
    to: Any, verbose_name: Any, related_name: str = "+", **extra: Any
) -> "models.ForeignKey[Any, Any]":
    """The row this row belongs to and is deleted with (`null=True, blank=True` where it is optional)."""
    return models.ForeignKey(
        to, on_delete=models.CASCADE, related_name=related_name, verbose_name=verbose_name, **extra
    )


def one_per_workspace(related_name: str) -> "models.OneToOneField[Any, Any]":
    """The workspace a row of settings belongs to: one row per workspace, deleted with it."""
    return models.OneToOneField(
        WORKSPACE_MODEL, on_delete=models.CASCADE, related_name=related_name, verbose_name=_("workspace")
    )


def optional_fk(
    to: Any, verbose_name: Any = None, related_name: str = "+", **extra: Any
) -> "models.ForeignKey[Any, Any]":
    """A reference that may be empty and is emptied when the referenced row goes."""
    if verbose_name is not None:
        extra["verbose_name"] = verbose_name
    return models.ForeignKey(
        to, on_delete=models.SET_NULL, null=True, blank=True, related_name=related_name, **extra
    )


def user_fk(verbose_name: Any = None) -> "models.ForeignKey[Any, Any]":
    """The user who did something (created, applied, closed…); emptied when the account goes."""
    return optional_fk(settings.AUTH_USER_MODEL, verbose_name)


# Return types: what django-stubs gives such fields declared by hand (set type, read type).
def created_at_field(
    verbose_name: Any = None,
) -> "models.DateTimeField[str | datetime | date | Combinable, datetime]":
    return models.DateTimeField(verbose_name or _("created at"), auto_now_add=True)


def updated_at_field() -> "models.DateTimeField[str | datetime | date | Combinable, datetime]":
    return models.DateTimeField(_("updated at"), auto_now=True)


def optional_time(
    verbose_name: Any = None, **extra: Any
) -> "models.DateTimeField[str | datetime | date | Combinable | None, datetime | None]":
    """A moment that may not have happened yet (sent, resolved, read…)."""
    return models.DateTimeField(verbose_name, null=True, blank=True, **extra)


def optional_char(
    verbose_name: Any, max_length: int = 64, **extra: Any
) -> "models.CharField[str | int | Combinable, str]":
    """A short text that may be left empty (a label, a channel, an outside id)."""
    return models.CharField(verbose_name, max_length=max_length, blank=True, **extra)


def optional_json(verbose_name: Any, default: Any, **extra: Any) -> "models.JSONField[Any, Any]":
    """A list or mapping of settings that may be left empty (`default` is `list` or `dict`)."""
    return models.JSONField(verbose_name, default=default, blank=True, **extra)


def choice_field(
    verbose_name: Any,
    choices: type[models.TextChoices],
    default: Any = None,
    max_length: int = 16,
    **extra: Any,
) -> "models.CharField[str | int | Combinable, str]":
    """A CharField limited to `choices` (with `default` when given)."""
    if default is not None:
        extra["default"] = default
    return models.CharField(verbose_name, max_length=max_length, choices=choices.choices, **extra)


def valid_choice(field: str, choices: type[models.Choices], name: str) -> models.CheckConstraint:
    """The database's own check that `field` holds one of `choices`."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


def at_least(field: str, minimum: int, name: str) -> models.CheckConstraint:
    """The database's own check that `field` is `minimum` or more (a positive count, a price…)."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__gte": minimum}), name=name)


class WorkspaceTag(models.Model):
    """A free label of a workspace's rows (links, content…); each app's tag names its own
    verbose names and its unique constraint in its Meta."""

    workspace = workspace_fk()
    name = models.CharField(_("name"), max_length=32)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
