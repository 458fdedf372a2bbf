"""Viewset bases of the API: a workspace's rows listed and shown, and (ReadDeleteViewSet) deleted
through perform_destroy; each viewset adds its writes as actions around its services."""

from rest_framework import mixins, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from suo.api.scoping import WorkspaceScopedMixin

# No class docstrings here: the OpenAPI schema describes each view by the first one in its MRO
# (WorkspaceScopedMixin's), as it did before these bases existed.


class ServiceApiMixin(GenericAPIView):
    # For a generic viewset whose writes are services: its input checked, its lists paginated.

    def validated(self, input_class, **kwargs) -> dict:
        """The request body checked by `input_class` (a 400 that names the fields when it is not valid)."""
        data = input_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def paginated(self, queryset, output_class) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(output_class(page, many=True).data)

    def shown(self, obj) -> dict:
        """`obj` as this viewset shows it: read again through get_queryset() (with its annotations)."""
        return self.get_serializer(self.get_queryset().get(pk=obj.pk)).data


class ReadViewSet(
    ServiceApiMixin,
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    pass


class ReadDeleteViewSet(
    ServiceApiMixin,
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    pass
