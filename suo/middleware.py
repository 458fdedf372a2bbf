from django.utils import timezone

from suo.models import Workspace
from suo.tenancy import workspace_roles


class WorkspaceTimezoneMiddleware:
    """Show dates in the workspace's time zone to a user who works in one workspace.

    API requests name their workspace after authentication; suo.api.scoping activates its
    time zone there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            roles = workspace_roles(user)
            if len(roles) == 1:
                tz = Workspace.objects.filter(pk=next(iter(roles))).values_list("timezone", flat=True).first()
                if tz:
                    timezone.activate(tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
