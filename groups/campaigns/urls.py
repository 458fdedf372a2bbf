"""Public campaign URLs, included under /c/ in suo/urls.py (before the short-link catch-all)."""

from django.urls import re_path

from groups.campaigns import views

SLUG = r"(?P<slug>[a-z0-9][a-z0-9-]{1,31})"

urlpatterns = [
    re_path(rf"^{SLUG}/state$", views.countdown_state, name="campaign-state"),
    re_path(rf"^{SLUG}$", views.countdown_page, name="campaign-countdown"),
]
