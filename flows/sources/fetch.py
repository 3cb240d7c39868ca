"""Fetch a source's bytes from a URL or a file, safely: timeouts, size caps, retries, redirects
and conditional requests. Every failure is a `FetchError` whose message is the readable reason.

- Conditional GET: `If-None-Match` / `If-Modified-Since` from the previous fetch; a 304, or a 200
  whose body hashes to the previous body's sha256, comes back as ``status="not_modified"``.
- Time: `connect_timeout_s` per connection attempt, `read_timeout_s` per socket read, and
  `total_timeout_s` per attempt (every redirect, the headers and the whole body). With the
  default client the total limit bounds every single socket read, so neither a server that
  drips its body nor one that drips its headers can hold a fetch past it.
- Size: `max_bytes` is checked against Content-Length before reading, then against the bytes
  received and the decoded bytes while streaming. gzip and deflate are decoded here, in bounded
  steps, so a small compressed body cannot inflate past the limit in memory.
- Retries: transient failures are retried `retries` times: 408, 429 and 5xx answers (but 501
  and 505, which say the request can never work), connection failures and timeouts. The wait is
  Retry-After (seconds or an HTTP date) when the server gives one, else a backoff of 1 s, 2 s,
  4 s... with jitter (each wait drawn between half and all of it, so sources that failed
  together do not come back together), never more than `max_retry_wait_s`. A Retry-After
  longer than that ends the fetch at once: asking again sooner would only be refused again.
  Permanent failures (other 4xx, a refused address, a body too large, a parse error later) are
  never retried. One `fetch_url` call therefore lasts at most about
  ``(retries + 1) * total_timeout_s + retries * max_retry_wait_s``.
- Addresses: the host of the URL, and of every redirect before it is followed, is resolved and
  refused when any of its addresses is not public (private, loopback, link-local, shared,
  multicast, reserved or unspecified; IPv4 inside IPv6 is unwrapped), before any connection.
  `allow_private_hosts` (host names, addresses or CIDR ranges) lets a house server through;
  cloud metadata addresses are refused whatever it says. The default client then connects to
  the very addresses that were checked, so a name that resolves differently a moment later
  (DNS rebinding) cannot move the connection elsewhere.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import ipaddress
import random
import socket
import ssl
import stat
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Literal

import httpcore
import httpx

from flows.config import FetchSettings

USER_AGENT = "morning-brief/0.1 (+https://example.invalid)"
# answers worth asking again: timeout, rate limit and every server error but the two that say
# the request itself can never be served (501 Not Implemented, 505 HTTP Version Not Supported)
RETRY_STATUSES = frozenset({408, 429} | (set(range(500, 600)) - {501, 505}))

_sleep = time.sleep  # replaced in tests to record retry waits without waiting
_jitter = random.Random()  # the share of a backoff actually waited; seeded in tests
_getaddrinfo = socket.getaddrinfo  # replaced in tests: names resolve without a DNS query

# Per expected kind: Content-Type fragments that are acceptable, and how to name the kind.
_ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
    "feed": ("xml", "rss", "atom", "json", "text/plain", "octet-stream"),
    "json": ("json", "javascript", "text/plain", "octet-stream"),
    "csv": ("csv", "comma-separated", "vnd.ms-excel", "text/plain", "octet-stream"),
    "yaml": ("yaml", "yml", "text/plain", "octet-stream"),
}
_KIND_NAMES = {"feed": "a feed", "json": "JSON", "csv": "CSV", "yaml": "YAML"}
_ACCEPT_HEADERS = {
    "feed": "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    "json": "application/json, */*;q=0.5",
    "csv": "text/csv, */*;q=0.5",
    "yaml": "application/yaml, text/yaml, */*;q=0.5",
}
_TIMEOUT_ERRORS = (httpx.TimeoutException, httpcore.TimeoutException)
_CONNECT_ERRORS = (httpx.ConnectError, httpcore.ConnectError)
_READ_ERRORS = (httpx.ReadError, httpcore.ReadError, httpx.WriteError, httpcore.WriteError)
_PROTOCOL_ERRORS = (httpx.RemoteProtocolError, httpcore.RemoteProtocolError)
_HTTP_ERRORS = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpcore.ConnectionNotAvailable,
    httpcore.NetworkError,
    httpcore.TimeoutException,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
)


_DEFAULTS = FetchSettings()


@dataclass(frozen=True)
class Limits:
    """How long and how much one fetch may take, and how often it is retried."""

    # the defaults are the configuration's `[fetch]` defaults (flows.config.FetchSettings)
    connect_timeout_s: float = _DEFAULTS.connect_timeout_s
    read_timeout_s: float = _DEFAULTS.read_timeout_s  # per socket read
    total_timeout_s: float = _DEFAULTS.total_timeout_s  # per attempt: redirects, headers, body
    max_bytes: int = _DEFAULTS.max_bytes  # on the received and on the decoded bytes
    max_redirects: int = _DEFAULTS.max_redirects
    retries: int = _DEFAULTS.retries  # for 429/502/503/504 and connection failures
    max_retry_wait_s: float = _DEFAULTS.max_retry_wait_s
    # hosts, addresses or CIDR ranges that may be private (a house server); never metadata
    allow_private_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:  # a list from the configuration becomes a tuple
        object.__setattr__(self, "allow_private_hosts", tuple(self.allow_private_hosts))


@dataclass(frozen=True)
class Validators:
    """What the store keeps from the last successful fetch of a source."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None  # sha256 hex of the last body


