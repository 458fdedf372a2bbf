"""Library pictures for the admin (session login): only for people of the picture's workspace."""

from django.contrib.auth.decorators import login_required

from content.images import picture_response
from content.models import LibraryImage
from suo.tenancy import scoped_for_user


@login_required
def library_image(request, pk: int, kind: str):
    image = scoped_for_user(LibraryImage.objects.all(), request.user).filter(pk=pk).first()
    return picture_response(getattr(image, kind, None) if kind in ("file", "thumbnail") else None)
