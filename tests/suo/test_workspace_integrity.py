"""Related rows share the workspace, for every reference of every model (suo.workspace_integrity):
in the model layer, in the admin (a form error) and in the API (a 400)."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from content.models import Title
from groups.campaigns import services as campaign_services
from groups.campaigns.models import ReferralReward
from groups.models import Entitlement, InviteCode, RoleAssignment, Tag
from groups.moderation import services as moderation
from links.models import Link, LinkTag
from suo.models import WebhookEndpoint
from suo.workspace_integrity import scoped_many_to_many, scoped_references
from tests.campaigns.factories import make_campaign, make_offer, make_play
from tests.content.factories import (
    AbcScriptFactory,
    ContentItemFactory,
    ContentTagFactory,
    FaqFactory,
    LibraryImageFactory,
    PostFactory,
    SopApplicationFactory,
    SopFactory,
    SopStepFactory,
)
from tests.groups.factories import (
    CommunityFactory,
    EntitlementFactory,
    InviteCodeFactory,
    MemberFactory,
    MembershipFactory,
    RuleFactory,
    ladder_with,
)
from tests.helpers import admin_form_data, admin_form_errors
from tests.links.factories import LinkFactory
from tests.links.livecode_helpers import make_live_code
from tests.suo.factories import WorkspaceMembershipFactory

pytestmark = pytest.mark.django_db


def _violation(workspace):
    group = CommunityFactory(workspace=workspace)
    member = MemberFactory(workspace=workspace)
    MembershipFactory(community=group, member=member)
    rule = RuleFactory(workspace=workspace)
    return moderation.violation_log(community=group, member=member, rule=rule, by=None).violation


# One row of each model that other rows point at, made in a given workspace.
MAKERS = {
    "groups.Community": lambda ws: CommunityFactory(workspace=ws),
    "groups.Member": lambda ws: MemberFactory(workspace=ws),
    "groups.Tag": lambda ws: Tag.objects.create(workspace=ws, name="标签"),
    "groups.Ladder": lambda ws: ladder_with(ws, [("warn",)]),
    "groups.InviteCode": lambda ws: InviteCodeFactory(community=CommunityFactory(workspace=ws)),
    "groups.Rule": lambda ws: RuleFactory(workspace=ws),
    "groups.Violation": _violation,
    "suo.WebhookEndpoint": lambda ws: WebhookEndpoint.objects.create(
        workspace=ws, name="bot", url="http://127.0.0.1:9/hook", secret="s"
    ),
    "links.Link": lambda ws: LinkFactory(workspace=ws),
    "links.LinkTag": lambda ws: LinkTag.objects.create(workspace=ws, name="标签"),
    "links.LiveCode": lambda ws: make_live_code(ws)[0],
    "links.LiveCodeEntry": lambda ws: make_live_code(ws, entries=[{}])[1][0],
    "groups.RoleAssignment": lambda ws: RoleAssignment.objects.create(
        workspace=ws,
        community=CommunityFactory(workspace=ws),
        role="operator",
        member=MemberFactory(workspace=ws),
        started_at=timezone.now(),
    ),
    "content.ContentItem": lambda ws: ContentItemFactory(workspace=ws),
    "content.ContentTag": lambda ws: ContentTagFactory(workspace=ws),
    "content.Title": lambda ws: Title.objects.create(workspace=ws, text="标题"),
    "content.LibraryImage": lambda ws: LibraryImageFactory(workspace=ws),
    "content.Faq": lambda ws: FaqFactory(workspace=ws),
    "content.AbcScript": lambda ws: AbcScriptFactory(workspace=ws),
    "content.Post": lambda ws: PostFactory(workspace=ws),
    "content.Sop": lambda ws: SopFactory(workspace=ws),
    "content.SopStep": lambda ws: SopStepFactory(workspace=ws),
    "content.SopApplication": lambda ws: SopApplicationFactory(workspace=ws),
    "groups.Membership": lambda ws: MembershipFactory(
        community=CommunityFactory(workspace=ws), member=MemberFactory(workspace=ws)
    ),
    "groups.Entitlement": lambda ws: EntitlementFactory(member=MemberFactory(workspace=ws)),
    "campaigns.Campaign": lambda ws: make_campaign(ws),
    "campaigns.Offer": lambda ws: make_offer(make_campaign(ws)),
    "campaigns.Play": lambda ws: make_play(ws, kind="lottery"),
    "campaigns.Lure": lambda ws: campaign_services.lure_create(
        campaign=make_campaign(ws),
        name="免费资料",
        channels=[{"channel": "公众号", "url": "https://example.com/a"}],
    ),
    "campaigns.ReferralReward": lambda ws: ReferralReward.objects.create(
        workspace=ws,
        campaign=make_campaign(ws),
        inviter=MemberFactory(workspace=ws),
        number=1,
        granted_at=timezone.now(),
    ),
}

REFERENCES = [(model, field) for model in apps.get_models() for field in scoped_references(model)]
MANY_TO_MANY = [(model, field) for model in apps.get_models() for field in scoped_many_to_many(model)]


def params(pairs):
    return [pytest.param(model, field.name, id=f"{model._meta.label}.{field.name}") for model, field in pairs]


def test_every_model_that_rows_point_at_can_be_made_here():
    pointed_at = {field.related_model._meta.label for _model, field in REFERENCES + MANY_TO_MANY}
    assert pointed_at <= set(MAKERS)
    assert len(REFERENCES) >= 30  # groups, moderation, links, live codes, webhooks


@pytest.mark.parametrize(("model", "name"), params(REFERENCES))
@pytest.mark.parametrize("loaded", [True, False], ids=["object", "id"])
def test_a_row_pointing_at_another_workspace_is_refused_naming_the_field(
    model, name, loaded, tenant_a, tenant_b
):
    field = model._meta.get_field(name)
    foreign = MAKERS[field.related_model._meta.label](tenant_b.workspace)
    row = model(workspace=tenant_a.workspace)
    if loaded:
        setattr(row, name, foreign)
    else:
        setattr(row, field.attname, getattr(foreign, field.target_field.attname))

    with pytest.raises(ValidationError) as refused:
        row.save()

    assert list(refused.value.message_dict) == [name]
    assert row.pk is None


@pytest.mark.parametrize(("model", "name"), params(MANY_TO_MANY))
def test_rows_of_another_workspace_cannot_be_added_to_a_many_to_many_field_on_either_side(
    model, name, tenant_a, tenant_b
):
    field = model._meta.get_field(name)
    label = model._meta.label
    row = MAKERS[label](tenant_a.workspace)
    foreign = MAKERS[field.related_model._meta.label](tenant_b.workspace)
    own = MAKERS[field.related_model._meta.label](tenant_a.workspace)
    reverse_name = field.remote_field.get_accessor_name()

    getattr(row, name).add(own)
    with pytest.raises(ValidationError) as forward, transaction.atomic():
        getattr(row, name).add(foreign)
    with pytest.raises(ValidationError) as backward, transaction.atomic():
        getattr(foreign, reverse_name).add(row)

    assert list(forward.value.message_dict) == [name]
    assert list(backward.value.message_dict) == [reverse_name]
    assert list(getattr(row, name).all()) == [own]


def test_a_group_role_goes_only_to_a_user_who_works_in_the_workspace(tenant_a, tenant_b):
    group = CommunityFactory(workspace=tenant_a.workspace)

    with pytest.raises(ValidationError) as refused:
        RoleAssignment.objects.create(
            workspace=tenant_a.workspace,
            community=group,
            role="lead",
            user=tenant_b.owner,
            started_at=group.created_at,
        )

    assert list(refused.value.message_dict) == ["user"]


def test_saving_only_other_fields_checks_nothing_and_queries_nothing_more(
    tenant_a, django_assert_num_queries
):
    stay = MembershipFactory(community=CommunityFactory(workspace=tenant_a.workspace))
    stay = type(stay).objects.get(pk=stay.pk)  # its group and member are not loaded

    with django_assert_num_queries(1):
        stay.save(update_fields=["channel"])
    with django_assert_num_queries(3):  # the group's and the member's workspace, then the update
        stay.save()


# --- the admin: a form error; the API: a 400 ------------------------------------------------------


@pytest.fixture
def analyst_with_own_workspace(tenant_a, tenant_b):
    """An analyst of tenant A who made a workspace of their own (tenant B's, here as its owner)."""
    WorkspaceMembershipFactory(workspace=tenant_b.workspace, user=tenant_a.analyst, role="owner")
    return tenant_a.analyst


# (admin page, the model it adds, the field that points into workspace A, the form's data
# given that row of A); the form is sent for tenant B's workspace.
FOREIGN_REFERENCES = [
    (
        "groups/entitlement",
        Entitlement,
        "member",
        lambda ws: {
            "member": MemberFactory(workspace=ws).pk,
            "product": "vip",
            "granted_at_0": "2026-03-01",
            "granted_at_1": "10:00:00",
        },
    ),
    (
        "groups/invitecode",
        InviteCode,
        "community",
        lambda ws: {"community": CommunityFactory(workspace=ws).pk, "code": "SNEAK", "is_active": "on"},
    ),
]


@pytest.mark.parametrize(
    ("page", "model", "field", "data_for"), FOREIGN_REFERENCES, ids=["entitlement", "invite-code"]
)
def test_a_row_in_my_workspace_referring_to_a_row_of_another_is_a_form_error(
    client, tenant_a, tenant_b, analyst_with_own_workspace, page, model, field, data_for
):
    data = data_for(tenant_a.workspace)
    client.force_login(analyst_with_own_workspace)

    response = client.post(f"/admin/{page}/add/", {"workspace": tenant_b.workspace.pk, **data})

    assert field in admin_form_errors(response)
    assert not model.objects.exists()


def test_a_tag_of_another_workspace_on_a_group_page_is_a_form_error(client, tenant_a, tenant_b):
    WorkspaceMembershipFactory(workspace=tenant_b.workspace, user=tenant_a.operator, role="analyst")
    foreign_tag = Tag.objects.create(workspace=tenant_b.workspace, name="别人的")
    client.force_login(tenant_a.operator)
    page = client.get("/admin/groups/community/add/")
    data = admin_form_data(page) | {
        "workspace": tenant_a.workspace.pk,
        "name": "新群",
        "kind": "lead_gen",
        "platform": "wechat",
        "member_limit": 500,
        "threshold_mode": "all",
        "tags": [foreign_tag.pk],
    }

    response = client.post("/admin/groups/community/add/", data)

    assert "tags" in admin_form_errors(response)
    assert not tenant_a.workspace.communities.exists()


def test_the_api_answers_a_reference_into_another_workspace_with_a_400(
    api_for, tenant_a, tenant_b, monkeypatch
):
    """Inputs are scoped to the caller's workspace first; should that ever miss, the model layer
    still refuses, and the API says which field."""
    from suo.api import scoping

    foreign_group = CommunityFactory(workspace=tenant_b.workspace)
    monkeypatch.setattr(
        scoping.ScopedPrimaryKeyRelatedField, "get_queryset", lambda self: self.queryset.all()
    )

    response = api_for(tenant_a.operator).post(
        "/api/links/", {"url": "https://example.com/", "group": foreign_group.pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["group"]
    assert not Link.objects.exists()
