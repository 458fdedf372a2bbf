"""POST /api/links/from-qr/: decode an uploaded picture and create a short link (or only decode)."""

import pytest
from django.utils import translation

from links.models import Link
from links.qr_decode import MAX_UPLOAD_BYTES
from tests.helpers import response_schema_errors
from tests.links import qr_pictures as pictures
from tests.links.livecode_helpers import upload

pytestmark = pytest.mark.django_db
URL = "/api/links/from-qr/"


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def operator_api(tenant_a, api_for):
    return api_for(tenant_a.operator)


def post(api, data: bytes, name: str = "qr.png", **fields):
    return api.post(URL, {"image": upload(data, name), **fields}, format="multipart")


@pytest.mark.parametrize(
    "kind",
    [
        "plain",
        "rotated_33",
        "rotated_90",
        "perspective",
        "small_in_large_photo",
        "phone_photo",
        "low_contrast",
        "faint_low_contrast",
        "jpeg_recompressed",
        "exif_orientation_6",
        "exif_orientation_8",
        "cluttered_with_barcode",
        "tiny_thumbnail",
        "blurred",
        "same_code_twice",
    ],
)
def test_photo_of_a_code_becomes_a_short_link_to_its_url(operator_api, tenant_a, kind):
    picture = pictures.good_picture(kind)

    response = post(operator_api, picture.data, title="扫码活动")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["decoded"] == {"text": pictures.URL, "is_url": True, "format": "QRCode", "encoding": "utf-8"}
    link = Link.objects.get(pk=body["link"]["id"])
    assert link.url == pictures.URL and link.workspace == tenant_a.workspace and link.title == "扫码活动"
    assert body["link"]["short_url"].endswith("/" + link.code) and body["link"]["qr_png_url"]
    assert link.created_by == tenant_a.operator


def test_link_options_are_those_of_the_links_api(operator_api):
    response = post(
        operator_api,
        pictures.good_picture("plain").data,
        alias="from-qr-1",
        antiblock="copy",
        allowed_platforms=["wechat", "qq"],
        tags=["扫码", "海报"],
        max_clicks=50,
    )

    assert response.status_code == 201, response.json()
    link = Link.objects.get(code="from-qr-1")
    assert link.antiblock == "copy" and link.allowed_platforms == ["wechat", "qq"] and link.max_clicks == 50
    assert sorted(t.name for t in link.tags.all()) == ["扫码", "海报"]


def test_create_false_only_decodes_and_stores_nothing(operator_api):
    response = post(operator_api, pictures.good_picture("plain").data, create="false")

    assert response.status_code == 200
    assert response.json() == {
        "decoded": {"text": pictures.URL, "is_url": True, "format": "QRCode", "encoding": "utf-8"},
        "link": None,
    }
    assert not Link.objects.exists()


def test_gb18030_text_is_decoded(operator_api):
    response = post(operator_api, pictures.good_picture("gb18030_text").data, create="false")

    assert response.status_code == 200
    assert response.json()["decoded"]["text"] == pictures.CHINESE_TEXT
    assert response.json()["decoded"]["encoding"] == "gb18030"
    assert response.json()["decoded"]["is_url"] is False


def test_utf8_chinese_text_is_decoded(operator_api):
    response = post(operator_api, pictures.good_picture("utf8_chinese_text").data, create="false")

    assert response.json()["decoded"]["text"] == pictures.CHINESE_TEXT


def test_text_that_is_not_a_url_is_refused_for_a_link(operator_api):
    response = post(operator_api, pictures.good_picture("non_url_text").data)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "not_url" and "image" in body["fields"]
    assert body["text"] == pictures.PLAIN_TEXT
    assert not Link.objects.exists()


def test_several_codes_are_listed_and_one_can_be_chosen(operator_api):
    data = pictures.two_codes_data()

    refused = post(operator_api, data)

    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "several_codes" and "image" in body["fields"]
    assert sorted(body["candidates"]) == sorted([pictures.URL, pictures.OTHER_URL])
    assert not Link.objects.exists()

    chosen = post(operator_api, data, candidate=pictures.OTHER_URL)

    assert chosen.status_code == 201
    assert Link.objects.get().url == pictures.OTHER_URL