@dataclass(frozen=True)
class Fetched:
    """The result of one fetch; `body` is empty when the source has not changed."""

    status: Literal["fetched", "not_modified"]
    body: bytes
    validators: Validators  # to store for next time
    http_status: int | None  # None for files
    content_type: str | None  # the Content-Type header as sent (charset included)
    final_url: str | None  # after redirects; None for files
    elapsed_s: float


class FetchError(Exception):
    """The source could not be fetched; the message is the reason, in plain words."""


class RefusedAddress(FetchError):
    """The host resolves to an address that is not public and not allowed: nothing was sent."""


class _Retry(Exception):
    """A failure worth another attempt: a transient HTTP status, a connection failure or a
    timeout."""

    def __init__(
        self,
        reason: str,
        retry_after: float | None = None,
        retry_after_text: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.retry_after_text = retry_after_text
        self.status = status

    def too_long(self, limit: float) -> str:
        """The reason when the server asks for a longer wait than the configuration allows."""
        what = "HTTP 429: rate limited" if self.status == 429 else self.reason
        return (
            f"{what}; the server asks to wait {self.retry_after:g} s (Retry-After "
            f"{self.retry_after_text}), more than max_retry_wait_s = {limit:g} s"
        )

    def final_reason(self, retries: int) -> str:
        after = f"after {retries} {'retry' if retries == 1 else 'retries'}"
        hint = f" (Retry-After {self.retry_after_text})" if self.retry_after_text else ""
        if self.status == 429:
            return f"HTTP 429: still rate limited {after}{hint}"
        if self.status is not None:
            return f"{self.reason}: still failing {after}{hint}"
        return f"{self.reason} ({after})" if retries else self.reason


# --- public functions -----------------------------------------------------------------------


def fetch_url(
    url: str,
    previous: Validators | None = None,
    limits: Limits = Limits(),
    *,
    client: httpx.Client | None = None,
    expect: str | None = None,
) -> Fetched:
    """GET `url` within `limits`; raise FetchError with the reason when it cannot be had.

    `expect` ("feed", "json", "csv", "yaml" or None) rejects a clearly wrong Content-Type
    before the body is read; a missing Content-Type is accepted. A `client` given by the
    caller is used as it is (its own transport and cookies), with this module's headers and
    per-request timeouts; only the default client also bounds each socket read by the total
    time limit. Every host (the URL's and each redirect's) is resolved and checked before it is
    contacted, whichever the client; only the default client is also pinned to the addresses
    that were checked (a caller's client resolves the name again when it connects).
    """
    started = time.monotonic()
    if expect is not None and expect not in _ACCEPTED_TYPES:
        raise FetchError(
            f"unknown expected kind {expect!r} (known: {', '.join(sorted(_ACCEPTED_TYPES))})"
        )
    _check_url(url)
    guard = _Guard(limits.allow_private_hosts)
    backend: _DeadlineBackend | None = None
    own_client = client is None
    try:
        if client is None:
            backend = _DeadlineBackend(guard)
            # No proxies from the environment: the connection must go to the checked address.
            client = httpx.Client(transport=_DeadlineTransport(backend), trust_env=False)
        attempt = 0
        while True:
            deadline = time.monotonic() + limits.total_timeout_s
            if backend is not None:
                backend.deadline = deadline
            try:
                result = _attempt(client, url, previous, limits, expect, deadline, guard)
            except _Retry as retry:
                if attempt >= limits.retries:
                    raise FetchError(retry.final_reason(attempt)) from retry
                if retry.retry_after is not None and retry.retry_after > limits.max_retry_wait_s:
                    raise FetchError(retry.too_long(limits.max_retry_wait_s)) from retry
                attempt += 1
                _sleep(_retry_wait(retry, attempt, limits))
                continue
            return replace(result, elapsed_s=time.monotonic() - started)
    except FetchError:
        raise
    except Exception as exc:  # a bug or an unforeseen library error must not stop the run
        raise FetchError(f"unexpected error fetching {url}: {type(exc).__name__}: {exc}") from exc
    finally:
        if own_client and client is not None:
            with contextlib.suppress(Exception):  # sockets that already failed
                client.close()


def fetch_path(
    path: Path | str, previous: Validators | None = None, limits: Limits = Limits()
) -> Fetched:
    """Read a file as if it were fetched: same limits, same `not_modified` by content hash.

    `last_modified` is the file's mtime as an HTTP date.
    """
    started = time.monotonic()
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise FetchError(f"not a regular file: {path}")
        if info.st_size > limits.max_bytes:
            raise FetchError(
                f"file over the {limits.max_bytes:,} byte limit: {path} is {info.st_size:,} bytes"
            )
        with path.open("rb") as fh:
            body = fh.read(limits.max_bytes + 1)  # the file may grow after stat()
    except FileNotFoundError:
        raise FetchError(f"file not found: {path}") from None
    except PermissionError:
        raise FetchError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(body) > limits.max_bytes:
        raise FetchError(f"file over the {limits.max_bytes:,} byte limit: {path}")
    digest = hashlib.sha256(body).hexdigest()
    validators = Validators(
        last_modified=email.utils.formatdate(info.st_mtime, usegmt=True), content_hash=digest
    )
    same = previous is not None and previous.content_hash == digest
    return Fetched(
        status="not_modified" if same else "fetched",
        body=b"" if same else body,
        validators=validators,
        http_status=None,
        content_type=None,
        final_url=None,
        elapsed_s=time.monotonic() - started,
    )


# --- one attempt: redirects, status, headers, body ----------------------------------------


def _attempt(
    client: httpx.Client,
    url: str,
    previous: Validators | None,
    limits: Limits,
    expect: str | None,
    deadline: float,
    guard: _Guard,
) -> Fetched:
    headers = {
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "gzip, deflate",
        "Accept": _ACCEPT_HEADERS.get(expect or "", "*/*"),
    }
    if previous is not None and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous is not None and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
    try:
        request = client.build_request(
            "GET", url, headers=headers, timeout=_timeouts(limits, deadline)
        )
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}") from None
    visited = [str(request.url)]
    redirects = 0
    came_from: httpx.URL | None = None
    while True:
        _check_host(guard, request.url, came_from)  # before any connection, on every hop
        response = _send(client, request, limits, deadline)
        try:
            if not response.has_redirect_location:
                return _finish(response, previous, conditional, limits, expect, deadline)
            target = response.next_request
            redirects += 1
            if target is None:  # pragma: no cover - httpx sets it when not following
                raise FetchError(f"redirect from {response.url} could not be followed")
            if redirects > limits.max_redirects:
                where = (
                    f"redirect loop at {target.url}"
                    if str(target.url) in visited
                    else f"last to {target.url}"
                )
                raise FetchError(f"too many redirects ({limits.max_redirects}): {where}")
            if target.url.scheme not in ("http", "https"):
                raise FetchError(f"redirect to an unsupported URL: {target.url}")
            target.extensions = {
                **target.extensions,
                "timeout": _timeouts(limits, deadline).as_dict(),
            }
            visited.append(str(target.url))
            came_from, request = response.url, target
        finally:
            response.close()


