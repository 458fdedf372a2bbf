"""Admin pages and inlines for rows only the services write (logs, transitions, claims, penalties…):
shown, never added, edited or deleted by hand."""

from suo.admin_scoping import WorkspaceScopedAdmin, WorkspaceScopedInline


class ReadOnlyMixin:
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, WorkspaceScopedAdmin):
    pass


class ReadOnlyInline(ReadOnlyMixin, WorkspaceScopedInline):
    extra = 0
