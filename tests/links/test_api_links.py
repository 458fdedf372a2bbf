import pytest
from django.contrib.auth.hashers import check_password

from links.models import Link
from tests.helpers import response_schema_errors
from tests.links.factories import LinkFactory

pytestmark = pytest.mark.django_db


def test_create_returns_code_short_url_and_qr_urls(api_for, tenant_a, settings):
    response = api_for(tenant_a.operator).post(
        "/api/links/",
        {
            "url": "https://example.com/landing?a=1",
            "title": "落地页",
            "tags": ["引流", "新人"],
            "allowed_platforms": ["wechat", "qq"],
            "antiblock": "guide",
            "max_clicks": 50,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["code"]) == 6 and body["code"].isalnum()
    assert body["short_url"] == f"{settings.SHORT_BASE_URL}/{body['code']}"
    assert body["qr_png_url"] == body["short_url"] + ".png"
    assert body["qr_svg_url"] == body["short_url"] + ".svg"
    assert body["tags"] == ["引流", "新人"]
    link = Link.objects.get(pk=body["id"])
    assert (link.workspace, link.created_by, link.max_clicks) == (tenant_a.workspace, tenant_a.operator, 50)


def test_custom_alias_is_case_sensitive_and_unique_across_the_site(api_for, tenant_a, tenant_b):
    first = api_for(tenant_a.operator).post(
        "/api/links/", {"url": "https://example.com/", "alias": "Promo_2026"}
    )
    other_case = api_for(tenant_b.operator).post(
        "/api/links/", {"url": "https://example.com/", "alias": "promo_2026"}
    )
    taken = api_for(tenant_b.operator).post(
        "/api/links/", {"url": "https://example.com/", "alias": "Promo_2026"}
    )

    assert first.status_code == 201 and first.json()["code"] == "Promo_2026"
    assert other_case.status_code == 201
    assert taken.status_code == 400
    assert "alias" in taken.json()["fields"]


@pytest.mark.parametrize(
    "alias", ["admin", "API", "g", "dash", "desk", "healthz", "static", "i18n", "accounts", "c"]
)
def test_reserved_aliases_are_refused(api_for, tenant_a, alias):
    response = api_for(tenant_a.operator).post("/api/links/", {"url": "https://example.com/", "alias": alias})

    assert response.status_code == 400
    assert "alias" in response.json()["fields"]
    assert not Link.objects.exists()


@pytest.mark.parametrize("alias", ["ab", "x" * 65, "has space", "点击", "a/b", "a.png"])
def test_malformed_aliases_are_refused(api_for, tenant_a, alias):
    response = api_for(tenant_a.operator).post("/api/links/", {"url": "https://example.com/", "alias": alias})

    assert response.status_code == 400
    assert "alias" in response.json()["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "ftp://example.com/file",
        "https://user:secret@example.com/",
        "https://",
        "example",
        "https://exa mple.com/",
        "https://example.com/" + "a" * 2048,
        "",
        "http://127.0.0.1:8000/abc123",
    ],
)
def test_bad_target_urls_are_a_400_that_names_url(api_for, tenant_a, url, settings):
    settings.SHORT_BASE_URL = "http://127.0.0.1:8000"

    response = api_for(tenant_a.operator).post("/api/links/", {"url": url})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["url"]
    assert not Link.objects.exists()


def test_workspace_and_site_blocklists_refuse_matching_hosts(api_for, tenant_a, settings):
    settings.LINKS_BLOCKED_DOMAINS = ["bad.example"]
    client = api_for(tenant_a.operator)
    assert client.patch("/api/link-settings/", {"blocked_domains": ["spam.cn"]}).status_code == 200

    by_workspace = client.post("/api/links/", {"url": "https://www.spam.cn/x"})
    by_site = client.post("/api/links/", {"url": "https://bad.example/"})
    similar_but_fine = client.post("/api/links/", {"url": "https://notspam.cn/"})

    assert by_workspace.status_code == 400 and "spam.cn" in by_workspace.json()["fields"]["url"][0]
    assert by_site.status_code == 400
    assert similar_but_fine.status_code == 201


def test_unknown_platform_and_mode_are_refused(api_for, tenant_a):
    client = api_for(tenant_a.operator)

    platform = client.post("/api/links/", {"url": "https://example.com/", "allowed_platforms": ["myspace"]})
    mode = client.post("/api/links/", {"url": "https://example.com/", "antiblock": "sneaky"})

    assert "allowed_platforms" in platform.json()["fields"]
    assert "antiblock" in mode.json()["fields"]


def test_password_is_stored_hashed_and_never_returned(api_for, tenant_a):
    body = (
        api_for(tenant_a.operator)
        .post("/api/links/", {"url": "https://example.com/", "password": "8888"})
        .json()
    )

    link = Link.objects.get(pk=body["id"])
    assert link.password != "8888" and check_password("8888", link.password)
    assert body["has_password"] is True
    assert "password" not in body


def test_patch_changes_fields_and_delete_removes(api_for, tenant_a):
    link = LinkFactory(workspace=tenant_a.workspace)
    client = api_for(tenant_a.operator)

    patched = client.patch(f"/api/links/{link.pk}/", {"is_active": False, "title": "新标题", "tags": ["x"]})
    assert patched.status_code == 200
    assert patched.json()["status"] == "inactive" and patched.json()["tags"] == ["x"]
    assert client.delete(f"/api/links/{link.pk}/").status_code == 204
    assert not Link.objects.filter(pk=link.pk).exists()