def _send(
    client: httpx.Client, request: httpx.Request, limits: Limits, deadline: float
) -> httpx.Response:
    """Send one request and return once the headers are in; failures are explained."""
    if time.monotonic() >= deadline:
        raise _Retry(_total_timeout(limits))
    try:
        return client.send(request, stream=True, follow_redirects=False)
    except _TIMEOUT_ERRORS as exc:
        if time.monotonic() >= deadline - 0.01:
            raise _Retry(_total_timeout(limits)) from exc
        if isinstance(exc, httpx.ConnectTimeout | httpcore.ConnectTimeout):
            raise _Retry(
                f"timed out after {limits.connect_timeout_s:g} s (connect to "
                f"{_host_port(request.url)})"
            ) from exc
        if isinstance(exc, httpx.PoolTimeout | httpcore.PoolTimeout):
            raise FetchError(
                f"timed out after {limits.connect_timeout_s:g} s (waiting for a free connection)"
            ) from exc
        if isinstance(exc, httpx.WriteTimeout | httpcore.WriteTimeout):
            raise _Retry(f"timed out after {limits.read_timeout_s:g} s (write)") from exc
        raise _Retry(f"timed out after {limits.read_timeout_s:g} s (read)") from exc
    except _CONNECT_ERRORS as exc:
        reason, retryable = _connect_failure(exc, request.url)
        if retryable:
            raise _Retry(reason) from exc
        raise FetchError(reason) from exc
    except (*_READ_ERRORS, *_PROTOCOL_ERRORS) as exc:
        text = str(exc)
        if "without sending a response" in text or isinstance(exc, _READ_ERRORS):
            raise _Retry(
                f"connection to {_host_port(request.url)} closed before a response"
            ) from exc
        raise FetchError(f"invalid HTTP response from {request.url}: {text}") from exc
    except (httpx.UnsupportedProtocol, httpcore.UnsupportedProtocol) as exc:
        raise FetchError(f"unsupported URL: {request.url}") from exc
    except _HTTP_ERRORS as exc:
        raise FetchError(f"cannot fetch {request.url}: {type(exc).__name__}: {exc}") from exc


