"""The one way suo fetches a URL that a user gave it (webhook endpoints, link targets).

    response = safe_fetch(url, method="POST", body=payload, headers={...}, deadline=10, max_bytes=4096)

A user-given URL must never make the server talk to its own network (server-side request forgery):

- Only http and https, no ``user:password@``.
- The host is resolved once, and every address it resolves to must be public: loopback, private,
  shared (CGNAT), link-local, multicast, reserved and unspecified addresses are refused, cloud metadata
  addresses by name, and IPv6 addresses that embed one of those (IPv4-mapped, 6to4, Teredo, NAT64).
- The connection goes to an address that was checked; the Host header and, for https, the TLS
  server name and certificate check use the original host name. A DNS answer that changes between
  the check and the connection (rebinding) therefore changes nothing.
- Redirects are not followed: a 3xx is returned as it is.
- One deadline for the whole exchange (connect, send, read): every socket operation gets only the time
  that is left, so a server that trickles bytes cannot hold a worker past it.
- At most ``max_bytes`` of the body are read; ``truncated`` says whether there was more.

``SAFE_FETCH_ALLOW_PRIVATE`` (default False) lifts the public-address rule, for tests and local
development against servers on this machine; everything else still holds.

Every refusal or failure is a ``FetchError`` subclass with a stable ``code`` and a translated message.
"""

from __future__ import annotations

