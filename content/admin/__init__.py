"""The content admin: libraries, posts and their calendar, SOPs and tasks (all through content.services)."""

from content.admin import library, posts, sops  # noqa: F401  (registers the ModelAdmins)
