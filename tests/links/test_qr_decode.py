"""QR upload decoding (links/qr_decode.py) on generated photo-like pictures and on bad input."""

import io
import warnings

import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageDraw

from links import qr_decode
from links.qr_decode import (
    DecodeResult,
    EmptyFileError,
    ImageTooLargeError,
    NoQrCodeError,
    NotAnImageError,
    QrDecodeError,
    SeveralQrCodesError,
    TooManyPixelsError,
    TruncatedImageError,
    decode_qr,
    decode_qr_codes,
    looks_like_url,
)
from tests.links import qr_pictures as pictures

SINGLE_CODE_KINDS = [kind for kind in pictures.GOOD_BUILDERS if kind != "two_different_codes"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def zxing_calls(monkeypatch):
    """Counts calls into zxing-cpp (and lets a test forbid them)."""
    calls = []
    real = zxingcpp.read_barcodes

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(qr_decode.zxingcpp, "read_barcodes", counting)
    return calls


# ---------------------------------------------------------------- photos that must decode


@pytest.mark.parametrize("kind", SINGLE_CODE_KINDS)
def test_decodes_the_code_in_a_generated_picture(kind):
    picture = pictures.good_picture(kind)

    result = decode_qr(picture.data)

    assert isinstance(result, DecodeResult)
    assert (result.text,) == picture.expected


def test_url_content_is_flagged_as_url():
    result = decode_qr(pictures.good_picture("plain").data)

    assert result.is_url
    assert result.format == "QRCode"
    assert result.encoding == "utf-8"


def test_non_url_text_is_decoded_but_not_flagged_as_url():
    result = decode_qr(pictures.good_picture("non_url_text").data)

    assert result.text == pictures.PLAIN_TEXT
    assert not result.is_url


def test_position_and_orientation_are_reported_for_a_turned_code():
    result = decode_qr(pictures.good_picture("rotated_90").data)

    assert abs(result.orientation) == 90
    xs = [x for x, _ in result.position]
    assert min(xs) >= 30 and max(xs) <= 340  # the code's 290 px inside the 370 px picture


@pytest.mark.parametrize("orientation", [6, 8])
def test_exif_orientation_is_applied_before_decoding(orientation):
    # Upright, the picture is landscape with the code in its top-left corner; the stored pixels
    # are portrait. Without exif_transpose the corners would be reported in the stored frame.
    result = decode_qr(pictures.exif_upright_data(orientation))

    assert result.text == pictures.URL
    assert result.orientation == 0
    top_left = result.position[0]
    assert top_left[0] < 60 and top_left[1] < 60
    assert max(x for x, _ in result.position) < 320  # and not beyond where the code is upright


def test_gb18030_payload_comes_out_as_unicode_text():
    result = decode_qr(pictures.good_picture("gb18030_text").data)

    assert result.text == pictures.CHINESE_TEXT
    assert result.encoding == "gb18030"
    assert result.raw == pictures.CHINESE_TEXT.encode("gb18030")


def test_utf8_chinese_payload_comes_out_as_unicode_text():
    result = decode_qr(pictures.good_picture("utf8_chinese_text").data)

    assert result.text == pictures.CHINESE_TEXT
    assert result.encoding == "utf-8"


def test_charset_declared_by_eci_wins_over_the_gb18030_guess():
    # The bytes C4 E3 BA C3 are "你好" in GB18030, but the symbol says ISO-8859-1.
    result = decode_qr(pictures.good_picture("eci_latin1_text").data)

    assert result.text == "ÄãºÃ"
    assert result.encoding == "eci"


def test_gb18030_with_eci_is_decoded_by_its_declared_charset():
    data = pictures.encode(pictures.qr_image_with_eci("你好".encode("gb18030"), 32))

    assert decode_qr(data).text == "你好"


def test_micro_qr_is_read_and_reported_as_such():
    result = decode_qr(pictures.good_picture("micro_qr").data)

    assert result.format == "MicroQRCode"


def test_other_barcodes_in_the_picture_are_ignored():
    # The cluttered picture also holds an EAN-13; QR-only formats keep it from being a "second code".
    results = decode_qr_codes(pictures.good_picture("cluttered_with_barcode").data)

    assert [r.format for r in results] == ["QRCode"]


@pytest.mark.parametrize("kind", ["faint_low_contrast", "tiny_thumbnail"])
def test_enhanced_pass_reads_what_zxing_alone_cannot(kind, zxing_calls):
    result = decode_qr(pictures.good_picture(kind).data)

    assert result.text == pictures.URL
    assert result.decode_pass == "enhanced"
    assert len(zxing_calls) == 2


def test_enhanced_pass_reports_position_in_original_pixels():
    result = decode_qr(pictures.good_picture("tiny_thumbnail").data)

    assert all(0 <= x <= 40 and 0 <= y <= 40 for x, y in result.position)  # 40x40 thumbnail


def test_clear_picture_is_decoded_in_a_single_pass(zxing_calls):
    decode_qr(pictures.good_picture("plain").data)

    assert len(zxing_calls) == 1


def test_enhanced_pass_is_skipped_when_it_would_change_nothing(zxing_calls):
    # Large, black-and-white, no code: a contrast stretch or upscale would be the same picture.
    img = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(img)
    for i in range(0, 1200, 150):
        draw.rectangle((i, 100, i + 60, 800), fill=0)

    with pytest.raises(NoQrCodeError):
        decode_qr(pictures.encode(img))
    assert len(zxing_calls) == 1


def test_placeholder_results_from_zxing_do_not_count_as_a_code(monkeypatch):
    # zxing-cpp returns an invalid, format-NONE result in some modes (e.g. is_pure on a photo).
    real = zxingcpp.read_barcodes
    monkeypatch.setattr(
        qr_decode.zxingcpp, "read_barcodes", lambda img, **kw: real(img, **{**kw, "is_pure": True})
    )

    with pytest.raises(NoQrCodeError):
        decode_qr(pictures.no_code_photo())


def test_same_code_twice_counts_as_one():
    results = decode_qr_codes(pictures.good_picture("same_code_twice").data)

    assert [r.text for r in results] == [pictures.URL]


def test_two_different_codes_are_refused_with_both_listed():
    with pytest.raises(SeveralQrCodesError) as caught:
        decode_qr(pictures.good_picture("two_different_codes").data)

    error = caught.value
    assert error.code == "several_codes"
    assert sorted(error.candidates) == sorted([pictures.URL, pictures.OTHER_URL])
    assert [r.text for r in error.results] == error.candidates
    assert error.message == "The picture contains 2 different QR codes. Choose which one to use."


def test_decode_qr_codes_returns_every_distinct_code():
    results = decode_qr_codes(pictures.two_codes_data())

    assert {r.text for r in results} == {pictures.URL, pictures.OTHER_URL}


def test_accepts_file_objects_and_django_uploads():
    data = pictures.good_picture("plain").data
    upload = SimpleUploadedFile("code.png", data, content_type="image/png")
    upload.read(10)  # a view may have peeked at it already

    assert decode_qr(io.BytesIO(data)).text == pictures.URL
    assert decode_qr(upload).text == pictures.URL


# ---------------------------------------------------------------- bad input


NOT_IMAGE = (NotAnImageError, "not_image", "not a picture")
TRUNCATED = (TruncatedImageError, "truncated", "incomplete or damaged")


@pytest.mark.parametrize(
    ("data", "error", "code", "says"),
    [
        pytest.param(b"", EmptyFileError, "empty", "is empty", id="empty"),
        pytest.param(pictures.random_bytes(), *NOT_IMAGE, id="random-bytes"),
        pytest.param(b"hello, this is text", *NOT_IMAGE, id="text"),
        pytest.param(b"%PDF-1.7\n" + b"0" * 500, *NOT_IMAGE, id="pdf"),
        pytest.param(pictures.truncated_png(), *TRUNCATED, id="png-half"),
        pytest.param(pictures.truncated_jpeg(), *TRUNCATED, id="jpeg-half"),
        pytest.param(pictures.truncated_png()[:20], *TRUNCATED, id="png-header-only"),
    ],
)
def test_a_file_that_is_not_a_whole_picture_is_refused_with_its_code_and_why(data, error, code, says):
    with pytest.raises(error) as caught:
        decode_qr(data)
    assert caught.value.code == code
    assert says in caught.value.message


def test_image_format_outside_the_allow_list_is_refused():
    # Pillow reads PPM, but nobody uploads one; the allow-list keeps such plugins (and EPS, which
    # would run Ghostscript) away from uploads.
    ppm = pictures.encode(pictures.qr_image(pictures.URL), "PPM")

    with pytest.raises(NotAnImageError):
        decode_qr(ppm)


def test_oversize_bytes_are_refused():
    data = pictures.good_picture("plain").data + b"\0" * qr_decode.MAX_UPLOAD_BYTES

    with pytest.raises(ImageTooLargeError) as caught:
        decode_qr(data)
    assert caught.value.code == "too_large"
    assert caught.value.message == "The file is larger than 10 MB. Please upload a smaller picture."


def test_oversize_stream_is_not_read_past_the_limit():
    class Endless(io.RawIOBase):
        read_total = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            Endless.read_total += len(buffer)
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    with pytest.raises(ImageTooLargeError):
        decode_qr(Endless(), max_bytes=1000)
    assert Endless.read_total <= 1001


def test_upload_with_a_declared_oversize_is_refused_without_reading():
    upload = SimpleUploadedFile("big.png", b"x" * 2000)

    with pytest.raises(ImageTooLargeError):
        decode_qr(upload, max_bytes=1000)
    assert upload.tell() == 0


def test_byte_limit_is_configurable():
    with pytest.raises(ImageTooLargeError) as caught:
        decode_qr(pictures.good_picture("plain").data, max_bytes=1024 * 1024 // 1000)
    assert "0.00" in caught.value.message  # the limit as given, in MB


@pytest.mark.parametrize(
    "size",
    [(30000, 30000), (10000, 10000), (8000, 6000)],
    ids=["900MP-pillow-error", "100MP-pillow-warning", "48MP-our-limit"],
)
def test_decompression_bomb_is_refused_before_pixels_are_decoded(size, monkeypatch):
    data = pictures.declared_size_png(*size)
    assert len(data) < 200_000  # tiny on the wire

    def forbidden(*args, **kwargs):
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(Image.Image, "load", forbidden)
    monkeypatch.setattr(qr_decode.zxingcpp, "read_barcodes", forbidden)
    # Load and decode are forbidden above, so a refusal proves no pixel was decoded (no timing needed).
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(TooManyPixelsError) as caught:
            decode_qr(data)
    assert not [w for w in seen if issubclass(w.category, Image.DecompressionBombWarning)]
    assert caught.value.code == "too_many_pixels"
    assert caught.value.message == "The picture has more than 40 megapixels. Please upload a smaller picture."


def test_pixel_limit_is_configurable():
    with pytest.raises(TooManyPixelsError):
        decode_qr(pictures.good_picture("plain").data, max_pixels=100 * 100)


def test_picture_without_code_is_refused():
    with pytest.raises(NoQrCodeError) as caught:
        decode_qr(pictures.no_code_photo())
    assert caught.value.code == "no_code"
    assert caught.value.message.startswith("No QR code was found")


def test_every_error_has_a_distinct_code_and_a_message():
    classes = [
        EmptyFileError,
        NotAnImageError,
        TruncatedImageError,
        ImageTooLargeError,
        TooManyPixelsError,
        NoQrCodeError,
        SeveralQrCodesError,
    ]
    assert all(issubclass(cls, QrDecodeError) for cls in classes)
    assert len({cls.code for cls in classes}) == len(classes)
    assert all(str(cls.template) for cls in classes)


def test_messages_follow_the_active_language():
    error = NoQrCodeError()
    with translation.override("zh-hans"):
        translated = error.message
    # Without a zh-hans catalogue entry yet the English msgid comes back; either way it is a
    # string evaluated at access time, not at import.
    assert isinstance(translated, str) and translated


# ---------------------------------------------------------------- looks_like_url


@pytest.mark.parametrize(
    "text",
    [
        "https://suo.example.com/s/Ab3xY",
        "http://example.com",
        "HTTPS://EXAMPLE.COM/path?q=1#x",
        "https://例子.中国/路径",
        "http://127.0.0.1:8000/",
        "  https://example.com/padded  \n",
    ],
)
def test_looks_like_url_accepts_http_urls_with_a_host(text):
    assert looks_like_url(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "example.com",
        "https://",
        "http:///path-only",
        "ftp://example.com/file",
        "weixin://dl/business/?t=abc",
        "javascript:alert(1)",
        "https://example.com/with space",
        "http://[::1",
        "http://example.com:99999/",
        pictures.PLAIN_TEXT,
        pictures.CHINESE_TEXT,
    ],
)
def test_looks_like_url_refuses_everything_else(text):
    assert not looks_like_url(text)