def test_admin_save_does_not_overwrite_counters(tenant_a):
    link = LinkFactory(workspace=tenant_a.workspace)
    stale = Link.objects.get(pk=link.pk)
    Link.objects.filter(pk=link.pk).update(click_count=41)

    stale.title = "edited"
    stale.save()

    link.refresh_from_db()
    assert (link.title, link.click_count) == ("edited", 41)


def test_list_filters_by_tag_and_search_without_n_plus_1(api_for, tenant_a, django_assert_max_num_queries):
    client = api_for(tenant_a.analyst)
    for n in range(12):
        client_op = api_for(tenant_a.operator)
        client_op.post(
            "/api/links/",
            {
                "url": f"https://example.com/{n}",
                "title": f"活动{n}",
                "tags": ["even" if n % 2 == 0 else "odd", "all"],
            },
        )

    with django_assert_max_num_queries(8):
        everything = client.get("/api/links/").json()
    even = client.get("/api/links/?tag=even").json()
    search = client.get("/api/links/?search=活动1").json()

    assert everything["count"] == 12
    assert even["count"] == 6
    assert {row["title"] for row in search["results"]} == {"活动1", "活动10", "活动11"}


def test_other_workspaces_links_are_404_and_never_listed(api_for, tenant_a, tenant_b):
    foreign = LinkFactory(workspace=tenant_b.workspace)
    client = api_for(tenant_a.owner)

    assert client.get(f"/api/links/{foreign.pk}/").status_code == 404
    assert client.patch(f"/api/links/{foreign.pk}/", {"title": "x"}).status_code == 404
    assert client.delete(f"/api/links/{foreign.pk}/").status_code == 404
    assert client.get(f"/api/links/{foreign.pk}/stats/").status_code == 404
    assert client.get("/api/links/").json()["count"] == 0
    assert Link.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("role", ["moderator", "analyst"])
def test_only_owners_and_operators_create_links(api_for, tenant_a, role):
    response = api_for(tenant_a.user(role)).post("/api/links/", {"url": "https://example.com/"})

    assert response.status_code == 403


def test_platforms_lists_every_id(client, db):
    body = client.get("/api/platforms/").json()

    assert [row["id"] for row in body] == [
        "wechat",
        "wecom",
        "wechat_miniprogram",
        "qq",
        "dingtalk",
        "alipay",
        "weibo",
        "douyin",
        "feishu",
        "mobile",
        "desktop",
        "bot",
    ]


def test_link_settings_validate_modes_and_domains(api_for, tenant_a):
    client = api_for(tenant_a.operator)

    bad_mode = client.patch(
        "/api/link-settings/", {"antiblock_defaults": {"wechat": "teleport"}}, format="json"
    )
    bad_platform = client.patch(
        "/api/link-settings/", {"antiblock_defaults": {"myspace": "copy"}}, format="json"
    )
    bad_domain = client.patch("/api/link-settings/", {"blocked_domains": ["not a domain"]}, format="json")
    good = client.patch("/api/link-settings/", {"antiblock_defaults": {"qq": "copy"}}, format="json")

    assert bad_mode.status_code == bad_platform.status_code == bad_domain.status_code == 400
    assert good.status_code == 200 and good.json()["antiblock_defaults"] == {"qq": "copy"}
    assert api_for(tenant_a.analyst).patch("/api/link-settings/", {"blocked_domains": []}).status_code == 403


def test_blocked_domains_are_stored_as_requests_name_hosts_and_a_bad_one_is_a_clear_400(api_for, tenant_a):
    client = api_for(tenant_a.operator)

    good = client.patch(
        "/api/link-settings/",
        {"blocked_domains": ["ｅｘａｍｐｌｅ．ｃｏｍ", "SPAM.cn.", "例子.com"]},
        format="json",
    )
    bad = client.patch(
        "/api/link-settings/",
        {"blocked_domains": ["a/b.com"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert good.status_code == 200
    assert good.json()["blocked_domains"] == ["example.com", "spam.cn", "xn--fsqu00a.com"]
    assert bad.status_code == 400
    assert "Give bare domain names such as example.com (got a/b.com)." in bad.content.decode()
    assert client.get("/api/link-settings/").json()["blocked_domains"] == good.json()["blocked_domains"]


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_max_clicks_too_big_for_the_database_is_a_400_and_nothing_changes(api_for, tenant_a, method):
    client = api_for(tenant_a.operator)
    link = LinkFactory(workspace=tenant_a.workspace, max_clicks=5)
    url = "/api/links/" if method == "post" else f"/api/links/{link.pk}/"

    response = getattr(client, method)(
        url, {"url": "https://example.com/", "max_clicks": 10**20}, format="json"
    )

    assert response.status_code == 400
    assert "max_clicks" in response.json()["fields"]
    assert Link.objects.count() == 1
    link.refresh_from_db()
    assert link.max_clicks == 5


def test_a_link_with_the_default_antiblock_matches_the_documented_answer(api_for, tenant_a):
    created = api_for(tenant_a.operator).post("/api/links/", {"url": "https://example.com/"})

    assert created.status_code == 201, created.json()
    assert created.json()["antiblock"] == ""
    assert response_schema_errors(created, "/api/links/", "post") == []
