"""The moderation API: violations and appeals, the code of conduct and ladders, the desk's reads
(one module each); suo.api.urls routes to the views listed here."""

from groups.moderation.api.conduct import LadderViewSet, RuleViewSet
from groups.moderation.api.desk import DeskPreviewView, DeskSearchView
from groups.moderation.api.violations import AppealViewSet, ViolationViewSet

__all__ = [
    "AppealViewSet",
    "DeskPreviewView",
    "DeskSearchView",
    "LadderViewSet",
    "RuleViewSet",
    "ViolationViewSet",
]
