"""Documents the shared error body on every operation of the OpenAPI schema."""

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
    "400": "The input is not valid; `fields` names each wrong field.",
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
                if code == "400" and method in {"get", "delete"} and "parameters" not in operation:
                    continue
                responses.setdefault(code, {"description": description, "content": reference})
    return result
