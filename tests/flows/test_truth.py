"""The truth set: real events in the bundled data, and what the brief must say about them.

Each test names the event and where it is recorded. The store holds every bundled source,
ingested once with the plain functions (no Prefect); editions are computed for the days the
events happened, with only what was known on each day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.config import load_config
from flows.pipeline import compute_edition
from flows.store.db import open_store
from flows.store.facts import load_facts, measured_workloads
from flows.store.load import ingest_sources
from signals.compare import estimate_side
from signals.daily import day_signals
from signals.facts import UNDATED
from signals.observed import check_runs, share_within_2x


@pytest.fixture(scope="module")
def world(make_config, tmp_path_factory):
    """(config, results, facts): every bundled source in one store."""
    folder = tmp_path_factory.mktemp("truth")
    cfg = load_config(make_config(folder))
    results = ingest_sources(
        cfg.database, cfg.sources, "truth", datetime(2026, 12, 1, tzinfo=UTC), aliases=cfg.aliases
    )
    assert all(r.ok for r in results), [(r.source_id, r.reason) for r in results if not r.ok]
    with open_store(cfg.database, read_only=True) as con:
        cfg = cfg.model_copy(update={"workloads": measured_workloads(con, cfg)})
        facts = load_facts(con, cfg)
    return cfg, results, facts


def edition(world, day: date):
    cfg, results, _ = world
    return compute_edition(cfg, day, f"truth-{day}", results)[0]


def signals_on(world, day: date, lookback: int = 7):
    cfg, _, facts = world
    from datetime import timedelta

    return day_signals(
        facts,
        cfg.workloads,
        day,
        day - timedelta(days=lookback),
        cfg.capability_words(),
        cfg.noise_floors(),
        lineage=cfg.lineage,
        min_age_days=cfg.edition.incumbent_min_age_days,
    )


# --- prices as known on the day ---------------------------------------------------------------


def test_o3_price_cut_reads_as_cheaper_per_task(world) -> None:
    # OpenAI cut o3 by 80% on 10 June 2025 ($10/$40 -> $2/$8 per 1M tokens); recorded the same
    # day in simonw/llm-prices ("o3 price drops 80%", commit 1d6ed97).
    ed = edition(world, date(2025, 6, 10))
    items = [i for i in ed.items if i.kind == "repricing" and i.model == "o3"]
    assert items, [(i.kind, i.model) for i in ed.items]
    lead = items[0].lines[0].comparison
    assert lead["baseline_role"] == "previous_price" and lead["candidate"].startswith("o3")
    assert lead["reads"]["workload_cost"] == "down" and lead["verdict"] == "cheaper_per_task"
    assert lead["cost_ratio"] == pytest.approx(0.2, abs=0.02)
    assert lead["delta_score"] == 0.0  # same grade: the price moved, not the model


def test_o3_before_the_cut_is_priced_at_its_launch_price_with_cached_input(world) -> None:
    # o3 launched on 16 April 2025 at $10 in, $2.50 cached in, $40 out (OpenAI's launch post,
    # in the house price sheet); a price list's later $0.50 cached figure is not used then.
    _, _, facts = world
    quote = facts.price_on("o3", date(2025, 5, 1))
    assert (quote.price.input, quote.price.cached_input, quote.price.output) == (10, 2.5, 40)
    after = facts.price_on("o3", date(2025, 6, 11))
    assert (after.price.input, after.price.output) == (2, 8)


def test_o1_mini_is_not_priced_at_its_later_cut_price(world) -> None:
    # o1-mini cost $3/$12 until OpenAI cut it to $1.10/$4.40 with o3-mini's launch on
    # 31 January 2025 (llm-prices commit 5c1774b, "o1-mini price drop to match o3-mini").
    _, _, facts = world
    january = facts.price_on("o1-mini", date(2025, 1, 15))
    assert (january.price.input, january.price.output) == (3, 12)
    march = facts.price_on("o1-mini", date(2025, 3, 1))
    assert (march.price.input, march.price.output) == (1.1, 4.4)


def test_nothing_is_priced_before_any_list_knew_it(world) -> None:
    # GPT-5 was released on 7 August 2025; genai-prices listed it on 8 August (commit 708b03f)
    _, _, facts = world
    assert facts.price_on("gpt-5", date(2025, 8, 7)) is None
    assert facts.price_on("gpt-5", date(2025, 8, 8)).price.output == 10
    # and no undated price of the installed snapshot holds before its day (2026-11-09): its
    # dated changes (o3's cut of 10 June 2025) do, from their own day
    for model in ("gpt-5", "o3", "claude-opus-4-1", "gemini-2.0-flash", "gpt-oss-120b"):
        quote = facts.price_on(model, date(2025, 8, 8))
        assert quote is None or all(
            f.source_id != "genai-prices" or f.effective_from != UNDATED for f in quote.facts
        )


def test_a_thinking_run_is_priced_at_its_thinking_rate(world) -> None:
    # Gemini 2.5 Flash Preview cost $0.60 per 1M output tokens without thinking and $3.50 with
    # it (llm-prices "gemini-2.5-flash-preview and gemini-2.5-flash-preview-thinking", 17 June
    # 2025); Aider ran it with a 24k thinking budget.
    _, _, facts = world
    day = date(2025, 6, 20)
    plain = facts.price_on("gemini-2.5-flash-preview", day)
    thinking = facts.price_on("gemini-2.5-flash-preview:24k", day)
    assert plain.price.output == 0.6 and thinking.price.output == 3.5
    assert thinking.thinking_rate


def test_an_open_weight_model_is_priced_at_the_median_of_its_hosts(world) -> None:
    # gpt-oss-120b (5 August 2025) has no OpenAI API; genai-prices lists it under "openai" at
    # $0.039/$0.18 from June 2026, about a quarter of what hosts charge.
    _, _, facts = world
    day = date(2026, 7, 1)
    quote = facts.price_on("gpt-oss-120b:high", day)
    assert quote.hosts >= 3 and quote.provider.startswith("median of")
    assert quote.price.output > 0.18


def test_a_score_counts_from_publication_not_from_release(world) -> None:
    # Epoch AI's LiveBench and Fiction.LiveBench tables give only each model's release date, so
    # their scores count from the download's day (30 October 2025), not from March 2025.
    _, _, facts = world
    assert "livebench" not in facts.scores_on("gemini-2.5-pro", date(2025, 8, 8))
    assert "livebench" in facts.scores_on("gemini-2.5-pro", date(2025, 10, 30))
    # Epoch's own evaluations count from their log's day: GPT-5 on GPQA Diamond, 7 August 2025
    assert "gpqa-diamond" not in facts.scores_on("gpt-5:medium", date(2025, 8, 6))
    assert "gpqa-diamond" in facts.scores_on("gpt-5:medium", date(2025, 8, 7))


# --- tokens per model --------------------------------------------------------------------------


def test_thinking_runs_cost_more_per_attempt_than_their_base_model(world) -> None:
    # Epoch AI graded Claude Opus 4.1 (5 August 2025) without thinking and with 16k and 27k
    # thinking budgets: the thinking runs spend tokens the base model does not.
    cfg, _, facts = world
    day = date(2025, 8, 8)
    wl = cfg.workloads["research_qa"]
    cost = {
        m: estimate_side(wl, facts.side(m, day, wl)).cost_per_attempt
        for m in ("claude-opus-4-1", "claude-opus-4-1:16k", "claude-opus-4-1:27k")
    }
    assert cost["claude-opus-4-1"] < cost["claude-opus-4-1:16k"] <= cost["claude-opus-4-1:27k"]
    basis = {m: facts.tokens(m, wl, day).basis for m in cost}
    assert basis == {
        "claude-opus-4-1": "default",
        "claude-opus-4-1:16k": "assumed",
        "claude-opus-4-1:27k": "assumed",
    }


def test_tokens_are_measured_from_aider_runs(world) -> None:
    # Aider's polyglot run of GPT-5 (high) on 23 August 2025 spent 2,623,429 completion tokens
    # on 225 exercises: 11,660 a case, against 1,809 for the median non-reasoning run known by
    # the end of October 2025 (the workload's reference output).
    cfg, _, facts = world
    wl = cfg.workloads["agentic_coding"]
    tokens = facts.tokens("gpt-5:high", wl, date(2025, 10, 30))
    assert tokens.basis == "measured"
    total = wl.output_tokens * tokens.profile.verbosity + tokens.profile.reasoning_tokens
    assert total == pytest.approx(2_623_429 / 225, rel=0.01)


def test_modelled_cost_is_within_2x_of_aider_observed_cost(world) -> None:
    # Aider publishes each run's total cost: 48 runs of the polyglot leaderboard. The modelled
    # cost per solved task on agentic coding, with that run's grade and tokens, lies within 2x of
    # the observed one for at least 80% of them (bench/observed.py prints every run).
    cfg, _, facts = world
    checks = check_runs(facts, cfg.workloads["agentic_coding"], "aider-polyglot")
    within, priced, total = share_within_2x(checks)
    assert total >= 45 and priced == total
    assert within / total >= 0.8, [(c.model, c.ratio) for c in checks if not c.within_2x]


# --- what the brief compares ---------------------------------------------------------------------


def test_gpt5_launch_is_judged_against_its_predecessor_and_the_incumbent(world) -> None:
    # GPT-5 (7 August 2025) replaced o3 as OpenAI's flagship (data/lineage.toml).
    ed = edition(world, date(2025, 8, 8))
    gpt5 = [i for i in ed.items if i.model == "gpt-5"]
    assert gpt5, [i.model for i in ed.items]
    roles = {
        (ln.comparison["baseline_role"], ln.comparison["baseline"].split(":")[0])
        for ln in gpt5[0].lines
    }
    assert ("predecessor", "o3") in roles
    assert any(role == "incumbent" for role, _ in roles)


def test_every_item_compares_one_benchmark_and_no_sibling_is_an_incumbent(world) -> None:
    # The week of 8 August 2025 brought GPT-5 (three sizes) and Claude Opus 4.1: none of them
    # may be another's incumbent, and both sides of every line are graded on one benchmark.
    ed = edition(world, date(2025, 8, 8))
    _, _, facts = world
    for item in ed.items:
        for line in item.lines:
            c = line.comparison
            assert c["comparable"]
            assert c["candidate_metrics"]["benchmark"] == c["baseline_metrics"]["benchmark"]
            if c["baseline_role"] == "incumbent":
                known = facts.first_known(c["baseline"])
                assert (ed.window_from - known).days >= 14, (c["baseline"], known)
                assert not c["baseline"].startswith(("gpt-5", "claude-opus-4-1"))


def test_no_fact_is_used_before_it_was_known(world) -> None:
    # Every number behind the edition of 8 August 2025 was published on or before that day.
    day = date(2025, 8, 8)
    sig = signals_on(world, day)
    _, _, facts = world
    for c in sig.comparisons:
        for model in (c.candidate, c.baseline):
            quote = facts.price_on(model, day)
            assert quote is not None and quote.known_from <= day
            for fact in facts.scores_on(model, day).values():
                assert fact.published <= day


def test_variants_of_one_model_form_one_item(world) -> None:
    # Claude Opus 4.1 was graded in three settings; the brief gives it one item at most.
    ed = edition(world, date(2025, 8, 8))
    models = [i.model for i in ed.items]
    assert len(models) == len(set(models))
    assert not any(":" in m for m in models)


def test_route_is_advised_only_for_a_priced_pair(world) -> None:
    # Section 7.7: "route" needs the pair incumbent -> candidate priced, viable and cheaper per
    # success than the candidate alone.
    for day in (date(2025, 6, 10), date(2025, 8, 8)):
        for c in signals_on(world, day).comparisons:
            if c.buyer_behaviour == "route":
                assert c.route and c.route["viable"]
                assert c.route["cost_per_success"] < c.candidate_metrics.cost_per_success


def test_an_assumed_token_figure_comes_with_its_break_even(world) -> None:
    # GPT-5 nano's reasoning tokens on a support chat reply are not measured anywhere: the brief
    # says at how many it would change its read, and a verdict that close is weak at most.
    sig = signals_on(world, date(2025, 8, 8))
    assumed = [c for c in sig.comparisons if c.break_even_side is not None]
    assert assumed
    for c in assumed:
        basis = c.candidate_basis if c.break_even_side == "candidate" else c.baseline_basis
        assert basis["tokens_basis"] == "assumed"
        if c.break_even_reasoning_tokens is not None and c.strength == "strong":
            figure = basis["reasoning_tokens"]
            assert not 0.5 <= c.break_even_reasoning_tokens / figure <= 2.0


def test_a_quiet_day_says_so(world) -> None:
    # 1 December 2024: no bundled source records a release, repricing or new score that week
    # that any reference workload could compare.
    ed = edition(world, date(2024, 12, 1))
    assert ed.items == []
    from flows.brief.render import render_edition

    assert "No comparable news today" in render_edition(ed)["md"]


def test_the_edition_warns_when_its_date_is_past_the_newest_data(world) -> None:
    ed = edition(world, date(2027, 6, 1))
    assert any(
        "newest score in the store was published on 30 October 2025" in w for w in ed.warnings
    )


def test_costs_rows_say_what_the_cost_rests_on(world) -> None:
    cfg, _, facts = world
    from typer.testing import CliRunner

    from flows.cli import app

    result = CliRunner().invoke(
        app,
        [
            "costs",
            "--workload",
            "research_qa",
            "--date",
            "2025-08-08",
            "--config",
            str(cfg.path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    rows = {r["model"]: r for r in json.loads(result.output)["models"]}
    for r in rows.values():
        assert {
            "tokens_basis",
            "output_tokens",
            "reasoning_tokens",
            "prices",
            "price_known_from",
        } <= set(r)
        assert date.fromisoformat(r["price_known_from"]) <= date(2025, 8, 8)
    attempts = {m: rows[m]["cost_per_attempt"] for m in rows if m.startswith("claude-opus-4-1")}
    assert len(set(attempts.values())) == len(attempts) >= 2


def test_kimi_k2_as_epoch_writes_it_is_the_priced_model(world) -> None:
    # Epoch AI writes Moonshot's model as "Kimi-K2-Instruct"; the price lists say "kimi-k2"
    # (data/aliases.toml). Its GPQA run of 7 August 2025 belongs to the priced model.
    _, _, facts = world
    assert "gpqa-diamond" in facts.scores_on("kimi-k2", date(2025, 8, 8))
    assert "kimi-k2-instruct" not in facts.scores


def test_price_lists_that_disagree_are_listed(world) -> None:
    # DeepSeek cut V3's output price to $0.42 per 1M tokens in September 2025 (LiteLLM 1.110.2
    # lists it); the genai-prices history read here still holds the earlier day-weighted $0.92.
    cfg, _, facts = world
    from flows.brief.edition import price_checks

    checks = price_checks(cfg, facts, ["deepseek-chat", "gpt-5"], date(2026, 10, 1))
    found = {(c.model, c.field): c for c in checks}
    check = found[("deepseek-chat", "output")]
    assert check.other_source == "litellm-prices" and check.other == pytest.approx(0.42)
    assert ("gpt-5", "output") not in found  # lists that agree are not listed


def test_a_restated_price_changes_no_earlier_day(make_config, tmp_path) -> None:
    # A price list read as two snapshots, 1 March and 1 April 2025: the second changes a price.
    # An edition made again for a day between the two still prices the model as known then
    # (signal-model section 6), and the day after the second read sees the restatement.
    sheet = tmp_path / "prices.csv"
    header = "model,provider,effective_from,input,output\n"
    for snapshot, row in (
        ("2025-03-01", "acme-1,acme,1970-01-01,1,2\n"),
        ("2025-04-01", "acme-1,acme,1970-01-01,3,4\n"),
    ):
        sheet.write_text(header + row)
        src = {
            "id": "list",
            "kind": "prices",
            "format": "canonical",
            "path": str(sheet),
            "as_of": date.fromisoformat(snapshot),
        }
        cfg = load_config(make_config(tmp_path, sources=[src]))
        now = datetime.fromisoformat(snapshot + "T06:00:00+00:00")
        assert all(r.ok for r in ingest_sources(cfg.database, cfg.sources, snapshot, now))
    with open_store(cfg.database, read_only=True) as con:
        facts = load_facts(con, cfg)
        versions = con.execute("SELECT count(*) FROM prices").fetchall()[0][0]
    assert versions == 2  # the restatement is kept beside the first version
    assert facts.price_on("acme-1", date(2025, 2, 28)) is None  # before anything was known
    assert facts.price_on("acme-1", date(2025, 3, 15)).price.output == 2  # as known then
    assert facts.price_on("acme-1", date(2025, 4, 2)).price.output == 4  # as restated
