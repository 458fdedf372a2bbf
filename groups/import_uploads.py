"""A CSV kept between the import's preview and its confirmation, so that confirming posts a short
token instead of the whole file again.

The file goes to the default storage under `imports/`, named by a random id. The token carries
that name with the workspace and the user, signed and dated: only the same user may confirm it
into the same workspace, within `UPLOAD_TTL`. The file is deleted once the import ran; the
`groups.tasks.import_uploads_sweep` beat task (and every new upload) deletes the abandoned ones.
"""

import contextlib
import uuid
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suo.models import Workspace

UPLOAD_DIR = "imports"
UPLOAD_TTL = timedelta(hours=1)
SALT = "groups.import_uploads"


class UploadExpired(Exception):
    message = _("The uploaded file has expired (an hour after the preview); choose the file again.")


def upload_keep(*, text: str, workspace: Workspace, user) -> str:
    """Store the decoded CSV; returns the token the confirmation posts back."""
    uploads_sweep()
    name = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.csv", ContentFile(text.encode("utf-8")))
    return signing.dumps({"file": name, "workspace": workspace.pk, "user": user.pk}, salt=SALT)


def _name(token: str, workspace: Workspace, user) -> str:
    try:
        data = signing.loads(token, salt=SALT, max_age=UPLOAD_TTL)
    except signing.BadSignature as exc:  # expired, or not ours
        raise UploadExpired from exc
    name = data.get("file", "")
    if (
        data.get("workspace") != workspace.pk
        or data.get("user") != user.pk
        or not name.startswith(f"{UPLOAD_DIR}/")
        or not default_storage.exists(name)
    ):
        raise UploadExpired
    return name


def upload_text(*, token: str, workspace: Workspace, user) -> str:
    """The CSV kept for this token, workspace and user; UploadExpired when there is none."""
    with default_storage.open(_name(token, workspace, user), "rb") as stored:
        return stored.read().decode("utf-8")


def upload_discard(*, token: str, workspace: Workspace, user) -> None:
    with contextlib.suppress(UploadExpired):
        default_storage.delete(_name(token, workspace, user))


def uploads_sweep(*, now=None) -> int:
    """Delete uploads older than UPLOAD_TTL (never confirmed); returns how many."""
    limit = (now or timezone.now()) - UPLOAD_TTL
    try:
        _folders, files = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return 0
    stale = [
        f"{UPLOAD_DIR}/{name}"
        for name in files
        if default_storage.get_modified_time(f"{UPLOAD_DIR}/{name}") < limit
    ]
    for name in stale:
        default_storage.delete(name)
    return len(stale)
