"""A day's facts selected in DuckDB answer every lookup of that day exactly as the whole history
does (signal-model.md section 6), while reading rows in proportion to the models, not the days."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pytest

from flows.brief.edition import build_edition
from flows.config import load_config
from flows.store.db import open_store
from flows.store.facts import cheaper_claims, load_facts, measured_workloads
from flows.store.load import ingest_sources, insert_facts
from signals.daily import day_signals

# Days across the bundled history: price cuts, releases, quiet weeks, and a day before any data.
DAYS = [
    date(2023, 3, 1),
    date(2024, 7, 18),
    date(2024, 12, 26),
    date(2025, 1, 20),
    date(2025, 4, 16),
    date(2025, 6, 10),
    date(2025, 8, 8),
    date(2025, 11, 1),
]


@pytest.fixture(scope="module")
def bundled_store(make_config, tmp_path_factory):
    """Every bundled source ingested into a new store: its configuration."""
    folder = tmp_path_factory.mktemp("dayfacts")
    cfg = load_config(make_config(folder))
    ingest_sources(
        cfg.database, cfg.sources, "day", datetime(2026, 12, 1, tzinfo=UTC), aliases=cfg.aliases
    )
    return cfg


def _day(con, cfg, facts, day: date) -> dict:
    start = day - timedelta(days=7)
    sig = day_signals(
        facts,
        cfg.workloads,
        day,
        start,
        cfg.capability_words(),
        cfg.noise_floors(),
        claims_cheaper=cheaper_claims(con),
        lineage=cfg.lineage,
        min_age_days=cfg.edition.incumbent_min_age_days,
    )
    edition = build_edition(cfg, facts, sig, [])
    return {
        "edition": json.loads(edition.model_dump_json()),
        "estimates": {
            w: {m: x.to_dict() for m, x in per.items()} for w, per in sig.estimates.items()
        },
        "comparisons": [c.to_json() for c in sig.comparisons],
        "pending": [p.model for p in sig.pending],
    }


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_days_facts_give_the_same_edition_as_the_whole_history(bundled_store, day) -> None:
    with open_store(bundled_store.database, read_only=True) as con:
        cfg = bundled_store.model_copy(update={"workloads": measured_workloads(con, bundled_store)})
        whole = _day(con, cfg, load_facts(con, cfg), day)
        start = day - timedelta(days=7)
        only = _day(con, cfg, load_facts(con, cfg, [day, day - timedelta(days=1), start]), day)
    assert only == whole
    if day >= date(2025, 1, 1):
        assert whole["estimates"] and whole["comparisons"]  # the days compared are not empty


def _insert(con, table: str, rows: list[dict], run_id: str, fetched: datetime) -> None:
    from flows.store.schema import SPECS

    cols = [f.name for f in SPECS[table]]
    full = [
        {**{c: r.get(c) for c in cols}, "row_hash": f"{r}", "source_id": r["source_id"]}
        for r in rows
    ]
    insert_facts(con, table, pa.Table.from_pylist(full), run_id, fetched)


def test_versions_ties_and_ends_are_resolved_as_on_the_whole_history(make_config, tmp_path) -> None:
    """Restated prices and scores, an undated price beside a dated one of the same day, a price
    that ends, a tie between two sources, a cross-check list: every lookup on every day of a
    month agrees between the day's selection and the whole history."""
    cfg = load_config(
        make_config(
            tmp_path,
            sources=[
                {"id": "sheet", "kind": "prices", "format": "canonical", "path": "p.csv"},
                {"id": "list", "kind": "prices", "format": "canonical", "path": "q.csv"},
                {
                    "id": "check",
                    "kind": "prices",
                    "format": "canonical",
                    "path": "r.csv",
                    "role": "cross-check",
                },
                {"id": "board", "kind": "scores", "format": "canonical", "path": "s.csv"},
                {"id": "board2", "kind": "scores", "format": "canonical", "path": "t.csv"},
            ],
        )
    )
    d = date(2025, 3, 1)
    t1, t2 = datetime(2025, 3, 5, tzinfo=UTC), datetime(2025, 3, 12, tzinfo=UTC)

    def price(src, model, frm, inp, known, to=None, provider="lab"):
        return {
            "model": model,
            "provider": provider,
            "effective_from": frm,
            "input": inp,
            "output": inp * 4,
            "known_from": known,
            "effective_to": to,
            "source_id": src,
        }

    def score(src, model, bench, as_of, value, known):
        return {
            "model": model,
            "benchmark": bench,
            "as_of": as_of,
            "value": value,
            "scale": "percent",
            "known_from": known,
            "source_id": src,
        }

    undated = date(1970, 1, 1)
    with open_store(cfg.database) as con:
        _insert(
            con,
            "prices",
            [
                price("sheet", "m1", undated, 1.0, d + timedelta(days=3)),
                price("list", "m1", d + timedelta(days=3), 2.0, d + timedelta(days=3)),
                price("list", "m1", d, 3.0, d),
                price("list", "m2", d, 1.0, d, to=d + timedelta(days=10)),
                price("list", "m2", d + timedelta(days=10), 0.5, d + timedelta(days=12)),
                price("check", "m1", d, 9.0, d),
                price("list", "m3", d, 1.0, d, provider="host-a"),
                price(
                    "list",
                    "m3",
                    d + timedelta(days=2),
                    1.5,
                    d + timedelta(days=2),
                    provider="host-b",
                ),
            ],
            "r1",
            t1,
        )
        _insert(
            con,
            "prices",
            [  # restated: the same key, a new value known later
                price("list", "m1", d + timedelta(days=3), 2.5, d + timedelta(days=8)),
            ],
            "r2",
            t2,
        )
        _insert(
            con,
            "scores",
            [
                score("board", "m1", "livebench", d, 50.0, d + timedelta(days=1)),
                score("board2", "m1", "livebench", d, 52.0, d + timedelta(days=1)),
                score(
                    "board", "m2", "livebench", d + timedelta(days=5), 40.0, d + timedelta(days=6)
                ),
                score("board", "m2", "livebench", d, 30.0, d),
                score("board", "m3", "gpqa-diamond", d, 60.0, d + timedelta(days=20)),
            ],
            "r1",
            t1,
        )
        _insert(
            con,
            "scores",
            [
                score("board", "m1", "livebench", d, 55.0, d + timedelta(days=9)),
            ],
            "r2",
            t2,
        )
    with open_store(cfg.database, read_only=True) as con:
        whole = load_facts(con, cfg)
        for offset in range(-2, 30):
            day = d + timedelta(days=offset)
            only = load_facts(con, cfg, [day])
            for model in ("m1", "m2", "m3"):
                assert only.price_on(model, day) == whole.price_on(model, day), (model, day)
                for src in ("sheet", "list", "check"):
                    assert only.price_on(model, day, source_id=src) == whole.price_on(
                        model, day, source_id=src
                    ), (model, day, src)
                assert only.scores_on(model, day) == whole.scores_on(model, day), (model, day)
                assert only.first_known(model) == whole.first_known(model)
            assert only.newest_score == date(2025, 3, 21)


