"""The content API: libraries (content items, titles, FAQ, images, ABC scripts), posts, SOPs and tasks."""

from content.api.images import ImageViewSet
from content.api.library import AbcScriptViewSet, ContentItemViewSet, FaqViewSet, TitleViewSet
from content.api.posts import PostViewSet
from content.api.sops import SopViewSet, TaskViewSet

ROUTES = [
    ("content", ContentItemViewSet, "content-item"),
    ("titles", TitleViewSet, "title"),
    ("faqs", FaqViewSet, "faq"),
    ("images", ImageViewSet, "image"),
    ("abc-scripts", AbcScriptViewSet, "abc-script"),
    ("posts", PostViewSet, "post"),
    ("sops", SopViewSet, "sop"),
    ("tasks", TaskViewSet, "task"),
]

__all__ = ["ROUTES"]
