"""A real HTTP server on 127.0.0.1 that misbehaves on request, for testing fetching.

A test asks for the ``fault_server`` fixture (tests/conftest.py); the type is imported for
annotations only::

    if TYPE_CHECKING:
        from tests.support.faultserver import FaultServer

    def test_feed(fault_server: FaultServer) -> None:
        fault_server.state["changing"] = fault_server.feed
        url = fault_server.url("/changing.xml")
        assert fault_server.count("/changing.xml") == 0

Each test gets its own server on a free port (``module_fault_server`` serves a whole module).
Every handler ends by itself (sleeps are bounded and cut short at teardown), nothing is logged,
and teardown waits for every handler thread.

Routes (``state`` keys in brackets change their behaviour):

- ``/ok.xml``: an RSS 2.0 feed with ETag and Last-Modified; 304 on a matching If-None-Match or
  an If-Modified-Since not older than Last-Modified.
- ``/changing.xml``: the feed in ``state["changing"]``, without validators.
- ``/404``, ``/500``: those statuses, with a small HTML body.
- ``/429``, ``/503``: that status with ``Retry-After`` ``state["retry_after"]`` (default "1"
  for 429, none for 503; None sends none), until the request numbered
  ``state["succeed_on"]`` (1-based; None: never), which gets the feed.
- ``/timeout``: waits ``state["timeout_sleep_s"]`` (3) before sending any header.
- ``/drip``: a 200 without Content-Length whose body comes one byte every 0.2 s for
  ``state["drip_s"]`` (30) seconds.
- ``/slow-headers``: the status line, then header bytes one every 0.2 s for ``state["drip_s"]``.
- ``/truncated``: Content-Length 2,000, then 100 bytes and the connection closes.
- ``/big``: ``state["big_size"]`` (100,000) bytes with Content-Length; ``/big-chunked``: the
  same, chunked, without Content-Length.
- ``/gzip``: the feed gzip-encoded (when the request accepts gzip); ``/deflate``: the feed
  deflate-encoded (zlib-wrapped, or raw when ``state["raw_deflate"]``).
- ``/gzipbomb``: about 10 KB of gzip that inflates to 10 MB of zeros.
- ``/loop``: redirects to itself; ``/redirect``: one redirect to ``/ok.xml``;
  ``/redirect-ftp``: a redirect to an ftp:// URL; ``/redirect-to``: a 302 to
  ``state["location"]`` (``/ok.xml`` by default), say a private or cloud metadata address
  that the client must refuse without connecting.
- ``/hostile.xml``: an RSS feed whose titles, links and text carry script, event handlers,
  ``javascript:``/``data:`` links, zero-width and bidi characters (``HOSTILE_FEED``);
  ``/hostile-reason``: a 503 whose reason phrase is a script tag; ``/hostile-type``: the feed
  served with a Content-Type that is an HTML tag with an event handler.
- ``/html``: an HTML page (text/html); ``/image.png``: bytes served as image/png;
  ``/no-type``: the feed without a Content-Type; ``/random``: 2,048 random bytes served as
  application/rss+xml.

Any other path is a 404. ``hits`` records every request: path, headers (lower-case names) and
the status sent.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import socketserver
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>Example Lab news</title>
    <link>https://example.invalid/news</link>
    <description>Model releases</description>
    <item>
      <title>Example-2 released</title>
      <link>https://example.invalid/news/example-2</link>
      <guid>https://example.invalid/news/example-2</guid>
      <pubDate>Wed, 06 Aug 2025 09:00:00 GMT</pubDate>
      <description>Example-2 is available in the API.</description>
    </item>
  </channel>
</rss>
"""
OK_ETAG = '"ok-v1"'
OK_LAST_MODIFIED = "Wed, 06 Aug 2025 09:00:00 GMT"
DRIP_INTERVAL_S = 0.2
_BOMB_SIZE = 10 * 1024 * 1024
_RSS = "application/rss+xml; charset=utf-8"


@dataclass
class Hit:
    """One request the server received, and the status it answered."""

    path: str
    headers: dict[str, str]
    status: int | None = None


