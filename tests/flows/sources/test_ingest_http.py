"""Ingest from a real HTTP server on 127.0.0.1 that misbehaves: each failing source is recorded
with its reason, the others are ingested, nothing stored is lost, and unchanged sources cost a
conditional GET and add nothing."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from flows.config import Source
from flows.sources import fetch
from flows.sources.fetch import Limits
from flows.store.load import ingest_source

if TYPE_CHECKING:
    from tests.support.faultserver import FaultServer

LIMITS = Limits(
    connect_timeout_s=1.0,
    read_timeout_s=0.5,
    total_timeout_s=1.5,
    max_bytes=50_000,
    retries=1,
    max_retry_wait_s=0.01,
    allow_private_hosts=("127.0.0.1",),
)  # the fault server, as a house server
NOW = datetime(2025, 8, 8, 6, 0, tzinfo=UTC)

FAULTS = {
    "/404": "HTTP 404",
    "/500": "HTTP 500",
    "/429": "rate limited; the server asks to wait 1 s",
    "/timeout": "timed out",
    "/drip": "timed out",
    "/truncated": "truncated body",
    "/big": "over the 50,000 byte limit",
    "/loop": "too many redirects",
    "/html": "wrong content type: text/html",
    "/random": "no RSS or Atom feed found",
}


def _source(server: FaultServer, path: str) -> Source:
    sid = "src" + path.replace("/", "-").replace(".", "-")
    return Source(id=sid, kind="feed", format="feed", url=server.url(path))


def _count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "_sleep", lambda s: None)


@pytest.fixture(autouse=True)
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Numeric hosts only: no test sends a DNS query."""

    def numeric(host: str, port: object, *args: object, **kwargs: object) -> list:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)

    monkeypatch.setattr(fetch, "_getaddrinfo", numeric)


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Addresses connected to; anything but 127.0.0.1 is refused here before a packet leaves."""
    opened: list[str] = []
    real = socket.create_connection

    def create_connection(address: tuple, *args: object, **kwargs: object) -> socket.socket:
        opened.append(str(address[0]))
        if address[0] != "127.0.0.1":
            raise OSError(f"test: refused to connect to {address[0]}")
        return real(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return opened


def test_each_fault_is_recorded_and_the_rest_goes_in(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    db = tmp_path / "brief.duckdb"
    good = ingest_source(db, _source(fault_server, "/ok.xml"), "run-1", NOW, LIMITS)
    assert good.ok and good.rows_new >= 1
    stored = _count(db, "SELECT count(*) FROM entries")
    for path, reason in FAULTS.items():
        result = ingest_source(db, _source(fault_server, path), "run-1", NOW, LIMITS)
        # /random is served fine but holds no feed: a failed source too, never a healthy one
        assert not result.ok, path
        assert reason in result.reason, (path, result.reason)
        assert result.fetch_status == "failed"
    assert _count(db, "SELECT count(*) FROM entries") == stored
    assert _count(db, "SELECT count(*) FROM source_runs WHERE NOT ok") == len(FAULTS)
    failed = _count(db, "SELECT count(*) FROM source_runs WHERE NOT ok AND reason IS NULL")
    assert failed == 0


def test_conditional_get_adds_nothing_the_second_time(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    db = tmp_path / "brief.duckdb"
    src = _source(fault_server, "/ok.xml")
    first = ingest_source(db, src, "run-1", NOW, LIMITS)
    rows = _count(db, "SELECT count(*) FROM entries")
    second = ingest_source(db, src, "run-2", NOW, LIMITS)
    assert first.fetch_status == "fetched" and second.fetch_status == "not_modified"
    assert second.ok and second.rows_new == 0 and second.rows_read == 0
    hits = fault_server.seen("/ok.xml")
    assert hits[-1].headers.get("if-none-match") and hits[-1].status == 304
    assert _count(db, "SELECT count(*) FROM entries") == rows


def test_a_changing_feed_keeps_history_and_survives_a_failure(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    db = tmp_path / "brief.duckdb"
    src = _source(fault_server, "/changing.xml")
    fault_server.state["changing"] = fault_server.feed
    first = ingest_source(db, src, "run-1", NOW, LIMITS)
    again = ingest_source(db, src, "run-2", NOW, LIMITS)
    assert again.fetch_status == "not_modified"  # same bytes: no validators, same hash
    edited = fault_server.feed.replace(
        b"Example-2 is available in the API.",
        b"Example-2 is available in the API at half the price.",
    )
    fault_server.state["changing"] = edited
    third = ingest_source(db, src, "run-3", NOW, LIMITS)
    assert third.rows_updated == 1 and third.rows_new == 0
    versions = _count(
        db, "SELECT count(*) FROM entries WHERE entry_id = 'https://example.invalid/news/example-2'"
    )
    assert versions == 2  # the edited entry is a new version; the old one is kept
    current = _count(db, "SELECT count(*) FROM entries_current")
    assert current == first.rows_read
    fault_server.state["changing"] = bytes(range(256)) * 8  # the source now serves garbage
    broken = ingest_source(db, src, "run-4", NOW, LIMITS)
    assert broken.rows_new == 0 and broken.rows_updated == 0
    assert _count(db, "SELECT count(*) FROM entries_current") == current


def test_a_dead_worker_does_not_lose_the_source(bundled: Path, tmp_path: Path) -> None:
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from flows.sources.ingest import collect

    src = Source(
        id="mistral",
        kind="feed",
        format="feed",
        path=bundled / "sources" / "feeds" / "feed_mistral.xml",
    )
    dead: Future = Future()
    dead.set_exception(BrokenProcessPool("a worker was killed"))
    prepared = collect(dead, tmp_path / "brief.duckdb", src, LIMITS)
    assert prepared.error is None and prepared.tables["entries"].num_rows > 0


def test_a_value_that_returns_is_the_current_version_again(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    db = tmp_path / "brief.duckdb"
    src = _source(fault_server, "/changing.xml")
    edited = fault_server.feed.replace(
        b"Example-2 is available in the API.", b"Example-2 is withdrawn."
    )
    for run_no, body in enumerate((fault_server.feed, edited, fault_server.feed), start=1):
        fault_server.state["changing"] = body
        later = datetime(2025, 8, 8 + run_no, tzinfo=UTC)
        assert ingest_source(db, src, f"run-{run_no}", later, LIMITS).ok
    with duckdb.connect(str(db), read_only=True) as con:
        summary = con.execute(
            "SELECT summary FROM entries_current WHERE entry_id = "
            "'https://example.invalid/news/example-2'"
        ).fetchall()[0][0]
        versions = con.execute(
            "SELECT count(*) FROM entries WHERE entry_id = 'https://example.invalid/news/example-2'"
        ).fetchall()[0][0]
    assert summary == "Example-2 is available in the API." and versions == 3


RELATIVE = (
    b'<?xml version="1.0"?><rss version="2.0" '
    b'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Lab</title>'
    b"<item><title>Model X</title><guid>x</guid><link>/news/model-x</link>"
    b'<content:encoded><![CDATA[<p>See <a href="../pricing">pricing</a>.</p>]]>'
    b"</content:encoded></item></channel></rss>"
)


def test_relative_links_are_made_absolute_against_the_feed_address(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    fault_server.state["changing"] = RELATIVE
    db = tmp_path / "brief.duckdb"
    assert ingest_source(db, _source(fault_server, "/changing.xml"), "run-1", NOW, LIMITS).ok
    with duckdb.connect(str(db), read_only=True) as con:
        link, html = con.execute("SELECT link, content_html FROM entries").fetchall()[0]
    assert link == fault_server.url("/news/model-x")  # clickable from an email
    assert f'href="{fault_server.url("/pricing")}"' in html


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        (
            "http://169.254.169.254/latest/meta-data/",
            "refused: 169.254.169.254 is a cloud metadata address (never allowed)",
        ),
        ("http://10.0.0.1/", "refused: 10.0.0.1 is a private address"),
    ],
)
def test_a_redirect_to_a_private_address_fails_the_source(
    tmp_path: Path, fault_server: FaultServer, connections: list[str], location: str, reason: str
) -> None:
    fault_server.state["location"] = location
    db = tmp_path / "brief.duckdb"
    result = ingest_source(db, _source(fault_server, "/redirect-to"), "run-1", NOW, LIMITS)
    assert not result.ok and result.fetch_status == "failed"
    assert result.reason.startswith(reason), result.reason
    assert connections == ["127.0.0.1"]  # the redirect's target was never contacted
    assert _count(db, "SELECT count(*) FROM source_runs WHERE NOT ok") == 1


def test_a_metadata_url_fails_the_source_without_a_connection(
    tmp_path: Path, connections: list[str]
) -> None:
    src = Source(
        id="meta", kind="feed", format="feed", url="http://169.254.169.254/latest/meta-data/"
    )
    result = ingest_source(tmp_path / "brief.duckdb", src, "run-1", NOW, LIMITS)
    assert not result.ok and result.fetch_status == "failed"
    assert result.reason == "refused: 169.254.169.254 is a cloud metadata address (never allowed)"
    assert connections == []


def test_a_reply_that_is_not_a_feed_fails_the_source_and_keeps_no_bytes(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    db = tmp_path / "brief.duckdb"
    result = ingest_source(db, _source(fault_server, "/random"), "run-1", NOW, LIMITS)
    assert not result.ok and "no RSS or Atom feed found" in result.reason
    assert len(result.reason) <= 300
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM rejects").fetchall()[0][0] == 0
