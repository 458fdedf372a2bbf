"""QR payloads without an ECI: the most plausible of UTF-8, GB18030, Big5, Shift_JIS and ISO-8859-1.

The pictures are byte-mode QR codes holding the raw bytes of each encoding, no ECI, as the
generators of each region make them.
"""

import pytest

from links.qr_decode import decode_qr
from links.qr_text import ENCODINGS, decode_payload
from tests.links import qr_pictures as pictures
from tests.links.livecode_helpers import upload

JAPANESE = "東京都渋谷区のお店です。ご来店ありがとうございます！"
TRADITIONAL = "歡迎加入社群，請掃碼"
LATIN = "Café crème à Noël"

# Short phrases, like QR payloads, in the encoding their writers use.
PHRASES = {
    "gb18030": [
        "你好", "群活码", "扫码领取新人福利", "限时抢购", "明天下午三点开团", "添加客服微信", "会员专享价",
        "谢谢", "早上好", "中文", "测试", "产品介绍", "报名", "李明", "爆款推荐", "QQ群", "VIP会员专享",
        "群规：禁止刷屏", "Wi-Fi密码：12345678", "https://example.com/活动?名称=福利",
    ],
    "big5": [
        "歡迎加入社群", "台北市信義區", "請掃描", "限時優惠", "會員專屬", "繁體中文測試", "聯絡我們",
        "香港九龍", "活動報名", "掃碼進群", "群組規則", "新會員禮", "抽獎活動",
    ],
    "shift_jis": [
        "こんにちは、世界", "ラーメン", "ありがとう", "日本語", "寿司", "お問い合わせ", "東京", "大阪駅",
        "テスト", "営業時間：10時〜20時", "山田太郎", "ご予約はこちら", "無料", "さくら", "メニュー",
    ],
    "iso-8859-1": [
        "Café crème à Noël", "Grüße aus München", "Señor Muñoz", "Ça va?", "naïve résumé", "Straße",
        "über", "Åland", "déjà vu", "Crème brûlée £5", "Ærøskøbing", "Zürich",
    ],
    "utf-8": [
        "你好", "こんにちは", "歡迎", "Café", "Grüße", "naïve", "🎉活动", "QQ群", "Привет", "Ελληνικά",
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(JAPANESE, "shift_jis"), ("こんにちは、世界", "shift_jis"), (TRADITIONAL, "big5"),
     (pictures.CHINESE_TEXT, "gb18030"), (LATIN, "iso-8859-1"), ("欢迎「新朋友」", "utf-8")],
)  # fmt: skip
def test_payload_without_eci_is_read_in_its_own_encoding(text, encoding):
    payload = text.encode(encoding)

    result = decode_qr(pictures.encode(pictures.qr_image(payload)))

    assert result.raw == payload
    assert (result.text, result.encoding) == (text, encoding)


def test_japanese_shift_jis_is_no_longer_read_as_chinese():
    payload = JAPANESE.encode("shift_jis")

    result = decode_qr(pictures.encode(pictures.qr_image(payload)))

    assert result.text != payload.decode("gb18030")
    assert "の" in result.text and result.encoding == "shift_jis"


@pytest.mark.parametrize(("encoding", "text"), [(e, t) for e, texts in PHRASES.items() for t in texts])
def test_short_phrases_are_read_in_the_encoding_they_were_written_in(encoding, text):
    assert decode_payload(text.encode(encoding)) == (text, encoding)


def test_every_encoding_is_covered():
    assert set(PHRASES) == set(ENCODINGS)


def test_plain_ascii_is_utf_8():
    assert decode_payload(b"https://example.com/a?b=1") == ("https://example.com/a?b=1", "utf-8")


def test_utf_8_byte_order_mark_is_dropped():
    assert decode_payload("\ufeff群活码".encode()) == ("群活码", "utf-8")


@pytest.mark.django_db
def test_api_returns_the_encoding_it_chose(api_for, tenant_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    picture = pictures.encode(pictures.qr_image(JAPANESE.encode("shift_jis")))

    response = api_for(tenant_a.operator).post(
        "/api/links/from-qr/", {"image": upload(picture, "qr.png"), "create": "false"}, format="multipart"
    )

    assert response.status_code == 200
    assert response.json()["decoded"]["text"] == JAPANESE
    assert response.json()["decoded"]["encoding"] == "shift_jis"