def test_a_long_history_loads_a_few_rows_per_model(make_config, tmp_path) -> None:
    """Two years of daily prices and scores for one model: a day's selection holds the one
    price and score in force, not the 730 of each."""
    cfg = load_config(
        make_config(
            tmp_path,
            sources=[
                {"id": "list", "kind": "prices", "format": "canonical", "path": "p.csv"},
                {"id": "board", "kind": "scores", "format": "canonical", "path": "s.csv"},
            ],
        )
    )
    first = date(2023, 1, 1)
    days = [first + timedelta(days=i) for i in range(730)]
    with open_store(cfg.database) as con:
        _insert(
            con,
            "prices",
            [
                {
                    "model": "m",
                    "provider": "lab",
                    "effective_from": day,
                    "input": 1.0 + i % 7,
                    "output": 4.0,
                    "known_from": day,
                    "source_id": "list",
                }
                for i, day in enumerate(days)
            ],
            "r",
            datetime(2025, 1, 2, tzinfo=UTC),
        )
        _insert(
            con,
            "scores",
            [
                {
                    "model": "m",
                    "benchmark": "livebench",
                    "as_of": day,
                    "value": 40.0 + i % 9,
                    "scale": "percent",
                    "known_from": day,
                    "source_id": "board",
                }
                for i, day in enumerate(days)
            ],
            "r",
            datetime(2025, 1, 2, tzinfo=UTC),
        )
    day = date(2024, 6, 30)
    with open_store(cfg.database, read_only=True) as con:
        only = load_facts(con, cfg, [day, day - timedelta(days=7)])
        whole = load_facts(con, cfg)
    assert len(whole.prices["m"]) == 730 and len(whole.scores["m"]) == 730
    assert len(only.prices["m"]) == 2
    assert len(only.scores["m"]) <= 3  # the two days' latest, and the window's first
    assert only.price_on("m", day) == whole.price_on("m", day)
    assert only.scores_on("m", day) == whole.scores_on("m", day)
    assert only.first_known("m") == whole.first_known("m") == first


