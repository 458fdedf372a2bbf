"""/api/members/, /api/invite-codes/, /api/entitlements/."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from groups import selectors, services
from groups.api.fields import TagNamesField, api_field_names
from groups.masking import MASKED_FIELDS, contacts_masked, mask
from groups.models import Community, Entitlement, InviteCode, Member, Membership
from suo.api.fields import MomentField
from suo.api.filters import IdFilter
from suo.api.schema import schema_view
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer
from suo.api.viewsets import ReadDeleteViewSet, ReadViewSet
from suo.tenancy import CONFIGURE_ROLES, MODERATE_ROLES

MEMBER_FIELDS = ["display_name", "platform", "external_id", "phone", "wechat_id", "tags", "first_seen_at"]


# A member as a client adds or changes it; the model gives the fields' limits.
@extend_schema_serializer(component_name="Member")
class MemberInput(serializers.ModelSerializer):
    tags = TagNamesField(required=False)
    first_seen_at = MomentField(required=False)

    class Meta:
        model = Member
        fields = MEMBER_FIELDS


# A member; phone and WeChat id are masked for those whose role masks them.
@extend_schema_serializer(component_name="Member")
class MemberOutput(OutputSerializer):
    tags = TagNamesField(read_only=True)
    active_groups = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("Groups the member is in now.")
    )

    class Meta:
        model = Member
        fields = ["id", *MEMBER_FIELDS, "active_groups", "created_at"]

    def to_representation(self, member):
        data = super().to_representation(member)
        request = self.context.get("request")
        workspace = self.context.get("workspace")
        if request is not None and workspace is not None and contacts_masked(request.user, workspace):
            for name in MASKED_FIELDS:
                data[name] = mask(data[name])
        return data


class MemberFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", label=gettext_lazy("tag name"))
    group = IdFilter(method="in_group", label=gettext_lazy("active member of this group id"))

    class Meta:
        model = Member
        fields = ["platform", "tag", "group"]

    def in_group(self, queryset, name, value):
        return queryset.filter(
            Exists(Membership.objects.filter(member=OuterRef("pk"), community_id=value, is_active=True))
        )


@schema_view(
    list="Members of the workspace's groups (phone / WeChat id masked for analysts)",
    create=extend_schema(summary="Add a member", request=MemberInput, responses={201: MemberOutput}),
    partial_update=extend_schema(request=MemberInput, responses=MemberOutput),
)
class MemberViewSet(ReadDeleteViewSet):
    queryset = Member.objects.all()
    serializer_class = MemberOutput
    write_roles = MODERATE_ROLES
    action_roles = {"destroy": CONFIGURE_ROLES}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = MemberFilter
    ordering_fields = ["display_name", "first_seen_at", "created_at"]

    @property
    def search_fields(self) -> list[str]:
        """Nobody searches by what they see masked: a prefix search would reveal it."""
        fields = ["display_name", "external_id", "wechat_id"]
        if contacts_masked(self.request.user, self.workspace):
            fields = [name for name in fields if name not in MASKED_FIELDS]
        return fields

    def get_queryset(self):
        return selectors.member_list(queryset=super().get_queryset())

    def create(self, request):
        values = self.validated(MemberInput)
        member = services.member_create(workspace=self.workspace, **values)
        return Response(self.shown(member), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        member = self.get_object()
        values = self.validated(MemberInput, instance=member, partial=True)
        member = services.member_update(member=member, **values)
        return Response(self.shown(member))

    def perform_destroy(self, instance):
        services.member_delete(member=instance, by=self.request.user)


# --- invite codes and entitlements ----------------------------------------------------------


@extend_schema_serializer(component_name="InviteCode")
class InviteCodeInput(serializers.ModelSerializer):
    group = ScopedPrimaryKeyRelatedField(source="community", queryset=Community.objects.all())
    code = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text=gettext_lazy("Empty: one is generated.")
    )

    class Meta:
        model = InviteCode
        fields = ["group", "code", "max_uses", "expires_at", "is_active", "note"]


@extend_schema_serializer(component_name="InviteCode")
class InviteCodeOutput(OutputSerializer):
    group = serializers.PrimaryKeyRelatedField(source="community", read_only=True)

    class Meta:
        model = InviteCode
        fields = ["id", "group", "code", "max_uses", "uses", "expires_at", "is_active", "note", "created_at"]


@schema_view(
    create=extend_schema(request=InviteCodeInput, responses={201: InviteCodeOutput}),
    partial_update=extend_schema(request=InviteCodeInput, responses=InviteCodeOutput),
)
class InviteCodeViewSet(ReadDeleteViewSet):
    queryset = InviteCode.objects.select_related("community").order_by("-created_at", "-pk")
    serializer_class = InviteCodeOutput
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = {"community": ["exact"], "is_active": ["exact"]}
    search_fields = ["code", "note"]

    def create(self, request):
        values = self.validated(InviteCodeInput)
        with api_field_names(community="group"):
            invite = services.invite_code_create(by=request.user, **values)
        return Response(InviteCodeOutput(invite).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        invite = self.get_object()
        values = self.validated(InviteCodeInput, partial=True)
        with api_field_names(community="group"):
            invite = services.invite_code_update(invite=invite, by=request.user, **values)
        return Response(InviteCodeOutput(invite).data)

    def perform_destroy(self, instance):
        services.invite_code_delete(invite=instance, by=self.request.user)


@extend_schema_serializer(component_name="Entitlement")
class EntitlementInput(serializers.ModelSerializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    granted_at = MomentField(required=False)
    expires_at = MomentField(required=False, allow_null=True)

    class Meta:
        model = Entitlement
        fields = ["member", "product", "order_id", "granted_at", "expires_at"]


@extend_schema_serializer(component_name="Entitlement")
class EntitlementOutput(OutputSerializer):
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


@schema_view(
    create=extend_schema(
        summary="Record a paid entitlement (the shop integration calls this once per order)",
        request=EntitlementInput,
        responses={201: EntitlementOutput},
    ),
)
class EntitlementViewSet(ReadViewSet):
    queryset = Entitlement.objects.select_related("member").order_by("-granted_at", "-pk")
    serializer_class = EntitlementOutput
    filterset_fields = ["member", "product", "order_id"]
    search_fields = ["product", "order_id"]

    def create(self, request):
        values = self.validated(EntitlementInput)
        entitlement = services.entitlement_grant(**values)
        return Response(EntitlementOutput(entitlement).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke an entitlement (refund)", request=None, responses=EntitlementOutput)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        entitlement = services.entitlement_revoke(entitlement=self.get_object())
        return Response(EntitlementOutput(entitlement).data)
