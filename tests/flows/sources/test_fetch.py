"""flows.sources.fetch against a real misbehaving server on 127.0.0.1: one test per fault, each
checking the reason a run summary would show."""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import os
import random
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import feedparser
import httpx
import pytest

from flows.sources import fetch
from flows.sources.fetch import (
    USER_AGENT,
    Fetched,
    FetchError,
    Limits,
    Validators,
    fetch_path,
    fetch_url,
)

if TYPE_CHECKING:
    from tests.support.faultserver import FaultServer

LOOPBACK = ("127.0.0.1",)  # the fault server is a house server: allowed by name
FAST = Limits(
    connect_timeout_s=1.0,
    read_timeout_s=0.5,
    total_timeout_s=1.5,
    max_bytes=100_000,
    retries=2,
    max_retry_wait_s=5.0,
    allow_private_hosts=LOOPBACK,
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


Answer = list[str] | Callable[[], list[str]]
NAMES: dict[str, Answer] = {}  # what the test resolver answers for a host name


def _test_resolver(host: str, port: object, *args: object, **kwargs: object) -> list:
    """getaddrinfo without DNS: names from NAMES (a callable value is asked each time), every
    other host only as a numeric address (AI_NUMERICHOST never sends a query)."""
    answer = NAMES.get(host)
    if answer is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    addresses = answer() if callable(answer) else answer
    return [
        (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
        for a in addresses
    ]


@pytest.fixture(autouse=True)
def no_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, Answer]:
    """No test sends a DNS query: host names resolve from NAMES only."""
    NAMES.clear()
    monkeypatch.setattr(fetch, "_getaddrinfo", _test_resolver)
    return NAMES


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a socket connection was opened to; anything but loopback is refused here
    too, so no test can ever send a packet elsewhere whatever the code under test does."""
    opened: list[str] = []
    real = socket.create_connection

    def create_connection(address: tuple, *args: object, **kwargs: object) -> socket.socket:
        host = str(address[0])
        opened.append(host)
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False  # a name would be resolved here, after the check: never allowed
        if not loopback:
            raise OSError(f"test: refused to connect to {host}")
        return real(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return opened


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(fetch, "_sleep", recorded.append)
    return recorded


def fails(url: str, limits: Limits = FAST, **kwargs: object) -> str:
    """The FetchError reason for fetching `url`."""
    with pytest.raises(FetchError) as info:
        fetch_url(url, limits=limits, **kwargs)  # type: ignore[arg-type]
    return str(info.value)


# --- success, conditional requests, content hash ---------------------------------------------


def test_feed_is_fetched_with_validators_and_headers(fault_server: FaultServer) -> None:
    got = fetch_url(fault_server.url("/ok.xml"), limits=FAST, expect="feed")
    assert got.status == "fetched"
    assert got.body == fault_server.feed
    assert got.http_status == 200
    assert got.content_type == "application/rss+xml; charset=utf-8"
    assert got.final_url == fault_server.url("/ok.xml")
    assert got.validators == Validators(
        fault_server.etag, fault_server.last_modified, sha256(fault_server.feed)
    )
    assert 0 < got.elapsed_s < FAST.total_timeout_s
    (hit,) = fault_server.seen("/ok.xml")
    assert hit.headers["user-agent"] == USER_AGENT
    assert "gzip" in hit.headers["accept-encoding"]
    assert "if-none-match" not in hit.headers and "if-modified-since" not in hit.headers


def test_second_fetch_is_a_conditional_get_answered_304(fault_server: FaultServer) -> None:
    first = fetch_url(fault_server.url("/ok.xml"), limits=FAST)
    second = fetch_url(fault_server.url("/ok.xml"), first.validators, FAST)
    assert second.status == "not_modified"
    assert second.body == b""
    assert second.http_status == 304
    assert second.validators == first.validators  # kept for the next run
    hits = fault_server.seen("/ok.xml")
    assert [h.status for h in hits] == [200, 304]
    assert hits[1].headers["if-none-match"] == fault_server.etag
    assert hits[1].headers["if-modified-since"] == fault_server.last_modified


def test_if_modified_since_alone_gets_304(fault_server: FaultServer) -> None:
    previous = Validators(
        last_modified=fault_server.last_modified, content_hash=sha256(fault_server.feed)
    )
    got = fetch_url(fault_server.url("/ok.xml"), previous, FAST)
    assert (got.status, got.http_status) == ("not_modified", 304)
    assert got.validators == Validators(
        fault_server.etag, fault_server.last_modified, sha256(fault_server.feed)
    )
    assert "if-none-match" not in fault_server.seen("/ok.xml")[0].headers


def test_same_body_without_validators_is_not_modified(fault_server: FaultServer) -> None:
    fault_server.state["changing"] = fault_server.feed
    first = fetch_url(fault_server.url("/changing.xml"), limits=FAST)
    assert first.validators == Validators(content_hash=sha256(fault_server.feed))
    second = fetch_url(fault_server.url("/changing.xml"), first.validators, FAST)
    assert (second.status, second.body, second.http_status) == ("not_modified", b"", 200)
    assert second.validators == first.validators
    assert [h.status for h in fault_server.seen("/changing.xml")] == [200, 200]
    assert "if-none-match" not in fault_server.seen("/changing.xml")[1].headers


def test_changed_feed_is_fetched_with_its_new_hash(fault_server: FaultServer) -> None:
    fault_server.state["changing"] = fault_server.feed
    first = fetch_url(fault_server.url("/changing.xml"), limits=FAST)
    changed = fault_server.feed.replace(b"Example-2 released", b"Example-3 released")
    fault_server.state["changing"] = changed
    second = fetch_url(fault_server.url("/changing.xml"), first.validators, FAST)
    assert second.status == "fetched"
    assert second.body == changed
    assert second.validators.content_hash == sha256(changed) != first.validators.content_hash


# --- redirects -------------------------------------------------------------------------------


def test_redirect_is_followed(fault_server: FaultServer) -> None:
    got = fetch_url(fault_server.url("/redirect"), limits=FAST, expect="feed")
    assert got.body == fault_server.feed
    assert got.final_url == fault_server.url("/ok.xml")
    assert [h.status for h in fault_server.hits] == [301, 200]


def test_redirect_loop_stops_after_max_redirects(fault_server: FaultServer) -> None:
    reason = fails(fault_server.url("/loop"))
    assert reason == f"too many redirects (5): redirect loop at {fault_server.url('/loop')}"
    assert fault_server.count("/loop") == 6  # the first request and five redirects


def test_redirect_to_another_scheme_is_refused(fault_server: FaultServer) -> None:
    assert fails(fault_server.url("/redirect-ftp")) == (
        "redirect to an unsupported URL: ftp://127.0.0.1/feed.xml"
    )


# --- addresses: only public ones, unless allowed; checked before any connection --------------


METADATA = "http://169.254.169.254/latest/meta-data/"
NEVER = "(never allowed)"
NOT_ALLOWED = "(not in [fetch] allow_private_hosts)"


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        (METADATA, f"refused: 169.254.169.254 is a cloud metadata address {NEVER}"),
        ("http://10.0.0.1/", f"refused: 10.0.0.1 is a private address {NOT_ALLOWED}"),
        (
            "http://[fd00:ec2::254]/latest/",
            f"refused: fd00:ec2::254 is a cloud metadata address {NEVER}",
        ),
        (
            "http://[::ffff:a9fe:a9fe]/",
            f"refused: ::ffff:a9fe:a9fe is a cloud metadata address {NEVER}",
        ),
    ],
)
def test_redirect_to_a_private_address_is_refused_before_connecting(
    fault_server: FaultServer,
    connections: list[str],
    waits: list[float],
    location: str,
    reason: str,
) -> None:
    fault_server.state["location"] = location
    start = fault_server.url("/redirect-to")
    assert fails(start) == f"{reason} (redirect from {start})"
    assert connections == ["127.0.0.1"]  # the fault server only: the hop was never contacted
    assert fault_server.count("/redirect-to") == 1 and waits == []  # refused, not retried


def test_redirect_to_a_name_resolving_to_a_private_address_is_refused(
    fault_server: FaultServer, connections: list[str], no_dns: dict
) -> None:
    no_dns["feeds.example.test"] = ["93.184.216.34", "10.0.0.5"]  # one bad address is enough
    fault_server.state["location"] = "http://feeds.example.test/feed.xml"
    start = fault_server.url("/redirect-to")
    assert fails(start) == (
        "refused: feeds.example.test resolves to a private address "
        f"10.0.0.5 {NOT_ALLOWED} (redirect from {start})"
    )
    assert connections == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (METADATA, f"refused: 169.254.169.254 is a cloud metadata address {NEVER}"),
        (
            "http://[::ffff:169.254.169.254]/",
            f"refused: ::ffff:169.254.169.254 is a cloud metadata address {NEVER}",
        ),
        ("http://0.0.0.0:8080/", f"refused: 0.0.0.0 is an unspecified address {NOT_ALLOWED}"),
        ("http://[::]/", f"refused: :: is an unspecified address {NOT_ALLOWED}"),
        ("http://10.0.0.5/feed.xml", f"refused: 10.0.0.5 is a private address {NOT_ALLOWED}"),
        (
            "http://[::ffff:10.0.0.5]/",
            f"refused: ::ffff:10.0.0.5 is a private address {NOT_ALLOWED}",
        ),
        ("http://192.168.1.1/", f"refused: 192.168.1.1 is a private address {NOT_ALLOWED}"),
        ("http://100.64.0.1/", f"refused: 100.64.0.1 is a shared (CGNAT) address {NOT_ALLOWED}"),
        ("http://[fe80::1]/", f"refused: fe80::1 is a link-local address {NOT_ALLOWED}"),
        ("http://224.0.0.1/", f"refused: 224.0.0.1 is a multicast address {NOT_ALLOWED}"),
        ("http://240.0.0.1/", f"refused: 240.0.0.1 is a reserved address {NOT_ALLOWED}"),
        ("http://[2002:a00:1::]/", f"refused: 2002:a00:1:: is a private address {NOT_ALLOWED}"),
        ("http://[::1]/", f"refused: ::1 is a loopback address {NOT_ALLOWED}"),
        (
            "http://2130706433/",
            f"refused: 2130706433 resolves to a loopback address 127.0.0.1 {NOT_ALLOWED}",
        ),
    ],
)
def test_a_private_url_is_refused_before_connecting(
    connections: list[str], url: str, reason: str
) -> None:
    assert fails(url, Limits(retries=0)) == reason
    assert connections == []


def test_loopback_needs_the_allow_option(fault_server: FaultServer, connections: list[str]) -> None:
    reason = fails(fault_server.url("/ok.xml"), Limits(retries=0))
    assert reason == f"refused: 127.0.0.1 is a loopback address {NOT_ALLOWED}"
    assert connections == [] and fault_server.count("/ok.xml") == 0


@pytest.mark.parametrize(
    "allow",
    [
        ("169.254.169.254",),
        ("169.254.0.0/16",),
        ("0.0.0.0/0",),
        ("::/0", "0.0.0.0/0"),
        ("metadata.google.internal",),
    ],
)
def test_cloud_metadata_is_refused_whatever_is_allowed(
    connections: list[str], no_dns: dict, allow: tuple[str, ...]
) -> None:
    no_dns["metadata.google.internal"] = ["169.254.169.254"]
    limits = Limits(retries=0, allow_private_hosts=allow)
    assert fails(METADATA, limits).startswith("refused: 169.254.169.254 is a cloud metadata")
    assert fails("http://metadata.google.internal/computeMetadata/v1/", limits) == (
        "refused: metadata.google.internal resolves to a cloud metadata address "
        f"169.254.169.254 {NEVER}"
    )
    assert connections == []


@pytest.mark.parametrize(
    "allow", [("127.0.0.1",), ("127.0.0.0/8",), ("house.test",), ("HOUSE.test.",)]
)
def test_a_house_server_is_allowed_by_name_or_range(
    fault_server: FaultServer, connections: list[str], no_dns: dict, allow: tuple[str, ...]
) -> None:
    no_dns["house.test"] = ["127.0.0.1"]
    port = fault_server.url("").rsplit(":", 1)[1]
    got = fetch_url(
        f"http://house.test:{port}/redirect",
        limits=Limits(
            connect_timeout_s=1.0,
            read_timeout_s=0.5,
            total_timeout_s=1.5,
            allow_private_hosts=allow,
        ),
    )
    assert got.body == fault_server.feed and got.final_url == f"http://house.test:{port}/ok.xml"
    assert connections == ["127.0.0.1", "127.0.0.1"]  # to the checked address, not the name


def test_the_connection_goes_to_the_address_that_was_checked(
    fault_server: FaultServer, connections: list[str], no_dns: dict
) -> None:
    """DNS rebinding: a name that resolves to an allowed address for the check and to another
    one right after cannot move the connection: it is opened to the checked address."""
    answers = iter([["127.0.0.1"]])
    asked: list[str] = []

    def rebinding() -> list[str]:
        asked.append("rebind.test")
        return next(answers, ["10.0.0.5"])

    no_dns["rebind.test"] = rebinding
    port = fault_server.url("").rsplit(":", 1)[1]
    got = fetch_url(f"http://rebind.test:{port}/ok.xml", limits=FAST)
    assert got.body == fault_server.feed
    assert asked == ["rebind.test"]  # resolved once, for the check
    assert connections == ["127.0.0.1"]


def test_a_rebinding_name_is_checked_again_on_every_hop(
    fault_server: FaultServer, connections: list[str], no_dns: dict
) -> None:
    answers = iter([["127.0.0.1"]])
    no_dns["rebind.test"] = lambda: next(answers, ["169.254.169.254"])
    port = fault_server.url("").rsplit(":", 1)[1]
    start = f"http://rebind.test:{port}/redirect"
    assert fails(start) == (
        "refused: rebind.test resolves to a cloud metadata address "
        f"169.254.169.254 {NEVER} (redirect from {start})"
    )
    assert connections == ["127.0.0.1"]


def test_a_callers_client_is_checked_too() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(302, headers={"Location": METADATA})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert fails("http://10.0.0.1/feed.xml", client=client) == (
            f"refused: 10.0.0.1 is a private address {NOT_ALLOWED}"
        )
        assert sent == []
        allowed = Limits(retries=0, allow_private_hosts=("10.0.0.0/8",))
        assert fails("http://10.0.0.1/feed.xml", allowed, client=client) == (
            f"refused: 169.254.169.254 is a cloud metadata address {NEVER} "
            "(redirect from http://10.0.0.1/feed.xml)"
        )
        assert [str(r.url) for r in sent] == ["http://10.0.0.1/feed.xml"]


def test_an_unresolvable_name_is_retried_then_reported(waits: list[float]) -> None:
    assert fails("http://nowhere.test/feed.xml") == (
        "cannot resolve host nowhere.test (after 2 retries)"
    )
    first, second = waits
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0


def test_limits_from_the_configuration_take_a_list() -> None:
    limits = Limits(allow_private_hosts=["127.0.0.1"])  # type: ignore[arg-type]
    assert limits.allow_private_hosts == ("127.0.0.1",)


# --- HTTP errors and retries -----------------------------------------------------------------


def test_404(fault_server: FaultServer) -> None:
    url = fault_server.url("/404")
    assert fails(url) == f"HTTP 404 Not Found from {url}"


def test_500_is_retried_with_backoff_and_jitter(
    fault_server: FaultServer, waits: list[float]
) -> None:
    url = fault_server.url("/500")
    assert fails(url) == f"HTTP 500 Internal Server Error from {url}: still failing after 2 retries"
    assert fault_server.count("/500") == 3
    first, second = waits  # half to all of 1 s, then of 2 s
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0


def test_408_is_retried_and_may_then_succeed(fault_server: FaultServer, waits: list[float]) -> None:
    fault_server.state["succeed_on"] = 2
    assert fetch_url(fault_server.url("/408"), limits=FAST).body == fault_server.feed
    assert fault_server.count("/408") == 2 and len(waits) == 1


@pytest.mark.parametrize("path", ["/404", "/501"])
def test_permanent_answers_are_not_retried(
    fault_server: FaultServer, waits: list[float], path: str
) -> None:
    assert fails(fault_server.url(path)).startswith(f"HTTP {path[1:]} ")
    assert fault_server.count(path) == 1
    assert waits == []


def test_the_jitter_spreads_sources_that_failed_together(
    fault_server: FaultServer, waits: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch, "_jitter", random.Random(7))
    for _ in range(5):
        fails(fault_server.url("/503"))
    draws = random.Random(7)
    assert waits == [2.0**k * (0.5 + draws.random() / 2) for _ in range(5) for k in (0, 1)]
    assert len(set(waits[::2])) == 5  # no two sources wait the same


def test_429_waits_retry_after_then_succeeds(fault_server: FaultServer, waits: list[float]) -> None:
    fault_server.state["succeed_on"] = 3
    got = fetch_url(fault_server.url("/429"), limits=FAST)
    assert got.body == fault_server.feed
    assert waits == [1.0, 1.0]  # Retry-After: 1, twice
    assert [h.status for h in fault_server.seen("/429")] == [429, 429, 200]


def test_429_still_rate_limited_after_retries(
    fault_server: FaultServer, waits: list[float]
) -> None:
    reason = fails(fault_server.url("/429"))
    assert reason == "HTTP 429: still rate limited after 2 retries (Retry-After 1)"
    assert waits == [1.0, 1.0]
    assert fault_server.count("/429") == 3


def test_429_really_sleeps_retry_after(fault_server: FaultServer) -> None:
    fault_server.state["succeed_on"] = 2
    started = time.monotonic()
    got = fetch_url(fault_server.url("/429"), limits=FAST)
    assert got.status == "fetched"
    assert time.monotonic() - started >= 1.0


def test_retry_after_as_an_http_date(fault_server: FaultServer, waits: list[float]) -> None:
    fault_server.state.update(
        succeed_on=2, retry_after=email.utils.formatdate(time.time() + 3, usegmt=True)
    )
    fetch_url(fault_server.url("/429"), limits=FAST)
    (wait,) = waits
    assert 1.0 < wait <= 3.0


def test_a_retry_after_beyond_the_limit_ends_the_fetch(
    fault_server: FaultServer, waits: list[float]
) -> None:
    fault_server.state["retry_after"] = "3600"
    limits = Limits(
        read_timeout_s=0.5,
        total_timeout_s=1.5,
        retries=1,
        max_retry_wait_s=0.25,
        allow_private_hosts=LOOPBACK,
    )
    reason = fails(fault_server.url("/429"), limits)
    assert reason == (
        "HTTP 429: rate limited; the server asks to wait 3600 s (Retry-After 3600), "
        "more than max_retry_wait_s = 0.25 s"
    )
    assert waits == [] and fault_server.count("/429") == 1


def test_503_without_retry_after_backs_off(fault_server: FaultServer, waits: list[float]) -> None:
    url = fault_server.url("/503")
    assert fails(url) == f"HTTP 503 Service Unavailable from {url}: still failing after 2 retries"
    first, second = waits
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0


def test_connection_refused_is_retried(waits: list[float]) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    limits = Limits(
        connect_timeout_s=1.0, total_timeout_s=1.5, retries=1, allow_private_hosts=LOOPBACK
    )
    reason = fails(f"http://127.0.0.1:{port}/feed.xml", limits)
    assert reason == f"connection refused by 127.0.0.1:{port} (after 1 retry)"
    (wait,) = waits
    assert 0.5 <= wait <= 1.0


# --- time ------------------------------------------------------------------------------------


ONCE = replace(FAST, retries=0)


def test_no_headers_within_the_read_timeout(fault_server: FaultServer) -> None:
    started = time.monotonic()
    assert fails(fault_server.url("/timeout"), ONCE) == "timed out after 0.5 s (read)"
    assert time.monotonic() - started < 2.0  # the server would answer after 3 s


@pytest.mark.parametrize("path", ["/drip", "/slow-headers"])
def test_dripping_server_is_cut_by_the_total_timeout(fault_server: FaultServer, path: str) -> None:
    started = time.monotonic()
    assert fails(fault_server.url(path), ONCE) == "timed out after 1.5 s (total)"
    assert 1.5 <= time.monotonic() - started < 3.0  # the server would drip for 30 s


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/timeout", "timed out after 0.5 s (read)"), ("/drip", "timed out after 1.5 s (total)")],
)
def test_timeouts_are_retried(
    fault_server: FaultServer, waits: list[float], path: str, reason: str
) -> None:
    assert fails(fault_server.url(path)) == f"{reason} (after 2 retries)"
    assert fault_server.count(path) == 3 and len(waits) == 2


# --- size and body ---------------------------------------------------------------------------


def test_truncated_body(fault_server: FaultServer) -> None:
    assert fails(fault_server.url("/truncated")) == "truncated body: got 100 of 2,000 bytes"


def test_big_body_refused_from_content_length(fault_server: FaultServer) -> None:
    limits = Limits(
        read_timeout_s=0.5, total_timeout_s=1.5, max_bytes=10_000, allow_private_hosts=LOOPBACK
    )
    assert fails(fault_server.url("/big"), limits) == (
        "body over the 10,000 byte limit (Content-Length 100,000)"
    )


def test_big_chunked_body_cut_while_streaming(fault_server: FaultServer) -> None:
    limits = Limits(
        read_timeout_s=0.5, total_timeout_s=1.5, max_bytes=10_000, allow_private_hosts=LOOPBACK
    )
    assert fails(fault_server.url("/big-chunked"), limits) == "body over the 10,000 byte limit"


def test_gzip_is_decoded(fault_server: FaultServer) -> None:
    got = fetch_url(fault_server.url("/gzip"), limits=FAST, expect="feed")
    assert got.body == fault_server.feed
    assert got.validators.content_hash == sha256(fault_server.feed)  # of the decoded body


@pytest.mark.parametrize("raw", [False, True])
def test_deflate_is_decoded(fault_server: FaultServer, raw: bool) -> None:
    fault_server.state["raw_deflate"] = raw
    assert fetch_url(fault_server.url("/deflate"), limits=FAST).body == fault_server.feed


def test_gzip_bomb_is_cut_at_the_limit(fault_server: FaultServer) -> None:
    limits = Limits(
        read_timeout_s=0.5, total_timeout_s=1.5, max_bytes=1_000_000, allow_private_hosts=LOOPBACK
    )
    assert fails(fault_server.url("/gzipbomb"), limits) == (
        "body over the 1,000,000 byte limit (after gzip decoding)"
    )


def test_random_bytes_are_returned_as_they_are(fault_server: FaultServer) -> None:
    got = fetch_url(fault_server.url("/random"), limits=FAST, expect="feed")
    assert got.status == "fetched" and len(got.body) == 2048
    assert got.validators.content_hash == sha256(got.body)
    parsed = feedparser.parse(got.body)  # telling a feed from noise is the parser's job
    assert parsed.bozo and not parsed.entries


# --- content type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expect", "reason"),
    [
        ("/html", "feed", "wrong content type: text/html (expected a feed)"),
        ("/image.png", "feed", "wrong content type: image/png (expected a feed)"),
        ("/ok.xml", "csv", "wrong content type: application/rss+xml (expected CSV)"),
        ("/html", "json", "wrong content type: text/html (expected JSON)"),
    ],
)
def test_wrong_content_type(fault_server: FaultServer, path: str, expect: str, reason: str) -> None:
    assert fails(fault_server.url(path), expect=expect) == reason


@pytest.mark.parametrize(("path", "expect"), [("/no-type", "feed"), ("/html", None)])
def test_content_type_accepted(fault_server: FaultServer, path: str, expect: str | None) -> None:
    assert fetch_url(fault_server.url(path), limits=FAST, expect=expect).status == "fetched"


# --- arguments and clients -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/feed.xml", "not an http(s) URL: 'ftp://127.0.0.1/feed.xml'"),
        ("no scheme at all", "not an http(s) URL: 'no scheme at all'"),
        ("http://", "not an http(s) URL: 'http://'"),
    ],
)
def test_bad_urls(url: str, reason: str) -> None:
    assert fails(url) == reason


def test_unknown_expected_kind() -> None:
    assert fails("http://127.0.0.1:1/", expect="pdf") == (
        "unknown expected kind 'pdf' (known: csv, feed, json, yaml)"
    )


def test_callers_client_is_used_and_left_open(fault_server: FaultServer) -> None:
    with httpx.Client() as client:
        got = fetch_url(fault_server.url("/redirect"), limits=FAST, client=client)
        assert got.body == fault_server.feed
        assert not client.is_closed
    assert fault_server.seen("/ok.xml")[0].headers["user-agent"] == USER_AGENT


def test_callers_client_drip_is_still_cut(fault_server: FaultServer) -> None:
    with httpx.Client() as client:
        started = time.monotonic()
        reason = fails(fault_server.url("/drip"), ONCE, client=client)
    assert reason == "timed out after 1.5 s (total)"
    assert time.monotonic() - started < 3.0


def test_unexpected_errors_become_fetch_errors() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("transport bug")

    with httpx.Client(transport=httpx.MockTransport(broken)) as client:
        reason = fails("http://127.0.0.1/feed.xml", client=client)
    assert reason == (
        "unexpected error fetching http://127.0.0.1/feed.xml: RuntimeError: transport bug"
    )


def test_304_to_an_unconditional_request_is_an_error() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(304))
    with httpx.Client(transport=transport) as client:
        reason = fails("http://127.0.0.1/feed.xml", client=client)
    assert reason == (
        "HTTP 304 Not Modified from http://127.0.0.1/feed.xml to a request that was not conditional"
    )


# --- files -----------------------------------------------------------------------------------


def test_file_fetched_then_not_modified_then_changed(tmp_path: Path) -> None:
    feed, changed = b"<rss>one</rss>", b"<rss>two</rss>"
    path = tmp_path / "feed.xml"
    path.write_bytes(feed)
    os.utime(path, (1754470800, 1754470800))  # 2025-08-06 09:00:00 UTC
    first = fetch_path(path)
    assert first == Fetched(
        "fetched",
        feed,
        Validators(None, "Wed, 06 Aug 2025 09:00:00 GMT", sha256(feed)),
        None,
        None,
        None,
        first.elapsed_s,
    )
    second = fetch_path(path, first.validators)
    assert (second.status, second.body) == ("not_modified", b"")
    path.write_bytes(changed)
    third = fetch_path(path, first.validators)
    assert (third.status, third.body) == ("fetched", changed)
    assert third.validators.content_hash == sha256(changed)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="^file not found: .*missing.xml$"):
        fetch_path(tmp_path / "missing.xml")


def test_file_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 11)
    with pytest.raises(FetchError) as info:
        fetch_path(path, limits=Limits(max_bytes=10))
    assert str(info.value) == f"file over the 10 byte limit: {path} is 11 bytes"


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        fetch_path(tmp_path)
    assert str(info.value) == f"not a regular file: {tmp_path}"
