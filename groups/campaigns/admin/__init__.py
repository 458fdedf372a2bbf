"""The campaigns admin, one module per concern; every write goes through the services."""

from groups.campaigns.admin import fission, flash, plays

__all__ = ["fission", "flash", "plays"]