def test_only_a_score_that_can_grade_a_workload_is_news() -> None:
    """A daily arena rating or a score on a benchmark no workload uses changes no bill: the
    model is not judged again under a "newly published score" headline. A success rate on a
    workload's benchmark is news."""
    from signals.compare import Score
    from signals.daily import news_in_window
    from signals.facts import FactSet, ScoreFact

    day, start = date(2025, 8, 8), date(2025, 8, 1)
    facts = FactSet()
    for model in ("rated", "off", "graded"):
        facts.add(ScoreFact(model, "livebench", date(2025, 1, 1), Score(50.0), "board"))
    facts.add(ScoreFact("rated", "arena", day, Score(1300.0, "rating"), "arena"))
    facts.add(ScoreFact("off", "some-eval", day, Score(70.0), "board"))
    facts.add(ScoreFact("graded", "livebench", day, Score(55.0), "board"))
    assert news_in_window(facts, start, day, {"livebench"}).scores == ["graded"]
    assert news_in_window(facts, start, day).scores == ["graded", "off"]  # any benchmark


@pytest.mark.parametrize(
    "pair",
    [
        ("gpt-5:medium", "gpt-4.1"),
        ("o3:high", "deepseek-reasoner"),
        ("gpt-5-mini:medium", "deepseek-chat"),
    ],
    ids=str,
)
def test_a_question_about_two_models_reads_only_theirs_and_gets_the_same_answer(
    bundled_store, pair
) -> None:
    from signals.compare import compare, estimate_side

    day = date(2025, 8, 8)
    with open_store(bundled_store.database, read_only=True) as con:
        cfg = bundled_store.model_copy(update={"workloads": measured_workloads(con, bundled_store)})
        whole = load_facts(con, cfg, [day])
        only = load_facts(con, cfg, [day], models=pair)
    assert {m for m, scored in only.scores.items() if scored} <= set(pair)
    assert sum(map(len, only.prices.values())) < sum(map(len, whole.prices.values())) / 10
    compared = 0
    for wl in cfg.workloads.values():
        sides = [(whole.side(m, day, wl), only.side(m, day, wl)) for m in pair]
        assert [a for a, _ in sides] == [b for _, b in sides]
        if all(a is not None and estimate_side(wl, a) for a, _ in sides):
            args = (cfg.capability_words(), cfg.noise_floors())
            assert (
                compare(wl, sides[0][0], sides[1][0], day, *args).to_json()
                == compare(wl, sides[0][1], sides[1][1], day, *args).to_json()
            )
            compared += 1
    assert compared


@pytest.mark.parametrize("day", [d for d in DAYS if d.year >= 2025], ids=str)
def test_the_analysts_macros_select_what_a_run_uses(bundled_store, day) -> None:
    """`prices_on(day)` and `scores_on(day)` give, per source, the price a run would use from
    that source, and per model and benchmark the score a run would use (tables only)."""
    with open_store(bundled_store.database) as con:  # migrated
        prices = con.execute(
            "SELECT model, provider, source_id, input, output, effective_from FROM prices_on(?)",
            [day],
        ).fetchall()
        scores = con.execute(
            "SELECT model, benchmark, value, source_id FROM scores_on(?)", [day]
        ).fetchall()
        whole = load_facts(con, bundled_store)
    expected = set()
    for model, facts in whole.prices.items():
        for source in {f.source_id for f in facts}:
            picked = whole._in_force([f for f in facts if f.source_id == source], day)
            expected |= {
                (model, provider, source, f.price.input, f.price.output, f.effective_from)
                for provider, f in picked.items()
            }
    assert set(prices) == expected and len(prices) == len(expected) > 10
    table_scores = {
        (m, b, f.score.value, f.source_id)
        for m in whole.scores
        for b, f in whole.scores_on(m, day).items()
        if not f.claimed
    }
    assert set(scores) == table_scores and len(scores) == len(table_scores) > 10


def test_a_workloads_costs_need_only_its_benchmarks_scores(bundled_store) -> None:
    """`brief costs` reads only the scores of the workload's benchmarks: the same estimates."""
    from signals.daily import estimates_on

    day = date(2025, 8, 8)
    with open_store(bundled_store.database, read_only=True) as con:
        cfg = bundled_store.model_copy(update={"workloads": measured_workloads(con, bundled_store)})
        for wl in cfg.workloads.values():
            if wl.observed_success is not None:
                continue
            whole = load_facts(con, cfg, [day])
            only = load_facts(con, cfg, [day], benchmarks=wl.benchmarks)
            assert {f.benchmark for fs in only.scores.values() for f in fs} <= set(wl.benchmarks)
            got = estimates_on(only, [wl], day)[wl.name]
            assert got == estimates_on(whole, [wl], day)[wl.name] and got
