"""Public codes of short links and live group codes: random codes, custom aliases, and saving a
row under one. The unique index on `code` decides races; reserved words are refused for both."""

import secrets
import string

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from links.validation import RESERVED_CODES, validate_alias

CODE_ALPHABET = string.ascii_letters + string.digits
DEFAULT_CODE_LENGTH = 6
CODE_ATTEMPTS = 8


def random_code(length: int = DEFAULT_CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def alias_check(alias: str, *, model: type[models.Model]) -> str:
    """A custom code that is well-formed, not reserved and not taken by another `model` row."""
    validate_alias(alias)
    if model.objects.filter(code=alias).exists():
        raise ValidationError({"alias": _("This code is already taken.")})
    return alias


def save_with_code(row: models.Model, alias: str = "") -> models.Model:
    """Insert or save `row` under `alias` (validated here), or under a fresh random code."""
    if alias:
        validate_alias(alias)
        try:
            with transaction.atomic():
                row.code = alias
                row.save()
        except IntegrityError:
            raise ValidationError(
                {"alias": _("The code “%(alias)s” is already taken.") % {"alias": alias}}
            ) from None
        return row
    for attempt in range(CODE_ATTEMPTS):
        code = random_code(DEFAULT_CODE_LENGTH + attempt // 3)
        if code.lower() in RESERVED_CODES:
            continue
        try:
            with transaction.atomic():
                row.code = code
                row.save()
            return row
        except IntegrityError:
            continue
    raise ValidationError({"alias": _("Could not find a free code; try again.")})
