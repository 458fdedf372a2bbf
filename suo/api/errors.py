"""One error body for the whole API.

    {"code": "invalid", "detail": "url: Enter a valid URL.", "fields": {"url": ["Enter a valid URL."]}}

`code` is machine-readable, `detail` is a sentence for people, `fields` maps each wrong input
field (dotted path for nested ones, `non_field_errors` for the whole body) to its messages.
"""

import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from suo.tenancy import NoWorkspace, WorkspaceAmbiguous, WorkspaceError, WorkspaceNotFound

# DRF's own zh-hans text for this one says "may not be an empty string", which is not what is wrong.
# Marked here so that `make messages` keeps suo's translation, which Django prefers to DRF's.
gettext_noop("Null characters are not allowed.")

NON_FIELD = "non_field_errors"
# get_object_or_404's message: English, and it names a Python class ("No SopTask matches the given query.").
LOOKUP_MISS = re.compile(r"^No \w+ matches the given query\.$")


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """{'items': [{'name': ['x']}]} -> {'items.0.name': ['x']}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        out = {}
        for index, value in enumerate(detail):
            if value:
                out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or NON_FIELD: [_text(message) for message in messages]}


def _text(message) -> str:
    # DRF hard-codes this one in English (a JSON body of `null`); say it in the user's language.
    return _("No data provided") if str(message) == "No data provided" else str(message)


def _first_code(codes) -> str:
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else "invalid"


def _django_detail(exc: DjangoValidationError):
    def details(errors) -> list[ErrorDetail]:
        return [ErrorDetail(message, code=error.code or "invalid") for error in errors for message in error]

    if hasattr(exc, "error_dict"):
        return {field: details(errors) for field, errors in exc.error_dict.items()}
    return details(exc.error_list)


def error_body(code: str, detail: str, fields: dict[str, list[str]] | None = None, **extra) -> dict:
    return {"code": code, "detail": detail, "fields": fields or {}, **extra}


# error_body's shape, for the OpenAPI schema of an endpoint's error answers: subclass it with the
# codes that endpoint gives (`codes`, the help text of `code`) and any keys it adds. No docstring:
# drf-spectacular would show it on every subclass that has none of its own.
class ErrorBodySerializer(serializers.Serializer):
    codes = ""

    code = serializers.CharField()
    detail = serializers.CharField()
    # The body's key "fields": DRF's metaclass takes declared fields out of the class, so this
    # does not replace Serializer.fields (mypy cannot see that).
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]

    def get_fields(self):
        fields = super().get_fields()
        if self.codes:
            fields["code"].help_text = self.codes
        return fields


def validation_error_response(exc: exceptions.ValidationError) -> Response:
    fields = _flatten(exc.detail)
    field_names = [name for name in fields if name != NON_FIELD]
    if field_names:
        name = field_names[0]
        detail = _("%(field)s: %(message)s") % {"field": name, "message": fields[name][0]}
    else:
        detail = fields.get(NON_FIELD, [_("The request is not valid.")])[0]
        fields = {} if not isinstance(exc.detail, dict) else fields
    code = _first_code(exc.get_codes())
    return Response(error_body(code, detail, fields), status=status.HTTP_400_BAD_REQUEST)


def _workspace_error_response(exc: WorkspaceError) -> Response:
    http_status = {
        WorkspaceNotFound: status.HTTP_404_NOT_FOUND,
        WorkspaceAmbiguous: status.HTTP_400_BAD_REQUEST,
        NoWorkspace: status.HTTP_403_FORBIDDEN,
    }.get(type(exc), status.HTTP_400_BAD_REQUEST)
    fields = {"X-Workspace": [str(exc)]} if http_status == status.HTTP_400_BAD_REQUEST else {}
    return Response(error_body(exc.code, str(exc), fields), status=http_status)


def _request_too_large_response(exc: Exception) -> Response:
    # Django refuses these while parsing the body (a SuspiciousOperation, which it would answer
    # with its own 400 page and a logged traceback): the same 400 in the API's one body.
    if isinstance(exc, TooManyFieldsSent):
        code = "too_many_fields"
        detail = _("The request has more than %(limit)s fields.") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    elif isinstance(exc, TooManyFilesSent):
        code = "too_many_files"
        detail = _("The request has more than %(limit)s files.") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    else:
        code = "too_large"
        detail = _("The request body is larger than %(limit)s bytes.") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
    return Response(error_body(code, detail), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, WorkspaceError):
        return _workspace_error_response(exc)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent | RequestDataTooBig):
        return _request_too_large_response(exc)
    if isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError; it is the same mistake as a serializer's, and
        # its code (e.g. `already_revoked`) becomes the body's `code`.
        exc = exceptions.ValidationError(_django_detail(exc))
    if isinstance(exc, exceptions.ValidationError):
        return validation_error_response(exc)
    if isinstance(exc, Http404) and (not exc.args or LOOKUP_MISS.match(str(exc.args[0]))):
        exc = exceptions.NotFound(_("Not found in this workspace."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = error_body(code, str(detail))
    return response
