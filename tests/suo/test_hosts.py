"""One form for every host suo keeps (suo/hosts.py): the form a browser's Host header has."""

import pytest

from suo.hosts import clean_host, clean_host_pattern, clean_origin


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"),
        ("EXAMPLE.com", "example.com"),
        ("example.com.", "example.com"),
        ("  Example.COM  ", "example.com"),
        ("例子.com", "xn--fsqu00a.com"),
        ("短。例子．com.", "xn--s7y.xn--fsqu00a.com"),
        ("xn--fsqu00a.com", "xn--fsqu00a.com"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::0001]", "[::1]"),
        ("my_host.internal", "my_host.internal"),
    ],
)
def test_a_host_is_stored_as_requests_name_it_whatever_way_it_was_typed(typed, stored):
    assert clean_host(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "exa mple.com", "a/b.com", "-a.com", "a..com", "bad\ufffd.com", "[zz]", "x" * 64 + ".com"]
)
def test_what_cannot_be_a_host_name_is_refused(typed):
    with pytest.raises(ValueError):
        clean_host(typed)


def test_patterns_keep_their_wildcards_and_clean_the_host():
    assert clean_host_pattern("*") == "*"
    assert clean_host_pattern(".例子.com") == ".xn--fsqu00a.com"
    assert clean_host_pattern("*.ＥＸＡＭＰＬＥ.com.") == "*.example.com"


def test_origins_keep_scheme_and_port_and_clean_the_host():
    assert clean_origin("HTTPS://ＡＤＭＩＮ.example.com") == "https://admin.example.com"
    assert clean_origin("https://*.例子.com:8443") == "https://*.xn--fsqu00a.com:8443"
    assert clean_origin("http://[::1]:8000") == "http://[::1]:8000"
    with pytest.raises(ValueError):
        clean_origin("admin.example.com")
