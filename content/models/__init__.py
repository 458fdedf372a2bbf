"""The content app: libraries, posts with tracked links and metrics, SOPs and their tasks."""

from content.models.library import (
    AbcLine,
    AbcScript,
    Category,
    ContentItem,
    ContentTag,
    Faq,
    FaqTerm,
    ItemStatus,
    LibraryImage,
    Method,
    Title,
    TitleKind,
)
from content.models.posts import (
    INTERACTION_KINDS,
    EngagementKind,
    Post,
    PostDelivery,
    PostEngagement,
    PostLink,
    PostState,
)
from content.models.sops import ReminderState, Sop, SopApplication, SopStep, SopTask, TaskStatus

__all__ = [
    "INTERACTION_KINDS",
    "AbcLine",
    "AbcScript",
    "Category",
    "ContentItem",
    "ContentTag",
    "EngagementKind",
    "Faq",
    "FaqTerm",
    "ItemStatus",
    "LibraryImage",
    "Method",
    "Post",
    "PostDelivery",
    "PostEngagement",
    "PostLink",
    "PostState",
    "ReminderState",
    "Sop",
    "SopApplication",
    "SopStep",
    "SopTask",
    "TaskStatus",
    "Title",
    "TitleKind",
]