def _finish(
    response: httpx.Response,
    previous: Validators | None,
    conditional: bool,
    limits: Limits,
    expect: str | None,
    deadline: float,
) -> Fetched:
    """Turn the final response into a Fetched (or an error, or a retry)."""
    status = response.status_code
    url = str(response.url)
    content_type = response.headers.get("Content-Type")
    etag = response.headers.get("ETag")
    last_modified = response.headers.get("Last-Modified")
    if status == 304:
        if not conditional or previous is None:
            raise FetchError(
                f"HTTP 304 Not Modified from {url} to a request that was not conditional"
            )
        validators = Validators(
            etag=etag or previous.etag,
            last_modified=last_modified or previous.last_modified,
            content_hash=previous.content_hash,
        )
        return Fetched("not_modified", b"", validators, status, content_type, url, 0.0)
    if status in RETRY_STATUSES:
        text = response.headers.get("Retry-After")
        raise _Retry(
            f"HTTP {status} {_phrase(response)} from {url}",
            retry_after=_parse_retry_after(text),
            retry_after_text=text,
            status=status,
        )
    if not 200 <= status < 300:
        raise FetchError(f"HTTP {status} {_phrase(response)} from {url}")
    _check_content_type(content_type, expect)
    declared = _content_length(response)
    if declared is not None and declared > limits.max_bytes:
        raise FetchError(
            f"body over the {limits.max_bytes:,} byte limit (Content-Length {declared:,})"
        )
    body = _read_body(response, declared, limits, deadline)
    digest = hashlib.sha256(body).hexdigest()
    validators = Validators(etag=etag, last_modified=last_modified, content_hash=digest)
    if previous is not None and previous.content_hash == digest:
        return Fetched("not_modified", b"", validators, status, content_type, url, 0.0)
    return Fetched("fetched", body, validators, status, content_type, url, 0.0)


