"""suo.safe_fetch: public addresses only, the checked address connected to, no redirects, one deadline."""

import ipaddress
import shutil
import ssl
import subprocess
import time

import pytest
from django.core.exceptions import ValidationError

from suo import safe_fetch as sf
from tests.suo.local_http import LocalServer, answer_with, trickle


@pytest.fixture
def no_connections(monkeypatch):
    """A refused destination must be refused before any packet leaves: connecting fails the test."""

    def connect(*args, **kwargs):
        raise AssertionError(f"safe_fetch tried to connect to {args[0]!r}")

    monkeypatch.setattr(sf.socket, "create_connection", connect)


@pytest.fixture
def dns(monkeypatch):
    """Names resolved by a table (the machine has no DNS); counts the lookups."""
    table: dict[str, list[str]] = {}
    lookups: list[str] = []

    def resolve(host, port):
        lookups.append(host)
        if host not in table:
            raise OSError("name does not resolve")
        return [ipaddress.ip_address(address) for address in table[host]]

    monkeypatch.setattr(sf, "resolve", resolve)
    resolve.table, resolve.lookups = table, lookups
    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",  # loopback
        "http://127.8.9.10/",
        "http://[::1]:6379/",
        "http://localhost:5432/",
        "http://0.0.0.0/",  # unspecified
        "http://10.0.0.5/",  # private
        "http://172.16.3.4/",
        "http://192.168.1.1/router",
        "http://100.64.0.1/",  # shared (carrier-grade NAT)
        "http://[fd12:3456::1]/",  # unique local
        "http://169.254.10.20/",  # link-local
        "http://[fe80::1]/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://224.0.0.1/",  # multicast
        "http://[ff02::1]/",
        "http://240.0.0.1/",  # reserved
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
        "http://[::ffff:169.254.169.254]/",
        "http://[2002:7f00:1::1]/",  # 6to4 around 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 around the metadata address
        "http://0x7f000001/",  # other spellings of 127.0.0.1: checked after resolving
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0/",
        "http://[::]/",
        "http://ＬＯＣＡＬＨＯＳＴ/",  # full-width letters, normalised by IDNA to localhost
    ],
)
def test_non_public_destination_is_refused_before_connecting(url, settings, no_connections):
    settings.SAFE_FETCH_ALLOW_PRIVATE = False

    with pytest.raises(sf.UnsafeDestination) as refused:
        sf.safe_fetch(url)

    assert refused.value.code == "unsafe_destination"


def test_loopback_server_is_never_reached_when_private_targets_are_not_allowed(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = False
    with LocalServer(answer_with(200, b"internal admin page")) as server, pytest.raises(sf.UnsafeDestination):
        sf.safe_fetch(server.url, method="POST", body=b"{}")

    assert server.received == []


def test_name_resolving_to_a_private_address_is_refused(settings, dns, no_connections):
    settings.SAFE_FETCH_ALLOW_PRIVATE = False
    dns.table["hooks.example.com"] = ["10.1.2.3"]

    with pytest.raises(sf.UnsafeDestination) as refused:
        sf.safe_fetch("https://hooks.example.com/in")

    assert "10.1.2.3" in refused.value.message


def test_name_is_refused_when_any_of_its_addresses_is_private(settings, dns, no_connections):
    settings.SAFE_FETCH_ALLOW_PRIVATE = False
    dns.table["mixed.example.com"] = ["93.184.216.34", "169.254.169.254"]

    with pytest.raises(sf.UnsafeDestination):
        sf.safe_fetch("https://mixed.example.com/")


def test_name_that_does_not_resolve_is_refused(settings, dns, no_connections):
    with pytest.raises(sf.UnsafeDestination) as refused:
        sf.safe_fetch("https://nowhere.example.com/")

    assert "nowhere.example.com" in refused.value.message


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/", "https://user:pw@example.com/"],
)
def test_other_schemes_and_credentials_are_refused(url, no_connections):
    with pytest.raises(sf.UnsafeDestination):
        sf.safe_fetch(url)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_public(address):
    assert sf.is_public_address(ipaddress.ip_address(address))


