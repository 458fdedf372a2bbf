"""The operators' console for groups (one module per page family); importing this package
registers them all, the moderation console included."""

from groups.admin import communities, joining, members, records
from groups.moderation import admin as moderation

__all__ = ["communities", "joining", "members", "moderation", "records"]
