"""Which webhook URLs may be called: http(s) only, and — unless a setting allows it — never an
address inside our own network (loopback, private, link-local, …), so a webhook cannot be
used to reach internal services. Checked when an endpoint is saved and again before each
attempt, since a name can resolve elsewhere later; and each attempt connects to the very
address that was checked (`pinned`), so a name that resolves differently a moment later (DNS
rebinding) cannot slip an internal address in between the check and the connection."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

MAX_URL_LENGTH = 2_000
RESOLVE_TIMEOUT_SECONDS = 3.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedUrl(ValueError):
    """A URL a webhook may not call, with the reason."""


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def check_syntax(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL without credentials; RefusedUrl otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedUrl(f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise RefusedUrl(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise RefusedUrl("must be an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("must not carry credentials")
    if parts.fragment:
        raise RefusedUrl("must not have a fragment")
    try:
        host.encode("idna")
    except UnicodeError:
        raise RefusedUrl("the host is not a valid name") from None
    return host, port or (443 if parts.scheme == "https" else 80)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS
        )
    except (OSError, TimeoutError, UnicodeError) as exc:
        raise RefusedUrl(f"the host '{host}' does not resolve") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _refuse_internal(host: str, addresses: list[IPAddress]) -> None:
    refused = [str(address) for address in addresses if not _public(address)]
    if refused:
        raise RefusedUrl(
            f"'{host}' resolves to a non-public address ({', '.join(sorted(set(refused)))});"
            " set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow it (development and tests only)"
        )


async def check(url: str, *, allow_private: bool) -> None:
    """Refuse (RefusedUrl) a URL that is malformed or reaches a non-public address (when an
    endpoint is saved; with private addresses allowed, the name need not resolve yet)."""
    host, port = check_syntax(url)
    if not allow_private:
        _refuse_internal(host, await resolve(host, port))


async def address_to_call(url: str, *, allow_private: bool) -> IPAddress:
    """The checked address an attempt connects to (RefusedUrl when there is none)."""
    host, port = check_syntax(url)
    addresses = await resolve(host, port)
    if not allow_private:
        _refuse_internal(host, addresses)
    if not addresses:
        raise RefusedUrl(f"the host '{host}' does not resolve")
    return addresses[0]


@dataclass(frozen=True)
class Pinned:
    """A request aimed at one address while naming the original host."""

    url: str  # the URL with the address in place of the host
    host_header: str  # the original host (and port, when the URL had one)
    server_name: str  # for TLS: the name the certificate must carry (SNI)


def pinned(url: str, address: IPAddress) -> Pinned:
    """The URL aimed at `address`, with the Host header and TLS server name of the original."""
    original = httpx.URL(url)
    return Pinned(
        url=str(original.copy_with(host=str(address))),
        host_header=original.netloc.decode("ascii"),
        server_name=original.host,
    )
