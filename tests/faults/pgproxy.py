"""A PostgreSQL-aware TCP proxy that injects faults between a client and its server.

It can cut a connection at a chosen frontend message (before or after the server sees it),
freeze the wire, drop every connection, refuse new ones, or answer like a server that is
still starting up.

The proxy runs its own event loop in a daemon thread: the tests run in a session-wide loop
of their own (and may block it), and a `serve` subprocess may talk to the proxy while a test
waits. Every control method may be called from any thread and has taken effect when it
returns.

Encryption requests (SSLRequest, GSSENCRequest) are declined by the proxy itself with b"N",
so the stream stays readable; clients that require TLS cannot use the proxy.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

T = TypeVar("T")

DEFAULT_PORT = 5432
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
# PostgreSQL's own limit (MAX_STARTUP_PACKET_LENGTH): anything longer is not a startup packet.
MAX_STARTUP_LENGTH = 10_000
READY_FOR_QUERY = b"Z"

When = Literal["before", "after"]


# --- Where the server is -----------------------------------------------------------------


@dataclass(frozen=True)
class TcpUpstream:
    host: str
    port: int


@dataclass(frozen=True)
class UnixUpstream:
    path: str


Upstream = TcpUpstream | UnixUpstream


def _split_netloc(netloc: str) -> tuple[str, str, str]:
    """(userinfo, host, port) of a URL's netloc, host unquoted; parts may be empty."""
    userinfo, _, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        return userinfo, host, rest.removeprefix(":")
    host, _, port = hostport.partition(":")
    return userinfo, unquote(host), port


def upstream_from_url(url: str) -> Upstream:
    """The server a PostgreSQL URL points at; `?host=/dir` means the unix socket in /dir."""
    parts = urlsplit(url)
    _, host, port = _split_netloc(parts.netloc)
    query = dict(parse_qsl(parts.query))
    host = query.get("host", host)
    port = query.get("port", port) or str(DEFAULT_PORT)
    if not host:
        raise ValueError(f"no host in {url!r}")
    if "," in host or "," in port:
        raise ValueError(f"multi-host URLs are not supported: {url!r}")
    if host.startswith("/"):
        return UnixUpstream(f"{host.rstrip('/')}/.s.PGSQL.{int(port)}")
    return TcpUpstream(host, int(port))


def proxied_url(url: str, port: int, host: str = "127.0.0.1") -> str:
    """The same user, password, database and options as `url`, reached through host:port."""
    parts = urlsplit(url)
    userinfo, _, _ = _split_netloc(parts.netloc)
    netloc = f"{userinfo}@{host}:{port}" if userinfo else f"{host}:{port}"
    options = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(key, value) for key, value in options if key not in ("host", "port")])
    return urlunsplit(parts._replace(netloc=netloc, query=query))


# --- Wire format -------------------------------------------------------------------------


class FramingError(Exception):
    """The byte stream is not PostgreSQL v3 protocol."""


@dataclass(frozen=True)
class Message:
    """A typed protocol message: one type byte, then the payload (length not included)."""

    kind: bytes
    payload: bytes

    def encode(self) -> bytes:
        return self.kind + struct.pack("!i", len(self.payload) + 4) + self.payload


def error_response(code: str, message: str, severity: str = "FATAL") -> bytes:
    """An ErrorResponse as a server sends it."""
    fields = {b"S": severity, b"V": severity, b"C": code, b"M": message}
    body = b"".join(tag + value.encode() + b"\0" for tag, value in fields.items()) + b"\0"
    return Message(b"E", body).encode()


STARTING_UP = error_response("57P03", "the database system is starting up")


async def read_untyped(reader: asyncio.StreamReader) -> bytes:
    """One startup-phase message, length included."""
    head = await reader.readexactly(4)
    (length,) = struct.unpack("!i", head)
    if not 8 <= length <= MAX_STARTUP_LENGTH:
        raise FramingError(f"startup message of length {length}")
    return head + await reader.readexactly(length - 4)


def request_code(untyped: bytes) -> int:
    """The protocol version or special request code of a startup-phase message."""
    code: int = struct.unpack_from("!i", untyped, 4)[0]
    return code


async def read_typed(reader: asyncio.StreamReader) -> Message:
    head = await reader.readexactly(5)
    (length,) = struct.unpack("!i", head[1:])
    if length < 4:
        raise FramingError(f"message {head[:1]!r} of length {length}")
    return Message(head[:1], await reader.readexactly(length - 4))


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, as a dead or refusing peer would."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family != socket.AF_UNIX:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _quietly(work: Coroutine[Any, Any, None]) -> None:
    """Run one side of a link; a peer going away just ends it."""
    with contextlib.suppress(OSError, asyncio.IncompleteReadError, FramingError):
        await work


