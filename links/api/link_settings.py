"""/api/platforms/ and /api/link-settings/."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from links.models import AntiBlockMode
from links.platforms import VisitorPlatform, platform_names
from links.services import link_settings_for, link_settings_update
from suo.api.scoping import WorkspaceScopedMixin
from suo.tenancy import CONFIGURE_ROLES


class PlatformOutput(serializers.Serializer):
    id = serializers.ChoiceField(choices=VisitorPlatform.choices)
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    in_app = serializers.BooleanField(help_text="An in-app browser, where anti-block pages apply.")


class PlatformsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Platform ids with their Chinese and English names", responses=PlatformOutput(many=True)
    )
    def get(self, request):
        return Response(PlatformOutput(platform_names(), many=True).data)


class LinkSettingsInput(serializers.Serializer):
    antiblock_defaults = serializers.DictField(
        child=serializers.ChoiceField(choices=AntiBlockMode.choices),
        required=False,
        help_text="Platform id → direct, guide or copy; unlisted in-app platforms use guide.",
    )
    blocked_domains = serializers.ListField(
        child=serializers.CharField(max_length=253),
        required=False,
        max_length=1000,
        help_text="Domains (with their subdomains) links may not point to.",
    )


class LinkSettingsOutput(serializers.Serializer):
    antiblock_defaults = serializers.DictField(child=serializers.CharField())
    blocked_domains = serializers.ListField(child=serializers.CharField())


class LinkSettingsView(WorkspaceScopedMixin, APIView):
    write_roles = CONFIGURE_ROLES

    @extend_schema(summary="The workspace's link settings", responses=LinkSettingsOutput)
    def get(self, request):
        return Response(LinkSettingsOutput(link_settings_for(self.workspace)).data)

    @extend_schema(
        summary="Change the workspace's link settings",
        request=LinkSettingsInput,
        responses=LinkSettingsOutput,
    )
    def patch(self, request):
        data = LinkSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        link_settings = link_settings_update(workspace=self.workspace, **data.validated_data)
        return Response(LinkSettingsOutput(link_settings).data)