@dataclass
class FaultServer:
    """The running server: `url(path)` for addresses, `state` to steer routes, `hits` to check."""

    # what the routes serve, for tests to compare with
    feed: ClassVar[bytes] = FEED  # /ok.xml's feed, the default of /changing.xml
    etag: ClassVar[str] = OK_ETAG  # /ok.xml's ETag
    last_modified: ClassVar[str] = OK_LAST_MODIFIED  # /ok.xml's Last-Modified

    state: dict[str, Any] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)  # handler failures, if any

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fault = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fault-server",
            daemon=True,
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def seen(self, path: str) -> list[Hit]:
        """The requests received for `path`, oldest first."""
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def count(self, path: str) -> int:
        return len(self.seen(path))

    def record(self, hit: Hit) -> int:
        """Store a request; returns how many requests `hit.path` has had, this one included."""
        with self._lock:
            self.hits.append(hit)
            return sum(1 for h in self.hits if h.path == hit.path)

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when the server is shutting down."""
        return self.stopping.wait(seconds)

    def close(self) -> None:
        """Stop serving and wait for every handler thread (each one ends by itself)."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fault: FaultServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's name (a DNS query); nothing here needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, ConnectionError | TimeoutError):
            self.fault.errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # for chunked bodies; every response closes the connection
    timeout = 10  # bounds any socket operation of a handler

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: a test run's stderr stays clean."""

    @property
    def fault(self) -> FaultServer:
        return self.server.fault

    def do_GET(self) -> None:
        self.close_connection = True
        path = urlsplit(self.path).path
        self.hit = Hit(path, {k.lower(): v for k, v in self.headers.items()})
        self.number = self.fault.record(self.hit)
        route = _ROUTES.get(path, _Handler.not_found)
        # The client giving up first is expected on the slow and the oversized routes.
        with contextlib.suppress(ConnectionError, TimeoutError):
            route(self)

    def send_response(self, code: int, message: str | None = None) -> None:
        self.hit.status = code
        super().send_response(code, message)

    def reply(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        length: int | None = None,
    ) -> None:
        """Send a whole response; `length` overrides the Content-Length sent."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(body)

    # --- routes ---

    def ok(self) -> None:
        validators = {"ETag": OK_ETAG, "Last-Modified": OK_LAST_MODIFIED}
        if_none_match = self.hit.headers.get("if-none-match")
        if_modified_since = self.hit.headers.get("if-modified-since")
        fresh = False
        if if_none_match is not None:
            tags = [t.strip() for t in if_none_match.split(",")]
            fresh = "*" in tags or OK_ETAG in tags
        elif if_modified_since is not None:
            try:
                fresh = parsedate_to_datetime(if_modified_since) >= parsedate_to_datetime(
                    OK_LAST_MODIFIED
                )
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            self.reply(304, headers=validators)
        else:
            self.reply(200, FEED, _RSS, validators)

    def changing(self) -> None:
        self.reply(200, self.fault.state.get("changing", FEED), _RSS)

    def not_found(self) -> None:
        self.reply(404, b"<html><body>Not here</body></html>", "text/html")

    def server_error(self) -> None:
        self.reply(500, b"<html><body>Something broke</body></html>", "text/html")

    def flaky(self) -> None:
        status = int(self.hit.path.lstrip("/"))
        succeed_on = self.fault.state.get("succeed_on")
        if succeed_on is not None and self.number >= succeed_on:
            self.reply(200, FEED, _RSS)
            return
        retry_after = self.fault.state.get("retry_after", "1" if status == 429 else None)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.reply(status, b"try again later", "text/plain", headers)

    def timeout_route(self) -> None:
        if self.fault.wait(self.fault.state.get("timeout_sleep_s", 3.0)):
            return
        self.reply(200, FEED, _RSS)

    def drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", _RSS)
        self.send_header("Connection", "close")
        self.end_headers()
        self._drip(b" ")

    def slow_headers(self) -> None:
        self.hit.status = 200
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        self._drip(b"a")

    def _drip(self, byte: bytes) -> None:
        end = time.monotonic() + self.fault.state.get("drip_s", 30.0)
        while time.monotonic() < end:
            self.wfile.write(byte)
            if self.fault.wait(DRIP_INTERVAL_S):
                return

    def truncated(self) -> None:
        self.reply(200, b"<" * 100, _RSS, length=2000)

    def big(self) -> None:
        size = self.fault.state.get("big_size", 100_000)
        self.reply(200, b"x" * size, _RSS)

    def big_chunked(self) -> None:
        size = self.fault.state.get("big_size", 100_000)
        self.send_response(200)
        self.send_header("Content-Type", _RSS)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"x" * 4096
        for _ in range(0, size, len(chunk)):
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def gzip_route(self) -> None:
        if "gzip" in self.hit.headers.get("accept-encoding", ""):
            self.reply(200, gzip.compress(FEED), _RSS, {"Content-Encoding": "gzip"})
        else:
            self.reply(200, FEED, _RSS)

    def deflate(self) -> None:
        if self.fault.state.get("raw_deflate"):
            packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            body = packer.compress(FEED) + packer.flush()
        else:
            body = zlib.compress(FEED)
        self.reply(200, body, _RSS, {"Content-Encoding": "deflate"})

    def gzip_bomb(self) -> None:
        self.reply(200, _bomb(), _RSS, {"Content-Encoding": "gzip"})

    def loop(self) -> None:
        self.reply(302, headers={"Location": "/loop"})

    def redirect(self) -> None:
        self.reply(301, headers={"Location": "/ok.xml"})

    def redirect_ftp(self) -> None:
        self.reply(302, headers={"Location": "ftp://127.0.0.1/feed.xml"})

    def redirect_to(self) -> None:
        self.reply(302, headers={"Location": self.fault.state.get("location", "/ok.xml")})

    def html(self) -> None:
        self.reply(
            200, b"<!doctype html><html><body>A page</body></html>", "text/html; charset=utf-8"
        )

    def hostile(self) -> None:
        self.reply(200, HOSTILE_FEED, _RSS)

    def hostile_reason(self) -> None:
        self.hit.status = 503
        self.send_response_only(503, "<script>alert('reason')</script> [/] [bold]x")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    def hostile_type(self) -> None:
        self.reply(200, FEED, "<img src=x onerror=alert('type')>")

    def image(self) -> None:
        self.reply(200, b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")

    def no_type(self) -> None:
        self.reply(200, FEED)

    def random(self) -> None:
        self.reply(200, os.urandom(2048), "application/rss+xml")


_ROUTES: dict[str, Callable[[_Handler], None]] = {
    "/ok.xml": _Handler.ok,
    "/changing.xml": _Handler.changing,
    "/404": _Handler.not_found,
    "/500": _Handler.server_error,
    "/429": _Handler.flaky,
    "/503": _Handler.flaky,
    "/408": _Handler.flaky,
    "/501": _Handler.flaky,
    "/timeout": _Handler.timeout_route,
    "/drip": _Handler.drip,
    "/slow-headers": _Handler.slow_headers,
    "/truncated": _Handler.truncated,
    "/big": _Handler.big,
    "/big-chunked": _Handler.big_chunked,
    "/gzip": _Handler.gzip_route,
    "/deflate": _Handler.deflate,
    "/gzipbomb": _Handler.gzip_bomb,
    "/loop": _Handler.loop,
    "/redirect": _Handler.redirect,
    "/redirect-ftp": _Handler.redirect_ftp,
    "/redirect-to": _Handler.redirect_to,
    "/html": _Handler.html,
    "/hostile.xml": _Handler.hostile,
    "/hostile-reason": _Handler.hostile_reason,
    "/hostile-type": _Handler.hostile_type,
    "/image.png": _Handler.image,
    "/no-type": _Handler.no_type,
    "/random": _Handler.random,
}


HOSTILE_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Evil &lt;script&gt;alert(1)&lt;/script&gt; news</title>
<link>javascript:alert('channel')</link><description>d</description>
<item><title>&lt;svg/onload=alert('title')&gt; gpt​-5 ‮evil‬ launch</title>
<link>javascript:alert('link')</link><guid>h1</guid>
<pubDate>Thu, 07 Aug 2025 10:00:00 GMT</pubDate>
<description>&lt;img src=x onerror=alert('desc')&gt;&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;
[click](javascript:alert('md')) &lt;script&gt;alert('s')&lt;/script&gt;</description></item>
<item><title>Normal release of Acme-1</title>
<link>data:text/html,&lt;script&gt;x&lt;/script&gt;</link><guid>h2</guid>
<pubDate>Thu, 07 Aug 2025 11:00:00 GMT</pubDate>
<description>Acme-1 scores 90% on GPQA Diamond at $1 per 1M input tokens.</description></item>
</channel></rss>""".encode()


@cache
def _bomb() -> bytes:
    return gzip.compress(bytes(_BOMB_SIZE), compresslevel=9)
