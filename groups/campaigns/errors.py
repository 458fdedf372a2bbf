"""Refusals with a machine-readable code: the API's error body carries it as `code`."""

from django.core.exceptions import ValidationError


def refusal(field: str, message, code: str) -> ValidationError:
    """A ValidationError on `field` whose code survives into the API's `{code, detail, fields}`."""
    return ValidationError({field: ValidationError(message, code=code)})
