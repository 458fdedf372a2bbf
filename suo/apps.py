from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SuoConfig(AppConfig):
    name = "suo"
    verbose_name = _("Workspaces")

    def ready(self) -> None:
        # The embedded broker, the SQLite file and collected static files live under var/; make
        # sure it exists before any process (web, worker, beat) touches it.
        for folder in (
            settings.CELERY_DATA_DIR / "queue",
            settings.CELERY_DATA_DIR / "results",
            settings.STATIC_ROOT,
        ):
            Path(folder).mkdir(parents=True, exist_ok=True)
        # Related rows share the workspace, in every app (all models are loaded by now).
        from suo import workspace_integrity

        workspace_integrity.connect()


class SuoAdminConfig(AdminConfig):
    default_site = "suo.admin_site.SuoAdminSite"
