"""Read stored facts into the signals' FactSet, and write the day's estimates and signals back."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pyarrow as pa

from flows.store import run
from signals.compare import Comparison, Score, success_benchmark
from signals.costmodel import Price, Profile
from signals.daily import DaySignals, FactSet, PriceFact, RunCostFact, ScoreFact

PROFILE_FIELDS = ("verbosity", "reasoning_tokens", "ttft_s", "output_tps", "context_window")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    return con.sql(sql).to_arrow_table().to_pylist()


def load_facts(con: duckdb.DuckDBPyConnection) -> FactSet:
    """Every price, score, run cost and profile in the store (ordered, so results are stable)."""
    facts = FactSet()
    for r in _rows(con, "SELECT * FROM prices ORDER BY model, provider, effective_from, source_id"):
        price = Price(
            input=r["input"], output=r["output"], cached_input=r["cached_input"],
            cache_write=r["cache_write"], reasoning=r["reasoning"], request=r["request"] or 0.0,
            tier_threshold_tokens=r["tier_threshold_tokens"], input_above=r["input_above"],
            output_above=r["output_above"],
        )
        facts.add(PriceFact(r["model"], r["provider"], r["effective_from"], price,
                            r["source_id"], r["evidence_url"]))
    for r in _rows(con, "SELECT * FROM scores ORDER BY model, benchmark, as_of, source_id"):
        facts.add(ScoreFact(r["model"], r["benchmark"], r["as_of"],
                            Score(r["value"], r["scale"], r["stderr"]), r["source_id"],
                            r["evidence_url"]))
    for r in _rows(con, "SELECT * FROM run_costs ORDER BY model, benchmark, as_of, source_id"):
        facts.add(RunCostFact(r["model"], r["benchmark"], r["as_of"], r["total_cost_usd"],
                              r["tasks"], r["solved"], r["source_id"]))
    # Per model, each profile field from the first source (by id) that gives it.
    merged: dict[str, dict] = {}
    for r in _rows(con, "SELECT * FROM profiles ORDER BY model, source_id"):
        fields = merged.setdefault(r["model"], {})
        for k in PROFILE_FIELDS:
            if r[k] is not None:
                fields.setdefault(k, r[k])
    facts.profiles.update({m: Profile(**f) for m, f in merged.items()})
    return facts


def last_edition_before(con: duckdb.DuckDBPyConnection, day: date) -> date | None:
    row = con.execute("SELECT max(edition_date) FROM editions WHERE edition_date < ?",
                      [day]).fetchall()
    return row[0][0]


def save_estimates(con: duckdb.DuckDBPyConnection, sig: DaySignals, facts: FactSet,
                   workloads: dict, run_id: str) -> int:
    """Replace the day's estimates (a rerun for the same day leaves the same rows)."""
    rows = []
    for wl_name, per_model in sig.estimates.items():
        wl = workloads[wl_name]
        for model, m in sorted(per_model.items()):
            side = facts.side(model, sig.day, wl)
            bench = success_benchmark(wl, side) if side else None
            d = m.to_dict()
            rows.append({
                "as_of": sig.day, "model": model, "workload": wl_name, "benchmark": bench,
                "score": side.scores[bench].value if side and bench else None,
                **{k: d.get(k) for k in (
                    "p", "cost_per_attempt", "p_ok", "expected_attempts", "cost_per_request",
                    "cost_per_success", "daily_bill", "prefill_tokens_per_day",
                    "decode_tokens_per_day", "latency_p95_s", "fits_latency", "fits_context",
                    "net_value_per_request", "viable", "observed_cost_per_solved")},
                "run_id": run_id,
            })
    run(con, "DELETE FROM estimates WHERE as_of = ?", [sig.day])
    if rows:
        con.register("_est", pa.Table.from_pylist(rows))
        try:
            run(con, "INSERT INTO estimates BY NAME SELECT * FROM _est")
        finally:
            con.unregister("_est")
    return len(rows)


def save_signals(con: duckdb.DuckDBPyConnection, day: date, comparisons: list[Comparison],
                 run_id: str) -> int:
    """Replace the day's signals, every comparison made (no_signal included) for analysts."""
    rows = [{
        "edition_date": day, "model": c.candidate, "workload": c.workload,
        "baseline": c.baseline, "verdict": c.verdict, "strength": c.strength,
        "cost_driver": c.cost_driver, "buyer_behaviour": c.buyer_behaviour,
        "delta_score": c.delta_score, "cost_ratio": c.cost_ratio,
        "claim_contradicted": c.claim_contradicted,
        "comparison": json.dumps(c.to_json(), sort_keys=False), "run_id": run_id,
    } for c in comparisons]
    run(con, "DELETE FROM signals WHERE edition_date = ?", [day])
    if rows:
        con.register("_sig", pa.Table.from_pylist(rows))
        try:
            run(con, "INSERT INTO signals BY NAME SELECT * FROM _sig")
        finally:
            con.unregister("_sig")
    return len(rows)
