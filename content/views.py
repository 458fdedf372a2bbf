"""Library pictures for the admin (session login): only for people of the picture's workspace."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from content.models import LibraryImage
from suo.tenancy import scoped_for_user


@login_required
def library_image(request, pk: int, kind: str):
    image = scoped_for_user(LibraryImage.objects.all(), request.user).filter(pk=pk).first()
    stored = getattr(image, kind, None) if kind in ("file", "thumbnail") else None
    if not stored:
        raise Http404
    response = FileResponse(stored.open("rb"))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
