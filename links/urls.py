"""Public short-link URLs; included last in suo/urls.py so every other prefix wins."""

from django.urls import re_path

from links import views

urlpatterns = [
    re_path(r"^(?P<code>[A-Za-z0-9_-]{1,64})\.(?P<fmt>png|svg)$", views.qr_image, name="link-qr"),
    re_path(r"^(?P<code>[A-Za-z0-9_-]{1,64})$", views.follow, name="link-follow"),
]
