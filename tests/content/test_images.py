"""Image library: uploads checked with Pillow (clear 400s), EXIF stripped, thumbnails by a task."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from content import services, tasks
from content.models import LibraryImage
from tests.links.qr_pictures import declared_size_png, decompression_bomb

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def photo_with_exif(size=(1200, 800)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "SomeCamera"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[0x8825] = {2: (31.0, 14.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(api_for, tenant, data: bytes, name="photo.jpg", **extra):
    return api_for(tenant.operator).post(
        "/api/images/", {"image": SimpleUploadedFile(name, data), **extra}, format="multipart"
    )


def test_an_upload_is_stored_upright_without_its_exif(api_for, tenant_a):
    response = upload(api_for, tenant_a, photo_with_exif(), title="门店照片", tags=["门店", "实拍"])

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["width"], body["height"], body["format"]) == (800, 1200, "JPEG")
    assert body["tags"] == ["实拍", "门店"] and body["thumbnail_url"] is None
    image = LibraryImage.objects.get(pk=body["id"])
    with image.file.open("rb") as stored, Image.open(stored) as picture:
        assert picture.size == (800, 1200)
        assert dict(picture.getexif()) == {}


def test_the_thumbnail_is_made_by_a_task_enqueued_on_commit(
    tenant_a, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = services.image_upload(
            workspace=tenant_a.workspace, upload=SimpleUploadedFile("p.jpg", photo_with_exif())
        )
    assert [(q.task, q.args) for q in queued] == [("content.tasks.image_thumbnail", [image.pk])]

    tasks.image_thumbnail(image.pk)
    tasks.image_thumbnail(image.pk)  # a second run changes nothing

    image.refresh_from_db()
    with image.thumbnail.open("rb") as stored, Image.open(stored) as small:
        assert max(small.size) == 400
    assert LibraryImage.objects.get(pk=image.pk).thumbnail.name == image.thumbnail.name


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4 not a picture at all", "not_image"),
        (b"", "empty"),
        (decompression_bomb(), "too_many_pixels"),  # 900 megapixels in ~110 kB
        (declared_size_png(8000, 6000), "too_many_pixels"),  # 48 MP: above our 40 MP limit
    ],
)
def test_a_bad_upload_is_a_clear_400_and_stores_nothing(api_for, tenant_a, data, code):
    response = upload(api_for, tenant_a, data, name="x.png")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["fields"]["image"]
    assert not LibraryImage.objects.exists()


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(api_for, tenant_a):
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024))

    response = api_for(tenant_a.operator).post("/api/images/", {"image": big}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert "10 MB" in response.json()["detail"]


def test_an_animated_gif_keeps_its_frames(tenant_a):
    frames = [Image.new("RGB", (40, 40), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)

    image = services.image_upload(
        workspace=tenant_a.workspace, upload=SimpleUploadedFile("a.gif", out.getvalue())
    )

    with image.file.open("rb") as stored, Image.open(stored) as gif:
        assert gif.n_frames == 3


def test_the_picture_is_served_to_its_workspace_only(api_for, tenant_a, tenant_b, client):
    body = upload(api_for, tenant_a, photo_with_exif()).json()

    own = api_for(tenant_a.analyst).get(body["url"])
    foreign_api = api_for(tenant_b.owner).get(f"/api/images/{body['id']}/file/")
    client.force_login(tenant_b.owner)
    foreign_admin = client.get(f"/content/images/{body['id']}/file/")
    client.force_login(tenant_a.analyst)
    own_admin = client.get(f"/content/images/{body['id']}/file/")

    assert own.status_code == 200 and own["Content-Type"] == "image/jpeg"
    assert b"".join(own.streaming_content)[:3] == b"\xff\xd8\xff"
    assert foreign_api.status_code == 404 and foreign_admin.status_code == 404
    assert own_admin.status_code == 200
