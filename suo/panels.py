"""Dashboard panels that apps register in AppConfig.ready().

The dashboards (/dash/ and /api/metrics/) show every registered panel without importing the apps
that compute them: groups, links and content each register their own figures here, the way they
register webhook event types. A panel's `build` computes its numbers in the database, scoped to
`filters.workspace`, and returns them as rows; the dashboard draws the chart, the table and the
CSV export from those same rows, so the three always agree.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from suo.models import Workspace


@dataclass(frozen=True)
class PanelFilters:
    """What the analyst chose; every panel reads what applies to it and ignores the rest."""

    workspace: Workspace
    start: dt.datetime  # aware, inclusive
    end: dt.datetime  # aware, exclusive
    group_ids: Sequence[int] | None = None  # None: every group of the workspace
    kind: str = ""  # a group kind, or "" for all
    source: str = ""  # a join source, or "" for all
    campaign: str = ""  # a campaign slug, or "" for all
    interval: str = "day"  # day | week: the buckets of a time series
    mode: str = "membership"  # retention: membership (still in a group) | active (messages/activity)


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a (lazy) translated string
    # number | decimal | percent (a fraction 0–1) | text | date | bool | auto (the row's "kind" says)
    kind: str = "number"


@dataclass(frozen=True)
class Chart:
    type: str  # bar | line | pie
    x: str  # the column that labels the points
    series: tuple[str, ...]  # the columns drawn
    # False: one line/bar per series column, x from the rows. True: one line per row (labelled by
    # `x`), the series columns are the points (a retention triangle: one curve per cohort).
    transpose: bool = False
    stacked: bool = False  # bars of the series add up (parts of one whole)


@dataclass
class PanelData:
    columns: list[Column]
    rows: list[dict]
    chart: Chart | None = None
    note: object = ""  # a short definition shown under the table


def choice_labels(rows: Iterable[dict], **choices: Iterable[tuple]) -> list[dict]:
    """The rows with each named column's stored value shown as its choice label, or as itself when
    it is no choice (any more): `choice_labels(rows, kind=CommunityKind.choices)`."""
    labels = {key: dict(pairs) for key, pairs in choices.items()}
    return [
        {**row, **{key: str(names.get(row[key], row[key])) for key, names in labels.items()}} for row in rows
    ]


@dataclass(frozen=True)
class Panel:
    key: str  # unique and URL-safe, e.g. "links.clicks_by_platform"
    title: object  # a (lazy) translated string
    section: str  # which dashboard page shows it, e.g. "overview" or "content"
    build: Callable[[PanelFilters], PanelData]
    order: int = 100
    roles: frozenset[str] = field(default_factory=frozenset)  # empty: every workspace role


PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    """Add (or replace, on a second ready()) a panel; apps call it from AppConfig.ready()."""
    PANELS[panel.key] = panel


def panels_for(section: str) -> list[Panel]:
    return sorted((p for p in PANELS.values() if p.section == section), key=lambda p: (p.order, p.key))


def panel(key: str) -> Panel | None:
    return PANELS.get(key)


# --- figures: single numbers the overview combines (e.g. clicks for the click rate) -----------


@dataclass(frozen=True)
class Figure:
    """A number an app computes for the overview, e.g. its unique clicks in the period."""

    key: str  # unique, e.g. "links.unique_clicks"
    metric: str  # what it counts; the overview adds every figure of a metric, e.g. "clicks"
    compute: Callable[[PanelFilters], int]


FIGURES: dict[str, Figure] = {}


def register_figure(figure: Figure) -> None:
    FIGURES[figure.key] = figure


def figure_total(metric: str, filters: PanelFilters) -> int | None:
    """The sum of every registered figure of `metric`, or None when no app registered one."""
    figures = [f for f in FIGURES.values() if f.metric == metric]
    if not figures:
        return None
    return sum(f.compute(filters) for f in sorted(figures, key=lambda f: f.key))
