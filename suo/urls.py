from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from suo.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include(("suo.api.urls", "api"))),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Last: short codes take whatever path is left (reserved words keep them off the prefixes above).
    path("", include("links.urls")),
]
