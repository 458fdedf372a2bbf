import pytest

from links.models import Link, LinkSettings
from tests.helpers import admin_form_errors
from tests.links.factories import LinkFactory
from tests.suo.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, tenant_a):
    assert client.login(username=tenant_a.operator.username, password=PASSWORD)
    return client


def test_operator_creates_a_link_in_the_admin_through_the_same_rules(operator_client, tenant_a):
    response = operator_client.post(
        "/admin/links/link/add/",
        {
            "workspace": tenant_a.workspace.pk,
            "url": "https://example.com/a",
            "alias": "spring-sale",
            "title": "春季大促",
            "tag_names": "引流，春季",
            "antiblock": "guide",
            "allowed_platforms": ["wechat"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    link = Link.objects.get(code="spring-sale")
    assert (link.workspace, link.created_by, link.allowed_platforms) == (
        tenant_a.workspace,
        tenant_a.operator,
        ["wechat"],
    )
    assert sorted(t.name for t in link.tags.all()) == ["引流", "春季"]


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("url", {"url": "javascript:alert(1)"}),
        ("alias", {"alias": "admin"}),
        ("url", {"url": "ftp://x.example/"}),
    ],
)
def test_bad_input_is_a_form_error_and_saves_nothing(operator_client, tenant_a, field, data):
    response = operator_client.post(
        "/admin/links/link/add/", {"workspace": tenant_a.workspace.pk, "url": "https://example.com/", **data}
    )

    assert field in admin_form_errors(response)
    assert not Link.objects.exists()


def test_changelist_shows_own_links_with_counts_without_n_plus_1(
    operator_client, tenant_a, tenant_b, django_assert_max_num_queries
):
    for n in range(15):
        LinkFactory(workspace=tenant_a.workspace, click_count=n)
    LinkFactory(workspace=tenant_b.workspace, code="foreign1")

    with django_assert_max_num_queries(15):
        page = operator_client.get("/admin/links/link/")

    assert page.status_code == 200
    assert page.context["cl"].result_count == 15
    assert "foreign1" not in page.content.decode()


def test_other_workspaces_link_is_404_in_the_admin(operator_client, tenant_b):
    foreign = LinkFactory(workspace=tenant_b.workspace)

    assert operator_client.get(f"/admin/links/link/{foreign.pk}/change/").status_code == 404


def test_change_page_shows_the_qr_code(operator_client, tenant_a):
    link = LinkFactory(workspace=tenant_a.workspace)

    page = operator_client.get(f"/admin/links/link/{link.pk}/change/").content.decode()

    assert f"/{link.code}.png?size=180" in page
    assert f"/{link.code}.svg" in page


def test_blocked_domains_saved_in_the_admin_are_stored_as_requests_name_hosts(operator_client, tenant_a):
    response = operator_client.post(
        "/admin/links/linksettings/add/",
        {
            "workspace": tenant_a.workspace.pk,
            "antiblock_defaults": "{}",
            "blocked_domains": '["ＥＶＩＬ．com.", "例子.com", "evil.com"]',
        },
    )

    assert response.status_code == 302, admin_form_errors(response)
    saved = LinkSettings.objects.get(workspace=tenant_a.workspace)
    assert saved.blocked_domains == ["evil.com", "xn--fsqu00a.com"]


@pytest.mark.parametrize("typed", ['["exa mple.com"]', '"evil.com"', '{"evil.com": 1}'])
def test_blocked_domains_that_are_not_domain_names_are_a_form_error(operator_client, tenant_a, typed):
    response = operator_client.post(
        "/admin/links/linksettings/add/",
        {"workspace": tenant_a.workspace.pk, "antiblock_defaults": "{}", "blocked_domains": typed},
    )

    assert "blocked_domains" in admin_form_errors(response)
    assert not LinkSettings.objects.exists()
