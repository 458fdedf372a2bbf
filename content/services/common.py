"""Small helpers shared by the content services."""

from collections.abc import Callable
from datetime import datetime

from django.db import models


def user_or_none(by):
    """The acting user to store, or None for the system and anonymous callers."""
    return by if by is not None and by.is_authenticated else None


def locked_or_new(model: type[models.Model], instance: models.Model | None, **new_fields) -> models.Model:
    """The row locked for this transaction (a change), or a new unsaved one (a create)."""
    if instance is not None:
        return model.objects.select_for_update().get(pk=instance.pk)
    return model(**new_fields)


def sweep(due: models.QuerySet, handle: Callable[..., object | None], *, now: datetime, limit: int) -> int:
    """Run `handle(pk, now)` for up to `limit` due rows (oldest first, as `due` orders them); each
    claims its row itself, so overlapping sweeps and ETA tasks do every job once. Returns how many
    `handle` did."""
    ids = list(due.values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if handle(pk, now) is not None)
