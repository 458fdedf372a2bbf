"""Small database helpers shared by the apps' services."""

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


def save_unless_taken(instance: M) -> M | None:
    """Save `instance` in a savepoint; None when a unique constraint refuses it (the row exists
    already, perhaps made a moment ago by a concurrent request), leaving the outer transaction usable."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        return None
    return instance


def save_or_field_error(instance: models.Model, *, field: str, message: str) -> models.Model:
    """Save `instance`; when a unique constraint refuses it (perhaps a concurrent request won the
    race), raise a ValidationError on `field` instead, leaving the outer transaction usable."""
    if save_unless_taken(instance) is None:
        raise ValidationError({field: message})
    return instance


class CountersKeptOnSave:
    """For models whose COUNTER_FIELDS are written only by F() updates (clicks, scans): a save()
    from a form or the admin writes every other field and leaves the counters to those updates,
    instead of writing back the stale numbers it loaded."""

    COUNTER_FIELDS: tuple[str, ...] = ()

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname not in self.COUNTER_FIELDS
            ]
        super().save(*args, **kwargs)
