"""/api/images/: the image library (multipart upload, checked and re-encoded; thumbnails by a task)."""

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, renderers, serializers
from rest_framework.decorators import action

from content import services
from content.api.library import LibraryViewSet, TagNamesField
from content.images import picture_response
from content.models import LibraryImage
from suo.api.schema import schema_view
from suo.api.serializers import OutputSerializer


class ImageInput(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG, WebP or GIF; at most 10 MB and 40 megapixels.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=20)


class ImageUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=20)


class ImageOutput(OutputSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField(help_text="Null until the thumbnail task has run.")
    tags = TagNamesField(read_only=True)

    class Meta:
        model = LibraryImage
        fields = [
            "id",
            "title",
            "url",
            "thumbnail_url",
            "format",
            "width",
            "height",
            "size_bytes",
            "tags",
            "created_at",
        ]

    def _absolute(self, image: LibraryImage, kind: str) -> str:
        path = reverse(f"api:image-{kind}", args=[image.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_url(self, image: LibraryImage) -> str:
        return self._absolute(image, "file")

    def get_thumbnail_url(self, image: LibraryImage) -> str | None:
        return self._absolute(image, "thumbnail") if image.thumbnail else None


class PassthroughRenderer(renderers.BaseRenderer):
    """Lets a picture through content negotiation (its bytes are the response)."""

    media_type = "image/*"
    format = "image"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def picture_action(summary: str):
    """A GET action of one image answering with a stored picture itself (bytes, not JSON)."""

    def decorate(method):
        method = action(
            detail=True, methods=["get"], renderer_classes=[PassthroughRenderer, renderers.JSONRenderer]
        )(method)
        return extend_schema(
            summary=summary, responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY)}
        )(method)

    return decorate


@schema_view(
    list="Image library",
    create=extend_schema(
        summary="Upload a picture (multipart): checked, re-encoded without EXIF, thumbnail made by a task",
        request={"multipart/form-data": ImageInput},
        responses={201: ImageOutput},
    ),
    partial_update=extend_schema(request=ImageUpdateInput, responses=ImageOutput),
)
class ImageViewSet(LibraryViewSet):
    queryset = LibraryImage.objects.prefetch_related("tags").order_by("-created_at", "-pk")
    serializer_class = ImageOutput
    search_fields = ["title", "tags__name"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    @property
    def input_class(self):
        return ImageInput if self.action == "create" else ImageUpdateInput

    def save(self, instance, data):
        if instance is None:
            return services.image_upload(
                workspace=self.workspace, upload=data.pop("image"), by=self.request.user, **data
            )
        return services.image_update(image=instance, **data)

    def _picture(self, field: str) -> FileResponse:
        return picture_response(getattr(self.get_object(), field))

    @picture_action("The picture itself (for the bot and the admin; with your token)")
    def file(self, request, pk=None):
        return self._picture("file")

    @picture_action("Its thumbnail (404 until the task has made it)")
    def thumbnail(self, request, pk=None):
        return self._picture("thumbnail")
