from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from content.views import library_image
from groups.views import desk, desk_screenshot
from suo.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include(("suo.api.urls", "api"))),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", desk, name="desk"),
    path("desk/screenshots/<int:pk>/", desk_screenshot, name="desk-screenshot"),
    path("content/images/<int:pk>/<str:kind>/", library_image, name="content-image"),
    path("dash/", include("groups.dashboards.urls")),
    path("g/", include("links.livecodes.urls")),
    path("c/", include("groups.campaigns.urls")),
    # Last: short codes take whatever path is left (reserved words keep them off the prefixes above).
    path("", include("links.urls")),
]

# Error pages in the site's style (JSON under /api/): suo/error_pages.py.
handler400 = "suo.error_pages.bad_request"
handler403 = "suo.error_pages.permission_denied"
handler404 = "suo.error_pages.page_not_found"
handler500 = "suo.error_pages.server_error"
