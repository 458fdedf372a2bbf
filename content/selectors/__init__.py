"""Reads of the content app: querysets and metrics computed in the database."""

from content.selectors.library import faq_search, images_missing_thumbnail, item_list
from content.selectors.metrics import (
    ItemRank,
    item_flags,
    item_metrics,
    item_ranks,
    post_list,
    post_metrics,
    ranking_window,
    top_items,
)
from content.selectors.sops import (
    calendar,
    reminders_for,
    sop_completion,
    sop_list,
    task_list,
)

__all__ = [
    "ItemRank",
    "calendar",
    "faq_search",
    "images_missing_thumbnail",
    "item_flags",
    "item_list",
    "item_metrics",
    "item_ranks",
    "post_list",
    "post_metrics",
    "ranking_window",
    "reminders_for",
    "sop_completion",
    "sop_list",
    "task_list",
    "top_items",
]
