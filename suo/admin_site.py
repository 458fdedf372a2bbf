from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class SuoAdminSite(admin.AdminSite):
    site_header = _("suo community operations")
    site_title = _("suo admin")
    index_title = _("Operations console")
