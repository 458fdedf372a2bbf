"""Build the retention summary from scratch, or recount what is queued.

    python manage.py dashboards_summary [--workspace SLUG ...]   # rebuild these (default: all)
    python manage.py dashboards_summary --refresh                # what the beat task does

The periodic task keeps the summary up to date incrementally; a rebuild is only needed to check it
or after restoring a database without it (migration 0002 queues every existing member once).
"""

import time

from django.core.management.base import BaseCommand

from groups.dashboards import summary
from suo.models import Workspace


class Command(BaseCommand):
    help = "Rebuild the dashboards' retention summary (or --refresh: recount queued members)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", action="append", default=[], help="Workspace slug (repeatable).")
        parser.add_argument("--refresh", action="store_true", help="Only recount the queued members.")

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["refresh"]:
            done = summary.refresh(seconds=None)
            self.stdout.write(f"{done} members recounted in {time.monotonic() - started:.1f} s")
            return
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"]:
            workspaces = workspaces.filter(slug__in=options["workspace"])
        for workspace in workspaces:
            summary.rebuild(workspace)
            self.stdout.write(f"{workspace.slug}: rebuilt in {time.monotonic() - started:.1f} s")
