"""The panel registry: apps add dashboard panels without the dashboards importing them."""

import datetime as dt

import pytest

from suo import panels
from suo.panels import Column, Panel, PanelData, PanelFilters, panels_for, register_panel


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(panels, "PANELS", {})


def _rows(filters: PanelFilters) -> PanelData:
    return PanelData(columns=[Column("day", "day", "date")], rows=[{"day": filters.start.date()}])


def test_registered_panels_are_listed_by_section_in_order(clean_registry):
    register_panel(Panel(key="b.second", title="B", section="overview", build=_rows, order=20))
    register_panel(Panel(key="a.first", title="A", section="overview", build=_rows, order=10))
    register_panel(Panel(key="c.other", title="C", section="content", build=_rows))

    assert [p.key for p in panels_for("overview")] == ["a.first", "b.second"]
    assert [p.key for p in panels_for("content")] == ["c.other"]


def test_registering_a_key_again_replaces_the_panel(clean_registry):
    register_panel(Panel(key="a.first", title="old", section="overview", build=_rows))
    register_panel(Panel(key="a.first", title="new", section="overview", build=_rows))

    assert [p.title for p in panels_for("overview")] == ["new"]
    start = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    data = panels.panel("a.first").build(PanelFilters(workspace=None, start=start, end=start))
    assert data.rows == [{"day": start.date()}]


def test_figures_of_a_metric_are_added_up_and_none_without_any(monkeypatch):
    monkeypatch.setattr(panels, "FIGURES", {})
    start = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    filters = PanelFilters(workspace=None, start=start, end=start)
    assert panels.figure_total("clicks", filters) is None

    panels.register_figure(panels.Figure(key="a.clicks", metric="clicks", compute=lambda f: 3))
    panels.register_figure(panels.Figure(key="b.clicks", metric="clicks", compute=lambda f: 4))
    panels.register_figure(panels.Figure(key="c.views", metric="views", compute=lambda f: 100))

    assert panels.figure_total("clicks", filters) == 7
