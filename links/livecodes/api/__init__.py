"""The live codes API: live codes, their group QR codes, scan statistics and alerts."""

from links.livecodes.api.alerts import LiveCodeAlertViewSet
from links.livecodes.api.live_codes import LiveCodeViewSet

__all__ = ["LiveCodeAlertViewSet", "LiveCodeViewSet"]
