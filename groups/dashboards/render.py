"""A panel's rows as table cells, chart data and CSV: one formatting, so the three agree."""

import csv
import datetime as dt
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _

from suo.panels import Column, PanelData


def cell(column: Column, row: dict) -> str:
    """The text of one table cell, and of the same CSV cell."""
    value = row.get(column.key)
    kind = row.get("kind", "number") if column.kind == "auto" else column.kind
    if value is None or value == "":
        return "" if kind == "text" else "—"
    if kind == "percent":
        return f"{value * 100:.2f}%"
    if kind == "decimal":
        return f"{value:.2f}"
    if kind == "bool":
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def table(data: PanelData) -> dict:
    return {
        "headers": [str(column.label) for column in data.columns],
        "rows": [[cell(column, row) for column in data.columns] for row in data.rows],
    }


def _number(column: Column, value):
    if value is None:
        return None
    return round(value * 100, 2) if column.kind == "percent" else value


def chart(data: PanelData) -> dict | None:
    """What the page's script draws: labels on x and one list of numbers per series."""
    if data.chart is None or not data.rows:
        return None
    columns = {column.key: column for column in data.columns}
    spec = data.chart
    drawn = [columns[key] for key in spec.series]
    percent = any(column.kind == "percent" for column in drawn)
    if spec.transpose:
        labels = [str(column.label) for column in drawn]
        series = [
            {
                "name": cell(columns[spec.x], row),
                "data": [_number(column, row.get(column.key)) for column in drawn],
            }
            for row in data.rows
        ]
    else:
        labels = [cell(columns[spec.x], row) or "—" for row in data.rows]
        series = [
            {"name": str(column.label), "data": [_number(column, row.get(column.key)) for row in data.rows]}
            for column in drawn
        ]
    return {
        "type": spec.type,
        "labels": labels,
        "series": series,
        "percent": percent,
        "stacked": spec.stacked,
    }


def csv_response(data: PanelData, filename: str) -> HttpResponse:
    """The panel's table as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    rendered = table(data)
    writer.writerow(rendered["headers"])
    writer.writerows(rendered["rows"])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
