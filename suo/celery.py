"""The Celery app. Settings come from Django settings (CELERY_*); tasks are autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suo.settings")

app = Celery("suo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Moderation is a package inside the groups app, with its own tasks module.
app.autodiscover_tasks(["groups.moderation"])
