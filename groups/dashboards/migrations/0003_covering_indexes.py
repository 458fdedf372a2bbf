"""Covering indexes (PostgreSQL only: INCLUDE) for the dashboards' reads of groups' tables, so the
overview reads a period's joins, leaves and messages from the index alone (no heap visits);
`make bench-dashboards` shows the plans. Declared here, by their only reader, as SQL: SQLite has
no INCLUDE and needs none at its sizes."""

from django.db import migrations

INDEXES = {
    "dash_membership_joined_cover": (
        "groups_membership (workspace_id, joined_at) INCLUDE (member_id, community_id, source, channel, campaign)"
    ),
    "dash_membership_left_cover": (
        "groups_membership (workspace_id, left_at) INCLUDE (joined_at, leave_reason, community_id, source, campaign)"
    ),
    "dash_messages_day_cover": "groups_messagedailycount (workspace_id, day) INCLUDE (member_id, community_id)",
    "dash_activity_at_cover": "groups_activityevent (workspace_id, at) INCLUDE (member_id, community_id)",
}


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0002_retention_summary")]

    operations = [migrations.RunPython(forward, backward)]
