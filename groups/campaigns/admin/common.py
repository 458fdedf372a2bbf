"""Helpers of the campaigns admin: forms that check through the services."""

from django.core.exceptions import ValidationError
from django.db import transaction


class _RolledBack(Exception):
    pass


def dry_run(service, /, **kwargs) -> None:
    """Call `service` inside a savepoint that is always rolled back (with whatever it enqueued),
    so a form shows the service's ValidationError before save_model makes the real call: the
    admin checks the same rules as the API, in the same place."""
    try:
        with transaction.atomic():
            service(**kwargs)
            raise _RolledBack
    except _RolledBack:
        pass


def add_service_errors(form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put a service's errors on the form's fields (renamed by `fields`), the rest above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        name = (fields or {}).get(key, key)
        form.add_error(name if name in form.fields else None, errors)


class ServiceForm:
    """Mix into a (model) form: `service_call()` returns (service, kwargs) to check in clean()."""

    error_fields: dict[str, str] = {}

    def service_call(self):
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            service, kwargs = self.service_call()
            try:
                dry_run(service, **kwargs)
            except ValidationError as exc:
                add_service_errors(self, exc, self.error_fields)
        return cleaned

    def validate_unique(self):
        pass  # the service decides, under its own lock or unique index
