"""A covering index (PostgreSQL only, like 0003) for the overview with a source filter: its active
members count only members who joined that way, a semi-join on the memberships of that source,
now read from this index alone instead of a scan of every membership."""

from django.db import migrations

NAME = "dash_membership_source_cover"
DEFINITION = "groups_membership (workspace_id, source, joined_at) INCLUDE (member_id, community_id, campaign)"


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON {DEFINITION}")


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0004_open_cells")]

    operations = [migrations.RunPython(forward, backward)]
