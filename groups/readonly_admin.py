"""Admin pages and inlines for rows only the services write (logs, transitions, claims, penalties…):
shown, never added, edited or deleted by hand."""

from suo.admin_scoping import ReadOnlyMixin, WorkspaceScopedAdmin, WorkspaceScopedInline


class ReadOnlyAdmin(ReadOnlyMixin, WorkspaceScopedAdmin):
    pass


class ReadOnlyInline(ReadOnlyMixin, WorkspaceScopedInline):
    extra = 0
