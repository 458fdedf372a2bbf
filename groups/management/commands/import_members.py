from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from groups.csv_import import COLUMNS, decode, members_import
from suo.models import Workspace


class Command(BaseCommand):
    help = "Import members and memberships from a CSV file (columns: " + ",".join(COLUMNS) + ")."

    def add_arguments(self, parser):
        parser.add_argument("workspace", help="workspace slug")
        parser.add_argument("csv_file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")

    def handle(self, *args, workspace, csv_file, dry_run, **options):
        target = Workspace.objects.filter(slug=workspace).first()
        if target is None:
            raise CommandError(_("No workspace with slug “%(slug)s”.") % {"slug": workspace})
        try:
            text = decode(csv_file.read_bytes())
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        report = members_import(workspace=target, text=text, dry_run=dry_run)
        if report.file_error:
            raise CommandError(report.file_error)
        for row in report.rows:
            if row.errors:
                problems = "; ".join(f"{name}: {message}" for name, message in row.errors.items())
                self.stdout.write(
                    _("line %(line)s ERROR %(problems)s") % {"line": row.line, "problems": problems}
                )
            elif dry_run or options["verbosity"] > 1:
                self.stdout.write(f"line {row.line} {row.external_id}: {', '.join(row.actions) or '-'}")
        self.stdout.write(report.summary())
        if report.error_rows:
            raise CommandError(_("Nothing was imported: fix the rows above and run again."))
        self.stdout.write(_("Dry run: nothing was changed.") if dry_run else _("Imported."))
