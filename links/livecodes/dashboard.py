"""Live codes' figure for the dashboards (registered in suo.panels from LiveCodesConfig.ready()):
live-code entry fill, each group QR code of an active live code, scans so far ÷ its scan limit (now).
With a group or kind filter only entries of those groups count."""

from django.utils.translation import gettext_lazy as _

from links.dashboard import filter_groups
from links.livecodes.models import LiveCodeEntry
from suo.panels import Chart, Column, Panel, PanelData, PanelFilters, register_panel


def live_code_fill(filters: PanelFilters) -> PanelData:
    entries = LiveCodeEntry.objects.filter(workspace=filters.workspace, live_code__is_active=True)
    groups = filter_groups(filters)
    if groups is not None:
        entries = entries.filter(group__in=groups)
    rows = entries.order_by("live_code__name", "position", "pk").values(
        "live_code__name", "label", "group__name", "scans", "scan_limit", "is_active", "expires_at"
    )
    return PanelData(
        columns=[
            Column("entry", _("Group QR code"), "text"),
            Column("scans", _("Scans")),
            Column("scan_limit", _("Scan limit")),
            Column("fill", _("Fill"), "percent"),
        ],
        rows=[
            {
                "entry": f"{row['live_code__name']} · {row['label'] or row['group__name'] or '—'}",
                "scans": row["scans"],
                "scan_limit": row["scan_limit"],
                "fill": round(row["scans"] / row["scan_limit"], 4) if row["scan_limit"] else None,
            }
            for row in rows
        ],
        chart=Chart(type="bar", x="entry", series=("fill",)),
        note=_(
            "Scans so far ÷ scan limit of each group QR code of the active live codes (now, not the period)."
        ),
    )


def register() -> None:
    register_panel(
        Panel("links.live_code_fill", _("Live-code entry fill"), "content", live_code_fill, order=40)
    )
