"""/api/members/, /api/invite-codes/, /api/entitlements/."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from groups import selectors, services
from groups.api.fields import TagNamesField
from groups.masking import MASKED_FIELDS, contacts_masked, mask
from groups.models import (
    Community,
    Entitlement,
    InviteCode,
    Member,
    Membership,
)
from suo.api.scoping import ScopedPrimaryKeyRelatedField, WorkspaceScopedMixin
from suo.tenancy import CONFIGURE_ROLES, MODERATE_ROLES


class MemberSerializer(serializers.ModelSerializer):
    tags = TagNamesField(required=False)
    active_groups = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("Groups the member is in now.")
    )
    first_seen_at = serializers.DateTimeField(required=False)

    class Meta:
        model = Member
        fields = [
            "id",
            "display_name",
            "platform",
            "external_id",
            "phone",
            "wechat_id",
            "tags",
            "first_seen_at",
            "active_groups",
            "created_at",
        ]
        read_only_fields = ["id", "active_groups", "created_at"]

    def to_representation(self, member):
        data = super().to_representation(member)
        request = self.context.get("request")
        workspace = self.context.get("workspace")
        if request is not None and workspace is not None and contacts_masked(request.user, workspace):
            for name in MASKED_FIELDS:
                data[name] = mask(data[name])
        return data

    def create(self, validated_data):
        validated_data.pop("workspace", None)
        return services.member_create(workspace=self.context["workspace"], **validated_data)

    def update(self, instance, validated_data):
        return services.member_update(member=instance, **validated_data)


class MemberFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", label=gettext_lazy("tag name"))
    group = django_filters.NumberFilter(
        method="in_group", label=gettext_lazy("active member of this group id")
    )

    class Meta:
        model = Member
        fields = ["platform", "tag", "group"]

    def in_group(self, queryset, name, value):
        return queryset.filter(
            Exists(Membership.objects.filter(member=OuterRef("pk"), community_id=value, is_active=True))
        )


@extend_schema_view(
    list=extend_schema(summary="Members of the workspace's groups (phone / WeChat id masked for analysts)"),
    create=extend_schema(summary="Add a member"),
)
class MemberViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    queryset = Member.objects.all()
    serializer_class = MemberSerializer
    write_roles = MODERATE_ROLES
    action_roles = {"destroy": CONFIGURE_ROLES}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = MemberFilter
    search_fields = ["display_name", "external_id", "wechat_id"]
    ordering_fields = ["display_name", "first_seen_at", "created_at"]

    def get_queryset(self):
        return selectors.member_list(queryset=super().get_queryset())


class InviteCodeSerializer(serializers.ModelSerializer):
    group = ScopedPrimaryKeyRelatedField(source="community", queryset=Community.objects.all())
    code = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text=gettext_lazy("Empty: one is generated.")
    )

    class Meta:
        model = InviteCode
        fields = ["id", "group", "code", "max_uses", "uses", "expires_at", "is_active", "note", "created_at"]
        read_only_fields = ["id", "uses", "created_at"]

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("community", "code"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    field = "group" if name == "community" else name
                    raise serializers.ValidationError(
                        {field: _("Cannot be changed; make a new code instead.")}
                    )
            max_uses = attrs.get("max_uses", self.instance.max_uses)
            if max_uses is not None and max_uses < self.instance.uses:
                raise serializers.ValidationError(
                    {
                        "max_uses": _("The code was already used %(uses)s times.")
                        % {"uses": self.instance.uses}
                    }
                )
        return attrs

    def create(self, validated_data):
        return services.invite_code_create(by=self.context["request"].user, **validated_data)


class InviteCodeViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    queryset = InviteCode.objects.select_related("community").order_by("-created_at", "-pk")
    serializer_class = InviteCodeSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = {"community": ["exact"], "is_active": ["exact"]}
    search_fields = ["code", "note"]

    def perform_create(self, serializer):
        serializer.save()


class EntitlementSerializer(serializers.ModelSerializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    granted_at = serializers.DateTimeField(required=False)

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "member",
            "product",
            "order_id",
            "granted_at",
            "expires_at",
            "revoked_at",
            "created_at",
        ]
        read_only_fields = ["id", "revoked_at", "created_at"]

    def validate(self, attrs):
        granted, expires = attrs.get("granted_at"), attrs.get("expires_at")
        if granted and expires and expires <= granted:
            raise serializers.ValidationError({"expires_at": _("Must be after granted_at.")})
        return attrs

    def create(self, validated_data):
        return services.entitlement_grant(**validated_data)


@extend_schema_view(
    create=extend_schema(
        summary="Record a paid entitlement (the shop integration calls this once per order)"
    ),
)
class EntitlementViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Entitlement.objects.select_related("member").order_by("-granted_at", "-pk")
    serializer_class = EntitlementSerializer
    filterset_fields = ["member", "product", "order_id"]
    search_fields = ["product", "order_id"]

    def perform_create(self, serializer):
        serializer.save()

    @extend_schema(summary="Revoke an entitlement (refund)", request=None, responses=EntitlementSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        entitlement = services.entitlement_revoke(entitlement=self.get_object())
        return Response(self.get_serializer(entitlement).data)
