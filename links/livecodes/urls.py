"""Public live-code URLs, included under /g/ in suo/urls.py (before the short-link catch-all)."""

from django.urls import re_path

from links.livecodes import views

CODE = r"(?P<code>[A-Za-z0-9_-]{1,64})"

urlpatterns = [
    re_path(rf"^{CODE}\.(?P<fmt>png|svg)$", views.live_code_qr, name="livecode-qr"),
    re_path(rf"^{CODE}/entry/(?P<entry_id>[0-9]{{1,18}})$", views.entry_image, name="livecode-entry-image"),
    re_path(rf"^{CODE}/fallback$", views.fallback_image, name="livecode-fallback-image"),
    re_path(rf"^{CODE}$", views.live_code_page, name="livecode-page"),
]