def test_a_candidate_that_is_not_in_the_picture_is_refused(operator_api):
    response = post(operator_api, pictures.two_codes_data(), candidate="https://evil.example/")

    assert response.status_code == 400
    assert response.json()["code"] == "candidate_not_found"
    assert len(response.json()["candidates"]) == 2
    assert not Link.objects.exists()


@pytest.mark.parametrize(
    "make, code",
    [
        (pictures.random_bytes, "not_image"),
        (lambda: b"%PDF-1.4 not a picture at all", "not_image"),
        (pictures.truncated_png, "truncated"),
        (pictures.truncated_jpeg, "truncated"),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_UPLOAD_BYTES, "too_large"),
        (pictures.decompression_bomb, "too_many_pixels"),
        (lambda: pictures.declared_size_png(8000, 6000), "too_many_pixels"),
        (pictures.no_code_photo, "no_code"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message_and_nothing_is_stored(operator_api, make, code, tmp_path):
    response = post(operator_api, make())

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["fields"]["image"] and body["detail"].startswith("image")
    assert body["candidates"] == []
    assert not Link.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_an_empty_file_is_refused(operator_api):
    response = post(operator_api, b"")

    assert response.status_code == 400
    assert "image" in response.json()["fields"]
    assert not Link.objects.exists()


def test_missing_image_names_the_field(operator_api):
    response = operator_api.post(URL, {"create": "true"}, format="multipart")

    assert response.status_code == 400
    assert "image" in response.json()["fields"]
    assert response_schema_errors(response, URL, "post") == []


def test_a_refused_picture_and_a_bad_field_both_answer_the_documented_400(operator_api, tenant_a, api_for):
    live_code_api = api_for(tenant_a.operator)

    not_image = post(operator_api, b"not a picture", name="x.png")
    no_name = live_code_api.post("/api/live-codes/", {}, format="multipart")

    assert not_image.status_code == no_name.status_code == 400
    assert "candidates" in not_image.json()
    assert response_schema_errors(not_image, URL, "post") == []
    assert response_schema_errors(no_name, "/api/live-codes/", "post") == []


def test_decoded_url_still_goes_through_link_validation(operator_api, settings):
    settings.LINKS_BLOCKED_DOMAINS = ["suo.example.com"]

    response = post(operator_api, pictures.good_picture("plain").data)

    assert response.status_code == 400
    assert "url" in response.json()["fields"]
    assert not Link.objects.exists()


def test_analyst_may_decode_but_not_create(tenant_a, api_for):
    api = api_for(tenant_a.analyst)
    data = pictures.good_picture("plain").data

    assert post(api, data, create="false").status_code == 200
    assert post(api, data).status_code == 403
    assert not Link.objects.exists()


def test_another_workspace_cannot_be_named(tenant_a, tenant_b, api_for):
    api = api_for(tenant_a.operator, tenant_b.workspace)

    response = post(api, pictures.good_picture("plain").data)

    assert response.status_code == 404
    assert not Link.objects.exists()


def test_anonymous_is_refused(client):
    response = client.post(URL, {"image": upload(pictures.good_picture("plain").data)})

    assert response.status_code == 401


def test_decoding_is_rate_limited_per_user(operator_api, tenant_a, api_for, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"qr_decode": "2/min"})
    picture = pictures.encode(pictures.qr_image("https://example.com/x"))

    statuses = [post(operator_api, picture, create="false").status_code for _ in range(3)]
    other_user = post(api_for(tenant_a.analyst), picture, create="false")

    assert statuses == [200, 200, 429]
    assert other_user.status_code == 200


def test_a_throttled_decode_answers_the_documented_429(operator_api, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"qr_decode": "1/min"})
    picture = pictures.encode(pictures.qr_image("https://example.com/x"))

    post(operator_api, picture, create="false")
    throttled = post(operator_api, picture, create="false")

    assert throttled.status_code == 429
    assert response_schema_errors(throttled, URL, "post") == []