import html
import io
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPConnection, HTTPException
from typing import ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.encoding import iri_to_uri
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DeadlineExceeded",
    "FetchError",
    "FetchFailed",
    "FetchResponse",
    "UnsafeDestination",
    "check_destination",
    "is_public_address",
    "resolve",
    "safe_fetch",
    "text_excerpt",
    "validate_public_url",
]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services (AWS, GCP, Azure, ...; AWS's IPv6 one). Link-local and private already
# cover them; they are named so that no future change of those rules lets them through.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCRIPTS_AND_STYLES = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")


# ---------------------------------------------------------------- errors


class FetchError(Exception):
    """Base class: ``code`` is stable for programs, the message is for people (in the active language)."""

    code: ClassVar[str] = "fetch_failed"

    def __init__(self, message: str) -> None:
        self.message = str(message)
        super().__init__(self.message)


class UnsafeDestination(FetchError):
    """The URL may not be fetched: not http(s), not resolvable, or not a public address."""

    code = "unsafe_destination"


class DeadlineExceeded(FetchError):
    code = "deadline_exceeded"

    def __init__(self, seconds: float) -> None:
        super().__init__(_("No complete answer within %(seconds)s seconds.") % {"seconds": f"{seconds:g}"})


class FetchFailed(FetchError):
    """Connection refused or reset, a TLS failure, a malformed answer."""

    code = "fetch_failed"

    def __init__(self, problem: object) -> None:
        detail = f"{type(problem).__name__}: {problem}"[:300]
        super().__init__(_("The request failed: %(problem)s") % {"problem": detail})


# ---------------------------------------------------------------- destinations


def is_public_address(address: Address) -> bool:
    """True for an address on the public internet; False for anything that reaches a private network."""
    if address in METADATA_ADDRESSES:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(embedded):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to, in the resolver's order (one lookup)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str  # ASCII (IDNA) host name or address literal, as sent in Host and SNI
    port: int
    target: str  # path and query, as sent on the request line
    addresses: tuple[Address, ...]  # checked; the connection goes to one of these


def check_destination(url: str, *, allow_private: bool | None = None) -> Destination:
    """Parse `url`, resolve its host once and check every address; raises UnsafeDestination."""
    if allow_private is None:
        allow_private = settings.SAFE_FETCH_ALLOW_PRIVATE
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeDestination(_("This is not a valid web address.")) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnsafeDestination(_("Only http:// and https:// addresses can be used."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeDestination(_("Addresses with a user name or password in them are not supported."))
    if not parts.hostname:
        raise UnsafeDestination(_("The address has no host name."))
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise UnsafeDestination(_("The host name is not valid.")) from None
    port = port or _DEFAULT_PORTS[scheme]
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeDestination(_("The host name %(host)s could not be resolved.") % {"host": host}) from None
    if not addresses:
        raise UnsafeDestination(_("The host name %(host)s could not be resolved.") % {"host": host})
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise UnsafeDestination(
                    _("%(host)s leads to %(address)s, which is not a public internet address.")
                    % {"host": host, "address": address}
                )
    target = iri_to_uri(parts.path or "/") + (f"?{iri_to_uri(parts.query)}" if parts.query else "")
    return Destination(scheme=scheme, host=host, port=port, target=target, addresses=tuple(addresses))


def validate_public_url(value: str) -> None:
    """Model/form validator: the URL may be fetched by safe_fetch (checked when saved)."""
    try:
        check_destination(value)
    except UnsafeDestination as exc:
        raise ValidationError(exc.message, code=exc.code) from None


# ---------------------------------------------------------------- the exchange


class _Clock:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(self.seconds)
        return left


class _DeadlineSocket:
    """What http.client needs of a socket (sendall, makefile, close), every call bounded by the clock.

    Like a real socket, it closes only once the reader made by makefile() is closed too: http.client
    closes the connection as soon as the headers say "Connection: close", before the body is read.
    """

    def __init__(self, sock: socket.socket, clock: _Clock) -> None:
        self.sock, self.clock = sock, clock
        self.readers = 0
        self.closed = False

    def sendall(self, data) -> None:
        self.sock.settimeout(self.clock.left())
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise DeadlineExceeded(self.clock.seconds) from None

    def recv_into(self, buffer) -> int:
        self.sock.settimeout(self.clock.left())
        try:
            return self.sock.recv_into(buffer)
        except TimeoutError:
            raise DeadlineExceeded(self.clock.seconds) from None

    def makefile(self, *args, **kwargs) -> io.BufferedReader:
        self.readers += 1
        return io.BufferedReader(_DeadlineReader(self))

    def reader_closed(self) -> None:
        self.readers -= 1
        if self.closed and not self.readers:
            self.sock.close()

    def close(self) -> None:
        self.closed = True
        if not self.readers:
            self.sock.close()


class _DeadlineReader(io.RawIOBase):
    def __init__(self, owner: _DeadlineSocket) -> None:
        self.owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self.owner.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self.owner.reader_closed()
        super().close()


class _PinnedConnection(HTTPConnection):
    """An HTTP(S) connection to a checked address, speaking to the original host name."""

    def __init__(self, destination: Destination, clock: _Clock, ssl_context: ssl.SSLContext | None) -> None:
        super().__init__(destination.host, destination.port)
        self.destination, self.clock, self.ssl_context = destination, clock, ssl_context
        self.peer = ""

    def connect(self) -> None:
        problem: OSError | None = None
        for address in self.destination.addresses:
            try:
                sock = socket.create_connection((str(address), self.port), timeout=self.clock.left())
            except TimeoutError:
                raise DeadlineExceeded(self.clock.seconds) from None
            except OSError as exc:
                problem = exc
                continue
            self.peer = str(address)
            break
        else:
            raise FetchFailed(problem)
        if self.destination.scheme == "https":
            context = self.ssl_context or ssl.create_default_context()
            sock.settimeout(self.clock.left())
            try:
                sock = context.wrap_socket(sock, server_hostname=self.destination.host)
            except TimeoutError:
                sock.close()
                raise DeadlineExceeded(self.clock.seconds) from None
            except (OSError, ValueError) as exc:
                sock.close()
                raise FetchFailed(exc) from None
        self.sock = _DeadlineSocket(sock, self.clock)


@dataclass(frozen=True)
class FetchResponse:
    status: int
    headers: Message
    body: bytes
    truncated: bool  # the body was longer than max_bytes
    address: str  # the address that was connected to

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    def text(self) -> str:
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.body.decode("utf-8", errors="replace")


def safe_fetch(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    deadline: float = 10.0,
    max_bytes: int = 256 * 1024,
    allow_private: bool | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> FetchResponse:
    """Send one request to `url` under the rules above; raises a FetchError subclass on any problem."""
    destination = check_destination(url, allow_private=allow_private)
    clock = _Clock(deadline)
    connection = _PinnedConnection(destination, clock, ssl_context)
    response = None
    try:
        connection.request(
            method, destination.target, body=body, headers={"Connection": "close", **(headers or {})}
        )
        response = connection.getresponse()
        content = response.read(max_bytes + 1)
        return FetchResponse(
            status=response.status,
            headers=response.headers,
            body=content[:max_bytes],
            truncated=len(content) > max_bytes,
            address=connection.peer,
        )
    except FetchError:
        raise
    except TimeoutError:
        raise DeadlineExceeded(deadline) from None
    except (OSError, HTTPException, ValueError) as exc:  # refused, reset, malformed answer
        raise FetchFailed(exc) from None
    finally:
        if response is not None:
            response.close()
        connection.close()


def text_excerpt(response: FetchResponse, limit: int = 200) -> str:
    """A short plain-text excerpt of the body: tags stripped, entities decoded, spaces collapsed."""
    text = response.text()
    if "<" in text:  # markup: keep the words people would see, one space where a tag was
        text = strip_tags(_TAG.sub(" ", _SCRIPTS_AND_STYLES.sub(" ", text)))
    return " ".join(html.unescape(text).split())[:limit]
