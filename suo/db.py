"""Small database helpers shared by the apps' services."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction


def save_or_field_error(instance: models.Model, *, field: str, message: str) -> models.Model:
    """Save `instance`; when a unique constraint refuses it (perhaps a concurrent request won the
    race), raise a ValidationError on `field` instead, leaving the outer transaction usable."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError({field: message}) from exc
    return instance
