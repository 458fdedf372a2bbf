"""Helpers shared by tests of several apps."""

import re
import sys
import threading

from django.db import connection


def run_in_threads(count: int, work) -> list:
    """Run `work(index)` in `count` threads released together; each returns its result or exception.

    Every thread has its own database connection (closed at the end), so races are real."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def target(index):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = work(index)
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def admin_form_errors(response) -> dict:
    """The errors of an admin form that was refused: the page is shown again (200), not left."""
    assert response.status_code == 200, "the admin accepted the form"
    return response.context["adminform"].form.errors


def admin_form_data(page) -> dict:
    """What the browser would post back from an admin change page as it was rendered: the main
    form's values and every inline's management form and rows. Tests change what they need."""
    data: dict = {}

    def put(form, prefix=""):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if callable(value):
                value = value()
            key = f"{prefix}{name}"
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif hasattr(value, "all"):
                data[key] = [row.pk for row in value.all()]
            elif isinstance(value, list | tuple):
                data[key] = [getattr(item, "pk", item) for item in value]
            elif hasattr(value, "pk"):
                data[key] = value.pk
            elif hasattr(value, "isoformat") and hasattr(value, "hour"):
                data[f"{key}_0"], data[f"{key}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
            else:
                data[key] = value

    put(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
        for form in formset.initial_forms:
            put(form, f"{form.prefix}-")
            data[f"{form.prefix}-id"] = form.instance.pk
    return data


def inline_prefix(page, inline_class: str) -> str:
    return next(
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if type(inline.opts).__name__ == inline_class
    )


def celery_worker_command(*options: str) -> list[str]:
    """The command line of a throwaway Celery worker of the project: one process, quiet, alone
    (no gossip or mingle with other workers); `options` add e.g. --queues or --hostname."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "suo",
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        *options,
    ]


_OPENAPI: dict = {}
# RFC 3339, as OpenAPI means `date-time` and `time` (a time may leave out its offset, as DRF writes it).
_FORMATS = {
    "date-time": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"),
    "time": re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"),
}


def _json_schema(node):
    """OpenAPI 3.0 to JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def response_schema_errors(response, path: str, method: str) -> list[str]:
    """What is wrong with an API answer against the OpenAPI schema's response for its status
    (path as in the schema, e.g. "/api/groups/{id}/join/"); [] when it conforms."""
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    if not _OPENAPI:
        _OPENAPI.update(_json_schema(SchemaGenerator().get_schema(request=None, public=True)))
    responses = _OPENAPI["paths"][path][method.lower()]["responses"]
    documented = responses.get(str(response.status_code))
    if documented is None:
        return [f"status {response.status_code} is not documented (only {sorted(responses)})"]
    schema = documented.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return []
    formats = jsonschema.FormatChecker(formats=())
    for name, pattern in _FORMATS.items():
        formats.checks(name)(
            lambda value, pattern=pattern: not isinstance(value, str) or bool(pattern.match(value))
        )
    validator = jsonschema.Draft202012Validator(
        {**schema, "components": _OPENAPI["components"]}, format_checker=formats
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(response.json())
    ]
