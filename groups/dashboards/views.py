"""The dashboard pages (/dash/): overview, retention, group health, content and links.

Every page draws the panels registered for its section (suo.panels) with the filters of the URL;
each panel shows a chart, its numbers as a table and a link to the CSV of exactly those rows.
"""

import datetime as dt
from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.dashboards.filters import MetricsQuery, RetentionQuery, parse_filters
from groups.dashboards.render import chart, csv_response, table
from groups.models import Community, CommunityKind, JoinSource
from suo.models import Workspace
from suo.panels import Panel, PanelFilters, panel, panels_for
from suo.selectors import workspace_chosen
from suo.tenancy import role_in

SECTIONS = {
    "overview": gettext_lazy("Overview"),
    "retention": gettext_lazy("Retention"),
    "health": gettext_lazy("Group health"),
    "content": gettext_lazy("Content and links"),
}


def _workspace(request) -> tuple[Workspace | None, list[Workspace]]:
    """The workspace the dashboards show, or None and the choices when the user has several."""
    workspace, choices = workspace_chosen(user=request.user, slug=request.GET.get("workspace"))
    if workspace is None and not choices:
        raise Http404(_("You are not a member of any workspace yet. Ask a workspace owner to add you."))
    return workspace, choices


def _query_class(section: str) -> type[MetricsQuery]:
    return RetentionQuery if section == "retention" else MetricsQuery


def _visible(item: Panel, request, workspace: Workspace) -> bool:
    return not item.roles or role_in(request.user, workspace) in item.roles


def _draw(item: Panel, filters: PanelFilters, csv_query: str, suffix: str = "") -> dict:
    data = item.build(filters)
    return {
        "key": item.key,
        "dom_id": item.key.replace(".", "-") + suffix,
        "chart_id": item.key.replace(".", "-") + suffix + "-data",
        "title": item.title,
        "note": data.note,
        "table": table(data),
        "chart": chart(data),
        "csv_query": csv_query,
    }


@login_required(login_url="admin:login")
def dashboard(request, section: str = "overview"):
    workspace, choices = _workspace(request)
    if workspace is None:
        return render(request, "dashboards/choose.html", {"workspaces": choices, "section": section})
    timezone.activate(workspace.timezone)
    filters, errors = parse_filters(request.GET, workspace=workspace, query_class=_query_class(section))
    if filters is None:  # show the defaults, and say what was wrong with the URL's filters
        filters, _errors = parse_filters({}, workspace=workspace, query_class=_query_class(section))
    query = request.GET.copy()
    query.pop("compare", None)
    panels = [
        _draw(item, filters, query.urlencode())
        for item in panels_for(section)
        if _visible(item, request, workspace)
    ]
    compare = request.GET.get("compare", "")
    compared = []
    if section == "retention" and compare in JoinSource.values and compare != filters.source:
        other = replace(filters, source=compare)
        query["source"] = compare
        compared = [
            _draw(item, other, query.urlencode(), suffix="-compare")
            for item in panels_for(section)
            if _visible(item, request, workspace)
        ]
    context = {
        "workspace": workspace,
        "choices": choices,
        "section": section,
        "sections": [(key, label, reverse(f"dash-{key}")) for key, label in SECTIONS.items()],
        "title": SECTIONS[section],
        "filters": filters,
        "values": {
            key: request.GET.get(key, "")
            for key in ("from", "to", "group", "kind", "source", "campaign", "interval", "mode", "compare")
        },
        "period": (filters.start.date(), (filters.end - dt.timedelta(days=1)).date()),
        "errors": errors,
        "groups": list(
            Community.objects.filter(workspace=workspace).order_by("name", "pk").values("id", "name")
        ),
        "kinds": CommunityKind.choices,
        "sources": JoinSource.choices,
        "panels": panels,
        "compared": compared,
        "compare_label": dict(JoinSource.choices).get(compare, ""),
        "source_label": dict(JoinSource.choices).get(filters.source, _("All sources")),
    }
    return render(request, "dashboards/page.html", context)


@login_required(login_url="admin:login")
def export_csv(request, key: str):
    """The CSV of one panel with the URL's filters: exactly the rows of its table."""
    item = panel(key)
    workspace, _choices = _workspace(request)
    if item is None or workspace is None or not _visible(item, request, workspace):
        raise Http404(_("No such figure."))
    timezone.activate(workspace.timezone)
    filters, errors = parse_filters(request.GET, workspace=workspace, query_class=_query_class(item.section))
    if filters is None:
        lines = [f"{name}: {message}" for name, message in errors.items()]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    start, end = filters.start.date(), (filters.end - dt.timedelta(days=1)).date()
    return csv_response(item.build(filters), f"{key}-{workspace.slug}-{start}-{end}.csv")
