"""The fetcher's connections: each resolves its host once (through the policy's resolver, in a
thread the fetch does not wait on past its deadline), checks every address against the policy,
and connects to an address it checked, so a DNS answer that changes between the check and the
connection (rebinding) cannot move it; TLS still names the URL's host (SNI, certificate) and
the request its Host header, as httpx sends them.

One `Deadline` bounds a whole fetch: connect, TLS, headers and body. Every socket operation
waits at most what is left of it, and a watchdog shuts the fetch's sockets down when it passes
(or on `cancel()`), so a server that sends one byte a second cannot hold the fetch, or the
thread that runs it, past the deadline."""

from __future__ import annotations

import contextvars
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from newsnlp.documents.addresses import AddressPolicy, IPAddress, parse_address

SLICE_S = 0.25  # how often a waiting read looks at the deadline and a cancel


class Refused(Exception):
    """A connection the address policy does not allow (never attempted)."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class Deadline:
    """The time one fetch may take, across its requests; `cancel()` ends it now, from any thread."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.cancelled = False
        self.passed = False  # the watchdog fired (a timer may wake a hair before `at`)
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return 0.0 if self.cancelled or self.passed else max(0.0, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def extend(self, seconds: float) -> None:
        """Time spent waiting politely (the per-host rate) is not the server's: it is added back."""
        self.at += seconds

    def clamp(self, timeout: float | None) -> float:
        """A socket operation's timeout: its own, but never past the deadline."""
        left = self.remaining()
        if left <= 0.0:
            raise httpcore.ReadTimeout("the fetch's deadline has passed")
        return left if timeout is None else min(timeout, left)

    def watch(self, sock: socket.socket) -> socket.socket:
        """Shut `sock` down when the deadline passes (a duplicate of it, which TLS's wrapping
        leaves open); the caller closes the returned duplicate with the stream."""
        twin = sock.dup()
        with self._lock:
            self._sockets.append(twin)
        return twin

    def unwatch(self, twin: socket.socket) -> None:
        with self._lock:
            if twin in self._sockets:
                self._sockets.remove(twin)
        twin.close()

    def _expire(self) -> None:
        self.passed = True
        self._shut_down()

    def cancel(self) -> None:
        self.cancelled = True
        self._shut_down()

    def _shut_down(self) -> None:
        with self._lock:
            for twin in self._sockets:
                try:
                    twin.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    @contextmanager
    def armed(self) -> Iterator[None]:
        """A watchdog over the block: past the deadline, the fetch's sockets are shut down, so a
        read blocked in the kernel (or a TLS handshake sent a byte at a time) returns."""
        timer = threading.Timer(self.remaining(), self._expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()


@dataclass
class Journey:
    """One fetch's connections: its policy, its deadline, and whether it reached a public address
    (after which a private one is refused)."""

    policy: AddressPolicy
    deadline: Deadline
    public_seen: bool = False

    def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The host's addresses the policy allows, resolved once; Refused if none is."""
        literal = parse_address(host.strip("[]"))
        found = [literal] if literal is not None else self._resolve(host, port)
        if host in self.policy.allow_hosts:
            return found
        allowed = [a for a in found if self.policy.refusal(a, self.public_seen) is None]
        if not allowed:
            reason = self.policy.refusal(found[0], self.public_seen) if found else None
            raise Refused(reason or f"DNS lookup found no address for {host}")
        return allowed

    def reached(self, address: IPAddress) -> None:
        if self.policy.is_public(address):
            self.public_seen = True

    def _resolve(self, host: str, port: int) -> list[IPAddress]:
        """The resolver's answer, waited for no longer than the deadline allows (getaddrinfo
        cannot be interrupted: it finishes in its own daemon thread)."""
        answer: dict[str, Any] = {}

        def lookup() -> None:
            try:
                answer["addresses"] = list(self.policy.resolver(host, port))
            except (OSError, UnicodeError, ValueError) as exc:
                answer["error"] = exc

        worker = threading.Thread(target=lookup, name="nlp-dns", daemon=True)
        worker.start()
        worker.join(self.deadline.remaining())
        if worker.is_alive():
            raise httpcore.ConnectTimeout(f"DNS lookup of {host} took longer than the fetch's deadline")
        if "error" in answer:
            raise Refused(f"DNS lookup failed for {host} ({str(answer['error'])[:80]})")
        addresses = [parse_address(a) for a in answer.get("addresses", [])]
        return [a for a in addresses if a is not None]


_JOURNEY: contextvars.ContextVar[Journey | None] = contextvars.ContextVar("nlp_fetch_journey", default=None)


@contextmanager
def journey(current: Journey) -> Iterator[None]:
    """Connections made in the block follow `current` (httpx connects in the calling thread)."""
    token = _JOURNEY.set(current)
    try:
        yield
    finally:
        _JOURNEY.reset(token)


class _Stream(httpcore.NetworkStream):
    """A socket stream whose every wait ends by the deadline (and is cut short by a cancel)."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline, twin: socket.socket) -> None:
        self.inner, self.deadline, self.twin = inner, deadline, twin

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        waited_until = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            left = waited_until - time.monotonic()
            if left <= 0.0:  # never a zero timeout: a TLS socket would answer SSLWantReadError, not a timeout
                raise httpcore.ReadTimeout("no bytes within fetch.timeout_s")
            step = min(self.deadline.clamp(timeout), SLICE_S, left)  # past the deadline: ReadTimeout, out of the loop
            try:
                return self.inner.read(max_bytes, step)
            except httpcore.ReadTimeout:
                continue

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.deadline.clamp(timeout))

    def close(self) -> None:
        self.deadline.unwatch(self.twin)
        self.inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self.inner.start_tls(ssl_context, server_hostname, self.deadline.clamp(timeout))
        return _Stream(inner, self.deadline, self.twin)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """httpcore's network, connecting only to addresses the current journey checked."""

    def __init__(self) -> None:
        from httpcore._backends.sync import SyncBackend  # noqa: PLC2701 (httpcore's own sockets and TLS, reused)

        self._plain = SyncBackend()

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        current = _JOURNEY.get()
        if current is None:
            raise Refused("a connection outside a fetch")  # every request goes through Fetcher
        failure: Exception | None = None
        for address in current.addresses(host, port):
            try:
                inner = self._plain.connect_tcp(str(address), port, current.deadline.clamp(timeout), local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            current.reached(address)
            sock = inner.get_extra_info("socket")
            return _Stream(inner, current.deadline, current.deadline.watch(sock))
        raise failure or httpcore.ConnectError(f"no address of {host} could be reached")

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise Refused("unix sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def pinned_transport() -> httpx.HTTPTransport:
    """An httpx transport over `PinnedBackend`, one connection per request (a pooled connection
    would outlive the check that allowed it)."""
    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(  # httpx builds its pool without a network backend argument
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=16,
        max_keepalive_connections=0,
        network_backend=PinnedBackend(),
    )
    return transport