def _read_body(
    response: httpx.Response, declared: int | None, limits: Limits, deadline: float
) -> bytes:
    """Stream the body, decoding it in bounded steps and enforcing size and total time."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    decoder = _Decoder(encoding)
    parts: list[bytes] = []
    received = size = 0

    def take(data: bytes) -> None:
        nonlocal size
        size += len(data)
        if size > limits.max_bytes:
            after = f" (after {encoding} decoding)" if decoder.encoded else ""
            raise FetchError(f"body over the {limits.max_bytes:,} byte limit{after}")
        parts.append(data)

    try:
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > limits.max_bytes:
                raise FetchError(f"body over the {limits.max_bytes:,} byte limit")
            take(decoder.decode(chunk, limits.max_bytes - size + 1))
            if time.monotonic() >= deadline:
                raise _Retry(_total_timeout(limits))
        take(decoder.flush())
    except _TIMEOUT_ERRORS as exc:
        if time.monotonic() >= deadline - 0.01:
            raise _Retry(_total_timeout(limits)) from exc
        raise _Retry(
            f"timed out after {limits.read_timeout_s:g} s (read) after "
            f"{received:,} bytes of the body"
        ) from exc
    except (*_READ_ERRORS, *_PROTOCOL_ERRORS) as exc:
        raise FetchError(_truncated(received, declared)) from exc
    except _HTTP_ERRORS as exc:
        raise FetchError(
            f"cannot read the body from {response.url}: {type(exc).__name__}: {exc}"
        ) from exc
    if declared is not None and received < declared:
        raise FetchError(_truncated(received, declared))
    if received and not decoder.complete:
        raise FetchError(
            f"truncated body: the {encoding} stream ends early (got {received:,} bytes)"
        )
    return b"".join(parts)


class _Decoder:
    """Content-Encoding decoding (identity, gzip, deflate) whose output is never unbounded."""

    def __init__(self, encoding: str) -> None:
        if encoding in ("", "identity"):
            self._obj = None
        elif encoding in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._obj = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchError(f"unsupported Content-Encoding: {encoding}")
        self.encoding = encoding
        self.encoded = self._obj is not None
        self._started = False

    def decode(self, data: bytes, max_length: int) -> bytes:
        """Decode `data`, producing at most `max_length` bytes (reaching it means too big)."""
        if self._obj is None or not data:
            return data
        if self._obj.eof:  # anything after the end of the stream is ignored
            return b""
        try:
            out = self._obj.decompress(data, max_length)
        except zlib.error as exc:
            if self.encoding == "deflate" and not self._started:  # raw deflate, no zlib header
                self._started = True
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.decode(data, max_length)
            raise FetchError(f"cannot decode the {self.encoding} body: {exc}") from None
        self._started = True
        return out

    def flush(self) -> bytes:
        return self._obj.flush() if self._obj is not None else b""

    @property
    def complete(self) -> bool:
        return self._obj is None or self._obj.eof


# --- the default client: every socket operation bounded by the attempt's deadline ----------


class _DeadlineBackend(httpcore.NetworkBackend):
    """Opens sockets whose every connect, read and write waits no later than `deadline`, to
    the addresses `guard` checked for the host (never to a name resolved again)."""

    def __init__(self, guard: _Guard | None = None) -> None:
        self.deadline = float("inf")
        self.guard = guard
        self._backend = httpcore.SyncBackend()

    def cap(self, timeout: float | None, error: type[Exception]) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise error("the total time limit was reached")
        return remaining if timeout is None else min(timeout, remaining)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: object = None,
    ) -> httpcore.NetworkStream:
        # httpcore gives TLS the origin's name (SNI, certificate check) apart from this host,
        # so connecting to the checked address keeps HTTPS verified against the name.
        addresses = [host] if self.guard is None else self.guard.addresses(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = self._backend.connect_tcp(
                    address,
                    port,
                    timeout=self.cap(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,  # type: ignore[arg-type]
                )
            except httpcore.ConnectError as exc:  # the next address of the name, if any
                failure = exc
                continue
            return _DeadlineStream(stream, self)
        assert failure is not None  # addresses is never empty
        raise failure

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, backend: _DeadlineBackend) -> None:
        self._stream = stream
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._backend.cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._backend.cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._stream.start_tls(
            ssl_context, server_hostname, self._backend.cap(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(stream, self._backend)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _DeadlineTransport(httpx.BaseTransport):
    """httpx's default HTTP/1.1 transport, on sockets bounded by the attempt's deadline."""

    def __init__(self, backend: _DeadlineBackend) -> None:
        self._pool = httpcore.ConnectionPool(ssl_context=_ssl_context(), network_backend=backend)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        core_response = self._pool.handle_request(core_request)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_CoreBody(core_response.stream),  # type: ignore[arg-type]
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class _CoreBody(httpx.SyncByteStream):
    def __init__(self, stream: Iterator[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


@cache
def _ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


# --- which addresses may be contacted -----------------------------------------------------

# Cloud metadata services (AWS, and its ECS and IPv6 forms, Alibaba, Oracle; GCP and Azure use
# 169.254.169.254 too): refused even when an allowed range covers them.
_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPAT = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible IPv6
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _embedded_ipv4(ip: _Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses carried inside an IPv6 one (mapped, 6to4, Teredo, NAT64, compatible)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    out = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip.teredo is not None:
        out += list(ip.teredo)
    if ip in _NAT64 or (ip in _COMPAT and int(ip) > 1):
        out.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return out


def _address_kind(ip: _Address) -> str | None:
    """What kind of non-public address `ip` is, or None for a public one."""
    for inner in _embedded_ipv4(ip):
        kind = _address_kind(inner)
        if kind is not None:
            return kind
    checks = (
        (ip in _METADATA, "cloud metadata"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED, "shared (CGNAT)"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "non-public"),
    )
    return next((kind for hit, kind in checks if hit), None)


def _is_metadata(ip: _Address) -> bool:
    return ip in _METADATA or any(inner in _METADATA for inner in _embedded_ipv4(ip))


def _parse_address(host: str) -> _Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def parse_allowed(entries: Iterable[str]) -> tuple[frozenset[str], tuple[_Network, ...]]:
    """`allow_private_hosts` as (host names, networks); an address is a one-address network."""
    names: set[str] = set()
    networks: list[_Network] = []
    for entry in entries:
        text = str(entry).strip().strip("[]")
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            names.add(text.lower().rstrip("."))
    return frozenset(names), tuple(networks)


class _Guard:
    """Resolves hosts, refuses the ones with a non-public address not allowed, and remembers
    the checked addresses of each host for the connection (`addresses`)."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.names, self.networks = parse_allowed(allow)
        self.pinned: dict[str, list[str]] = {}

    def allowed(self, host: str, ip: _Address) -> bool:
        if _is_metadata(ip):
            return False
        if host.lower().rstrip(".") in self.names:
            return True
        candidates = [ip, *_embedded_ipv4(ip)]
        return any(a.version == n.version and a in n for a in candidates for n in self.networks)

    def check(self, host: str, port: int) -> list[str]:
        """The host's addresses, all checked; raise RefusedAddress (or socket.gaierror)."""
        host = host.strip("[]")
        literal = _parse_address(host)
        if literal is not None:
            found: list[_Address] = [literal]
        else:
            infos = _getaddrinfo(host, port, type=socket.SOCK_STREAM)
            found = []
            for info in infos:
                ip = _parse_address(str(info[4][0]))
                if ip is None:  # pragma: no cover - getaddrinfo gives numeric addresses
                    raise socket.gaierror(f"unexpected address {info[4][0]!r}")
                if ip not in found:
                    found.append(ip)
            if not found:
                raise socket.gaierror(f"no address for {host}")
        for ip in found:
            kind = _address_kind(ip)
            if kind is not None and not self.allowed(host, ip):
                a = "an" if kind[0] in "aeiou" else "a"
                what = (
                    f"{host} is {a} {kind} address"
                    if literal is not None
                    else f"{host} resolves to {a} {kind} address {ip}"
                )
                hint = (
                    " (never allowed)"
                    if _is_metadata(ip)
                    else " (not in [fetch] allow_private_hosts)"
                )
                raise RefusedAddress(f"refused: {what}{hint}")
        self.pinned[host] = [str(ip) for ip in found]
        return self.pinned[host]

    def addresses(self, host: str, port: int) -> list[str]:
        """The checked addresses to connect to (checked now if the host was not yet)."""
        host = host.strip("[]")
        pinned = self.pinned.get(host)
        if pinned is not None:
            return pinned
        try:
            return self.check(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise httpcore.ConnectError(f"cannot resolve host {host}") from exc


def _check_host(guard: _Guard, url: httpx.URL, came_from: httpx.URL | None) -> None:
    """Resolve and check the host of `url` before anything is sent to it."""
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        guard.check(host, port)
    except RefusedAddress as exc:
        if came_from is None:
            raise
        raise RefusedAddress(f"{exc} (redirect from {came_from})") from None
    except (OSError, UnicodeError, ValueError) as exc:
        raise _Retry(f"cannot resolve host {url.host}") from exc


# --- helpers -------------------------------------------------------------------------------


def _check_url(url: str) -> None:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(f"not an http(s) URL: {url!r}")


def _timeouts(limits: Limits, deadline: float) -> httpx.Timeout:
    """Per-request timeouts, none beyond what is left of the total time."""
    left = max(deadline - time.monotonic(), 0.001)
    return httpx.Timeout(
        connect=min(limits.connect_timeout_s, left),
        read=min(limits.read_timeout_s, left),
        write=min(limits.read_timeout_s, left),
        pool=min(limits.connect_timeout_s, left),
    )


def _total_timeout(limits: Limits) -> str:
    return f"timed out after {limits.total_timeout_s:g} s (total)"


def _truncated(received: int, declared: int | None) -> str:
    if declared is not None:
        return f"truncated body: got {received:,} of {declared:,} bytes"
    return f"truncated body: the connection closed after {received:,} bytes"


def _phrase(response: httpx.Response) -> str:
    return response.reason_phrase or httpx.codes.get_reason_phrase(response.status_code)


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    if value is None or response.headers.get("Transfer-Encoding"):
        return None
    try:
        length = int(value.split(",")[0].strip())
    except ValueError:
        return None
    return length if length >= 0 else None


def _check_content_type(content_type: str | None, expect: str | None) -> None:
    if expect is None or not content_type:
        return
    media = content_type.split(";")[0].strip().lower()
    if media and not any(part in media for part in _ACCEPTED_TYPES[expect]):
        raise FetchError(f"wrong content type: {media} (expected {_KIND_NAMES[expect]})")


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _retry_wait(retry: _Retry, attempt: int, limits: Limits) -> float:
    """Retry-After when the server gave one, else a backoff of 1 s, 2 s, 4 s... of which a
    random share between half and all is waited; capped either way."""
    if retry.retry_after is not None:
        wait = retry.retry_after
    else:
        wait = 2.0 ** (attempt - 1) * (0.5 + _jitter.random() / 2)
    return max(min(wait, limits.max_retry_wait_s), 0.0)


def _host_port(url: httpx.URL) -> str:
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.host}:{port}"


def _connect_failure(exc: BaseException, url: httpx.URL) -> tuple[str, bool]:
    """A readable reason for a failed connection, and whether another attempt may help."""
    where = _host_port(url)
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (
                f"TLS certificate of {url.host} not accepted: "
                f"{cause.verify_message or cause.reason}",
                False,
            )
        if isinstance(cause, ssl.SSLError):
            return f"TLS error with {url.host}: {cause.reason or cause}", False
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve host {url.host}", True
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused by {where}", True
        if isinstance(cause, ConnectionResetError):
            return f"connection reset by {where}", True
        if isinstance(cause, OSError) and cause.strerror:
            return f"cannot connect to {where}: {cause.strerror}", True
        cause = cause.__cause__ or cause.__context__
    return f"cannot connect to {where}: {exc}", True
