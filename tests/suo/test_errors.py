"""Every API error has one body: {code, detail, fields}."""

import pytest
from django.utils import translation
from rest_framework.exceptions import ValidationError

from suo.api.errors import exception_handler

pytestmark = pytest.mark.django_db


def test_validation_error_names_each_wrong_field(api_for, tenant_a):
    response = api_for(tenant_a.owner).post("/api/workspaces/", {"name": "", "timezone": "Mars/Base"})

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert set(body["fields"]) == {"name", "timezone"}
    assert "Mars/Base" in body["fields"]["timezone"][0]
    assert body["detail"].startswith("name")


def test_malformed_json_is_a_400_parse_error(api_for, tenant_a):
    response = api_for(tenant_a.owner).generic(
        "POST", "/api/workspaces/", "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_unknown_object_is_404_in_the_same_format(api_for, tenant_a):
    response = api_for(tenant_a.owner).get("/api/workspace-members/999999/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": response.json()["detail"], "fields": {}}
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/api/groups/999999/", "/api/links/999999/stats/", "/api/campaigns/999999/transitions/"]
)
def test_an_unknown_id_is_a_translated_404_that_names_no_python_class(api_for, tenant_a, path):
    response = api_for(tenant_a.owner).get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "在本工作区中不存在。", "fields": {}}


def test_messages_follow_the_requested_language(api_for, tenant_a):
    client = api_for(tenant_a.owner)

    chinese = client.post("/api/workspaces/", {"name": ""}).json()
    english = client.post("/api/workspaces/", {"name": ""}, HTTP_ACCEPT_LANGUAGE="en").json()

    assert chinese["fields"]["name"] == ["该字段不能为空。"]
    assert english["fields"]["name"] == ["This field may not be blank."]


def test_nested_errors_are_flattened_to_dotted_paths():
    exc = ValidationError({"items": [{}, {"name": ["Required."]}], "tags": ["Too many."]})

    with translation.override("en"):
        body = exception_handler(exc, {}).data

    assert body["fields"] == {"items.1.name": ["Required."], "tags": ["Too many."]}
    assert body["detail"] == "items.1.name: Required."


def test_non_field_error_is_the_detail():
    body = exception_handler(ValidationError("Pick one."), {}).data

    assert body["detail"] == "Pick one."
    assert body["fields"] == {}


def test_a_null_character_is_named_as_such_in_chinese(api_for, tenant_a):
    response = api_for(tenant_a.owner).post("/api/workspaces/", {"name": "星河\x00"}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["name"] == ["不能包含空字符（\\0）。"]


def test_a_null_json_body_is_explained_in_chinese(api_for, tenant_a):
    response = api_for(tenant_a.owner).generic(
        "POST", "/api/workspaces/", "null", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "没有提交任何数据：请发送一个 JSON 对象。"


def test_a_form_with_too_many_fields_is_a_400_in_the_error_body(api_for, tenant_a, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"f{index}": "x" for index in range(11)}

    response = api_for(tenant_a.owner).patch("/api/link-settings/", fields, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"code": "too_many_fields", "detail": "请求中的字段超过 10 个。", "fields": {}}


def test_a_body_larger_than_allowed_is_a_400_in_the_error_body(api_for, tenant_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = api_for(tenant_a.owner).patch("/api/link-settings/", {"x": "y" * 200}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "too_large"


def test_a_user_of_several_workspaces_without_x_workspace_gets_the_documented_400(api_for, tenant_a):
    from suo.models import Role, Workspace, WorkspaceMembership
    from tests.helpers import response_schema_errors

    other = Workspace.objects.create(name="另一个", slug="another")
    WorkspaceMembership.objects.create(workspace=other, user=tenant_a.owner, role=Role.OWNER)

    response = api_for(tenant_a.owner).get("/api/link-settings/")

    assert response.status_code == 400 and response.json()["code"] == "workspace_required"
    assert response_schema_errors(response, "/api/link-settings/", "get") == []
