"""Sources read in batches: every source in exactly one batch of about equal bytes, and a source
that breaks never takes its batch down."""

from __future__ import annotations

import multiprocessing

from flows.config import load_config
from flows.sources.ingest import DEFAULT_LIMITS, batches, prepare_batch


def test_batches_hold_every_source_once_and_weigh_about_the_same(
    make_config, many_feeds, tmp_path
) -> None:
    sources = many_feeds(tmp_path / "feeds", 200)
    cfg = load_config(make_config(tmp_path, sources))
    planned = batches(cfg.sources, 8)
    assert len(planned) == 8
    assert sorted(s.id for b in planned for s in b) == sorted(s["id"] for s in sources)
    weights = [sum(s.path.stat().st_size for s in b) for b in planned]
    assert max(weights) <= 1.1 * min(weights), weights
    assert weights == sorted(weights, reverse=True)  # the heaviest batch starts first
    assert len(batches(cfg.sources[:3], 8)) == 3  # never an empty batch


def _in_a_daemon(sources, out) -> None:
    prepared = prepare_batch(sources, {}, DEFAULT_LIMITS)
    out.put({k: (v.error, sum(t.num_rows for t in v.tables.values())) for k, v in prepared.items()})


def test_a_broken_source_fails_alone_and_a_daemonic_process_parses_in_place(
    make_config, many_feeds, tmp_path
) -> None:
    sources = many_feeds(tmp_path / "feeds", 4)
    (tmp_path / "feeds" / "feed-00002.xml").write_bytes(b"\x00 not a feed")
    cfg = load_config(make_config(tmp_path, sources))
    # a daemonic process cannot fork the worker pool (a Dask worker's is one)
    queue = multiprocessing.get_context("spawn").Queue()
    daemon = multiprocessing.get_context("spawn").Process(
        target=_in_a_daemon, args=(cfg.sources, queue), daemon=True
    )
    daemon.start()
    result = queue.get(timeout=120)
    daemon.join(timeout=60)
    assert result["feed-00002"][0] and "feed" in result["feed-00002"][0]
    assert {k: v for k, v in result.items() if k != "feed-00002"} == {
        "feed-00000": (None, 3),
        "feed-00001": (None, 3),
        "feed-00003": (None, 3),
    }
