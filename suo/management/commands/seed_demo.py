from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from suo.demo import DEMO_LOGINS, DEMO_PASSWORD

# Each app (by its label) adds its own demo data in <app>/demo.py with seed(workspaces) after suo's.
APPS_WITH_DEMO = ["groups", "dashboards", "links", "livecodes", "content", "campaigns"]


class Command(BaseCommand):
    help = "Create or refresh the demo workspaces, logins and data (idempotent)."

    def handle(self, *args, **options):
        from suo import demo

        with transaction.atomic():
            workspaces = demo.seed()
            for label in APPS_WITH_DEMO:
                config = apps.app_configs.get(label)
                if config is None:
                    continue
                name = f"{config.name}.demo"
                try:
                    module = import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                module.seed(workspaces)
        with translation.override(settings.LANGUAGE_CODE):
            self.stdout.write(
                _("Demo data is ready. Logins (password for all: %(password)s):")
                % {"password": DEMO_PASSWORD}
            )
            for login in DEMO_LOGINS:
                self.stdout.write(f"  {login.username:<18} {login.workspace:<10} {login.role}")
