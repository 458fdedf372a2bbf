"""The links API: short links and their statistics, link settings, platforms, QR upload."""

from links.api.link_settings import LinkSettingsView, PlatformsView
from links.api.links import LinkViewSet
from links.api.qr_upload import LinkFromQrView

__all__ = ["LinkFromQrView", "LinkSettingsView", "LinkViewSet", "PlatformsView"]