# --- One client connection ---------------------------------------------------------------


class _Link:
    """A client connection and, once opened, its server connection."""

    def __init__(self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter):
        self.client_reader = client_reader
        self.client = client
        self.server: asyncio.StreamWriter | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.closed = False
        # After an "after" cut the server's answers are swallowed; this marks the first one.
        self.muted = False
        self.answered = asyncio.Event()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self.tasks.add(asyncio.create_task(_quietly(work)))

    def pending(self) -> set[asyncio.Task[None]]:
        return {task for task in self.tasks if not task.done()}

    def close(self, *, reset: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        for writer in (self.client, self.server):
            if writer is None:
                continue
            if reset:
                _reset(writer)
            else:
                writer.close()
        current = asyncio.current_task()
        for task in self.tasks:
            if task is not current:
                task.cancel()


@dataclass
class _CutRule:
    pattern: bytes
    when: When
    remaining: int


@dataclass(frozen=True)
class ProxyStats:
    accepted: int  # client connections accepted, refused ones included
    open: int  # client connections open now
    upstream: int  # connections the proxy opened to the server
    cuts: int  # completed cuts


# --- The proxy ---------------------------------------------------------------------------


class PgProxy:
    """A fault-injecting proxy in front of one PostgreSQL server; start() once, stop() once."""

    def __init__(
        self,
        upstream: Upstream,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        answer_wait: float = 1.0,
    ) -> None:
        self.upstream = upstream
        self.host = host
        self.port = port
        # How long an "after" cut waits for the server's ReadyForQuery before closing anyway.
        self.answer_wait = answer_wait
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Owned by the proxy loop; other threads reach them through _call().
        self._stopping = asyncio.Event()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._links: set[_Link] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._rules: list[_CutRule] = []
        self._cut_messages: list[Message] = []
        self._refusing = False
        self._starting_up = False
        self._accepted = 0
        self._upstream_opened = 0
        # Waited on from other threads, hence a Condition rather than loop state.
        self._cut_done = threading.Condition()
        self._cuts = 0

    # Lifecycle

    def start(self) -> PgProxy:
        if self._thread is not None:
            raise RuntimeError("a PgProxy starts only once")
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._main(ready)), name="pgproxy", daemon=True
        )
        self._thread.start()
        ready.result(timeout=10)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        with contextlib.suppress(RuntimeError):  # the loop already ended
            loop.call_soon_threadsafe(self._stopping.set)
        thread.join(timeout=10)

    def __enter__(self) -> PgProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def url_for(self, url: str) -> str:
        """The URL of `url`'s database through this proxy."""
        return proxied_url(url, self.port, self.host)

    # Faults

    def cut_at(self, pattern: bytes, *, when: When, times: int = 1) -> None:
        """Cut the connection whose frontend message contains `pattern`, the next `times` times.

        before: the message is not forwarded and both sides are closed.
        after: the message reaches the server, whose answers are swallowed; both sides are
        closed once it is ready for the next query (or after answer_wait).
        """
        if when not in ("before", "after") or times < 1 or not pattern:
            raise ValueError("cut_at needs a pattern, when='before'|'after' and times >= 1")
        self._call(lambda: self._rules.append(_CutRule(pattern, when, times)))

    def freeze(self) -> None:
        """Stop forwarding in both directions, on every connection, until thaw()."""
        self._call(self._flowing.clear)

    def thaw(self) -> None:
        self._call(self._flowing.set)

    def drop_all(self) -> int:
        """Reset every open connection, both sides; returns how many there were."""
        return self._call(self._drop_all)

    def refuse(self, on: bool = True) -> None:
        """While on, new client connections are reset as soon as they are accepted."""

        def switch() -> None:
            self._refusing = on

        self._call(switch)

    def starting_up(self, on: bool = True) -> None:
        """While on, new clients get 57P03 'the database system is starting up' from the proxy."""

        def switch() -> None:
            self._starting_up = on

        self._call(switch)

    def reset(self) -> None:
        """Forget pending cuts, thaw, stop refusing and stop starting up; counters stay."""

        def heal() -> None:
            self._rules.clear()
            self._flowing.set()
            self._refusing = self._starting_up = False

        self._call(heal)

    # Observation

    def stats(self) -> ProxyStats:
        return self._call(self._stats)

    def cut_messages(self) -> list[Message]:
        """The frontend messages that triggered a cut, oldest first."""
        return self._call(lambda: list(self._cut_messages))

    def wait_for_cuts(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Block until `count` cuts have completed; False on timeout.

        From a coroutine: `await asyncio.to_thread(proxy.wait_for_cuts)`.
        """
        with self._cut_done:
            return self._cut_done.wait_for(lambda: self._cuts >= count, timeout)

    # Inside the proxy loop

    def _call(self, fn: Callable[[], T]) -> T:
        """Run fn on the proxy loop and return its result, so state has one owner."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            raise RuntimeError("the proxy is not running")
        if threading.current_thread() is thread:
            return fn()
        result: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                result.set_result(fn())
            except Exception as error:
                result.set_exception(error)

        loop.call_soon_threadsafe(run)
        return result.result(timeout=10)

    async def _main(self, ready: concurrent.futures.Future[None]) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            server = await asyncio.start_server(self._accept, self.host, self.port)
        except OSError as error:
            ready.set_exception(error)
            return
        self.port = server.sockets[0].getsockname()[1]
        ready.set_result(None)
        async with server:
            await self._stopping.wait()
            server.close()
            self._drop_all()
            # Handlers left for asyncio.run to cancel make Python 3.11's streams log an error.
            if self._handlers:
                await asyncio.wait(self._handlers, timeout=5)

    def _drop_all(self) -> int:
        links = [link for link in self._links if not link.closed]
        for link in links:
            link.close(reset=True)
        return len(links)

    def _stats(self) -> ProxyStats:
        open_links = sum(not link.closed for link in self._links)
        return ProxyStats(self._accepted, open_links, self._upstream_opened, self._cuts)

    def _record_cut(self) -> None:
        with self._cut_done:
            self._cuts += 1
            self._cut_done.notify_all()

    def _take_rule(self, message: Message) -> _CutRule | None:
        for rule in self._rules:
            if rule.pattern in message.payload:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
                self._cut_messages.append(message)
                return rule
        return None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._accepted += 1
        if self._refusing:
            _reset(writer)
            return
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        handler.add_done_callback(self._handlers.discard)
        link = _Link(reader, writer)
        self._links.add(link)
        link.spawn(self._answer_starting_up(link) if self._starting_up else self._relay(link))
        try:
            while pending := link.pending():
                await asyncio.wait(pending)
        finally:
            link.close()
            self._links.discard(link)

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        await self._flowing.wait()
        writer.write(data)
        await writer.drain()

    async def _startup_packet(self, link: _Link) -> bytes:
        """The client's StartupMessage or CancelRequest, encryption declined on the way."""
        while True:
            packet = await read_untyped(link.client_reader)
            if request_code(packet) not in (SSL_REQUEST, GSSENC_REQUEST):
                return packet
            await self._send(link.client, b"N")

    async def _answer_starting_up(self, link: _Link) -> None:
        try:
            if request_code(await self._startup_packet(link)) != CANCEL_REQUEST:
                await self._send(link.client, STARTING_UP)
        finally:
            link.close()

    async def _relay(self, link: _Link) -> None:
        self._upstream_opened += 1
        if isinstance(self.upstream, UnixUpstream):
            reader, writer = await asyncio.open_unix_connection(self.upstream.path)
        else:
            reader, writer = await asyncio.open_connection(self.upstream.host, self.upstream.port)
        link.server = writer
        link.spawn(self._client_to_server(link, writer))
        link.spawn(self._server_to_client(link, reader))

    async def _client_to_server(self, link: _Link, server: asyncio.StreamWriter) -> None:
        try:
            await self._send(server, await self._startup_packet(link))
            while True:
                message = await read_typed(link.client_reader)
                rule = None if link.muted else self._take_rule(message)
                if rule is not None and rule.when == "before":
                    link.close()
                    self._record_cut()
                    return
                await self._send(server, message.encode())
                if rule is not None:
                    link.muted = True
                    link.spawn(self._close_after_answer(link))
        finally:
            link.close()

    async def _server_to_client(self, link: _Link, server: asyncio.StreamReader) -> None:
        try:
            while True:
                message = await read_typed(server)
                if not link.muted:
                    await self._send(link.client, message.encode())
                elif message.kind == READY_FOR_QUERY:
                    link.answered.set()
        finally:
            link.close()

    async def _close_after_answer(self, link: _Link) -> None:
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(link.answered.wait(), self.answer_wait)
        finally:
            link.close()
            self._record_cut()