def test_connects_to_the_checked_address_with_the_original_host_header(settings, dns):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    with LocalServer(answer_with(200, b"ok")) as server:
        dns.table["hooks.example.com"] = ["127.0.0.1"]
        response = sf.safe_fetch(f"http://hooks.example.com:{server.port}/in?a=1", method="POST", body=b"{}")

    assert response.status == 200 and response.body == b"ok"
    assert response.address == "127.0.0.1"
    assert dns.lookups == ["hooks.example.com"]  # resolved once: no second lookup to rebind
    method, path, headers, body = server.received[0]
    assert (method, path, body) == ("POST", "/in?a=1", b"{}")
    assert headers["Host"] == f"hooks.example.com:{server.port}"


def test_redirect_is_returned_not_followed(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    with LocalServer(answer_with(302, Location="http://169.254.169.254/latest/meta-data/")) as server:
        response = sf.safe_fetch(server.url)

    assert response.status == 302
    assert len(server.received) == 1


def test_trickling_server_cannot_hold_the_caller_past_the_deadline(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    with LocalServer(trickle) as server, pytest.raises(sf.DeadlineExceeded) as late:
        sf.safe_fetch(server.url, deadline=0.5)

    assert late.value.code == "deadline_exceeded"


def test_server_that_never_answers_hits_the_deadline(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    with LocalServer(lambda handler: time.sleep(5)) as server, pytest.raises(sf.DeadlineExceeded):
        sf.safe_fetch(server.url, deadline=0.3)


def test_big_body_is_cut_at_the_byte_limit(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    with LocalServer(answer_with(200, b"a" * 1_000_000)) as server:
        response = sf.safe_fetch(server.url, max_bytes=1000)

    assert len(response.body) == 1000
    assert response.truncated


def test_small_body_is_whole_and_not_truncated(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    with LocalServer(answer_with(200, "好的".encode(), content_type="text/plain; charset=utf-8")) as server:
        response = sf.safe_fetch(server.url, max_bytes=1000)

    assert response.text() == "好的" and not response.truncated


def test_connection_refused_is_a_fetch_failure(settings):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True

    with pytest.raises(sf.FetchFailed):
        sf.safe_fetch("http://127.0.0.1:9/closed")


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for hooks.example.com."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=hooks.example.com", "-addext", "subjectAltName=DNS:hooks.example.com",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert


def test_https_sends_the_original_name_for_sni_and_checks_the_certificate_against_it(
    settings, dns, certificate
):
    settings.SAFE_FETCH_ALLOW_PRIVATE = True
    key, cert = certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))
    dns.table["hooks.example.com"] = ["127.0.0.1"]
    dns.table["other.example.com"] = ["127.0.0.1"]

    with LocalServer(answer_with(200, b"secure"), tls=server_tls) as server:
        response = sf.safe_fetch(f"https://hooks.example.com:{server.port}/", ssl_context=client_tls)
        with pytest.raises(sf.FetchFailed):  # same address, but the certificate is not for this name
            sf.safe_fetch(f"https://other.example.com:{server.port}/", ssl_context=client_tls)

    assert response.status == 200 and response.body == b"secure"
    assert server.server_names[0] == "hooks.example.com"


def test_excerpt_is_short_plain_text():
    page = (
        "<html><head><title>Router admin</title><style>body{color:red}</style></head>"
        "<body><h1>Internal &amp; secret</h1>" + "<p>row</p>" * 500 + "</body></html>"
    )
    response = sf.FetchResponse(
        status=500, headers=_headers("text/html"), body=page.encode(), truncated=False, address=""
    )

    excerpt = sf.text_excerpt(response, 200)

    assert "<" not in excerpt and ">" not in excerpt
    assert "Internal & secret" in excerpt and "color" not in excerpt
    assert len(excerpt) <= 200


def _headers(content_type):
    from email.message import Message

    headers = Message()
    headers["Content-Type"] = content_type
    return headers


def test_url_validator_refuses_private_destinations(settings, no_connections):
    settings.SAFE_FETCH_ALLOW_PRIVATE = False

    with pytest.raises(ValidationError) as refused:
        sf.validate_public_url("http://169.254.169.254/latest/meta-data/")

    assert refused.value.code == "unsafe_destination"
