"""The OpenAPI schema: operation descriptions from the view's own docstring, and the shared error
body documented on every operation."""

import inspect

from drf_spectacular import openapi
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import extend_schema, extend_schema_view


class AutoSchema(openapi.AutoSchema):
    """Describe an operation by its action's docstring or the view class's own docstring, never one
    inherited from a base class or mixin (notes for developers, repeated on every view using it)."""

    def get_description(self) -> str:  # type: ignore[override]
        action_or_method = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        own = self.view.__class__.__dict__.get("__doc__")
        return get_doc(action_or_method) or (inspect.cleandoc(own) if own else "")


def schema_view(**actions):
    """extend_schema_view in which a plain string is the action's summary:
    `@schema_view(list="Posts, newest first", create=extend_schema(request=..., responses=...))`."""
    return extend_schema_view(
        **{
            action: extend_schema(summary=schema) if isinstance(schema, str) else schema
            for action, schema in actions.items()
        }
    )


ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error body of the suo API.",
    "properties": {
        "code": {
            "type": "string",
            "description": "Machine-readable error code, e.g. `invalid`, `not_found`.",
        },
        "detail": {"type": "string", "description": "What went wrong and what to do, for people."},
        "fields": {
            "type": "object",
            "description": "Each wrong input field (dotted path when nested) with its messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "detail", "fields"],
}

ERROR_RESPONSES = {
    "400": (
        "The input is not valid; `fields` names each wrong field. On any operation: you belong to "
        "several workspaces and sent no `X-Workspace` (code `workspace_required`)."
    ),
    "401": "No or invalid credentials: send `Authorization: Token <key>`.",
    "403": "Your workspace role does not allow this.",
    "404": "Not found in your workspace.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": description, "content": reference})
            # An error a view documents by its description only (e.g. a 429) has the one error body.
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    response["content"] = reference
    return result
