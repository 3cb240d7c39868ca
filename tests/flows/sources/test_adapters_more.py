"""More source adapters on the real third-party files: LiteLLM, OpenRouter, llm-prices, LMArena,
the Azure LLM inference trace, and the trace summary they feed."""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.sources.adapters import FORMATS, azure_trace, litellm, llm_prices, lmarena, openrouter
from flows.sources.adapters.base import Parsed
from signals.trace import TraceRow, percentile_nearest_rank, summarise

LITELLM = "pricing/litellm_model_prices_and_context_window.json"
OPENROUTER = "pricing/openrouter_api_v1_models_all.json"
TRACE = "traces/AzureLLMInferenceTrace_code.csv"
TEXT_MODES = {"chat", "completion", "responses"}


def _csv_records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_registry_names_the_new_formats() -> None:
    assert FORMATS["litellm"] is litellm.parse
    assert FORMATS["openrouter"] is openrouter.parse
    assert FORMATS["llm-prices"] is llm_prices.parse
    assert FORMATS["lmarena"] is lmarena.parse
    assert FORMATS["azure-trace"] is azure_trace.parse


# -- LiteLLM --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def litellm_doc(real: Path) -> dict:
    return json.loads((real / LITELLM).read_bytes())


@pytest.fixture(scope="module")
def litellm_parsed(real: Path) -> Parsed:
    return litellm.parse((real / LITELLM).read_bytes(), "litellm")


def test_litellm_every_entry_is_a_price_or_a_reject(
    check_contract, litellm_parsed: Parsed, litellm_doc: dict
) -> None:
    check_contract(litellm_parsed)
    assert len(litellm_doc) == 4878
    assert litellm_parsed.count("prices") + len(litellm_parsed.rejects) == len(litellm_doc)
    assert {r["kind"] for r in litellm_parsed.rejects} == {"prices"}
    non_text = [
        k
        for k, v in litellm_doc.items()
        if k != "sample_spec"
        and "alias_of" not in v
        and v.get("mode")
        and v["mode"] not in TEXT_MODES
    ]
    mode_rejects = [
        r for r in litellm_parsed.rejects if r["reason"].endswith(": not a text-generation price")
    ]
    assert len(mode_rejects) == len(non_text) > 1000
    assert any(r["reason"] == "mode embedding: not a text-generation price" for r in mode_rejects)
    spec = [r for r in litellm_parsed.rejects if r["reason"].startswith("sample_spec")]
    assert len(spec) == 1 and "documentation" in spec[0]["reason"]
    aliases = sum("alias_of" in v for v in litellm_doc.values())
    assert sum(r["reason"].startswith("alias of ") for r in litellm_parsed.rejects) == aliases


def test_litellm_known_prices(one_named, litellm_parsed: Parsed) -> None:
    rows = litellm_parsed.rows["prices"]
    gpt4o = one_named(rows, "gpt-4o")
    assert (gpt4o["model"], gpt4o["provider"], gpt4o["effective_from"]) == (
        "gpt-4o",
        "openai",
        "1970-01-01",
    )
    assert (gpt4o["input"], gpt4o["output"], gpt4o["cached_input"]) == (2.5, 10.0, 1.25)
    assert gpt4o["tier_threshold_tokens"] is None and gpt4o["input_above"] is None
    gemini = one_named(rows, "gemini/gemini-2.5-pro")
    assert (gemini["input"], gemini["output"], gemini["cached_input"]) == (1.25, 10.0, 0.125)
    assert (gemini["tier_threshold_tokens"], gemini["input_above"], gemini["output_above"]) == (
        200000,
        2.5,
        15.0,
    )
    # a `tiered_pricing` list: the base from the first range, the tier from the second
    qwen = one_named(rows, "dashscope/qwen3-coder-flash")
    assert (
        qwen["input"],
        qwen["output"],
        qwen["tier_threshold_tokens"],
        qwen["input_above"],
        qwen["output_above"],
    ) == (0.3, 1.5, 32000, 0.5, 2.5)
    assert one_named(rows, "perplexity/pplx-70b-online")["request"] == 0.005
    assert one_named(litellm_parsed.rows["profiles"], "gpt-4o")["context_window"] == 128000


def test_litellm_prices_carry_no_float_noise(litellm_parsed: Parsed) -> None:
    fields = (
        "input",
        "cached_input",
        "cache_write",
        "output",
        "reasoning",
        "input_above",
        "output_above",
    )
    values = [
        r[f] for r in litellm_parsed.rows["prices"] for f in fields if isinstance(r[f], float)
    ]
    assert values and all(float(f"{v:.10g}") == v for v in values)
    assert litellm.per_million(2.5e-06) == 2.5
    assert litellm.per_million(1.6666667e-07) == 0.16666667
    assert litellm.per_million("0.0000032") == 3.2
    assert litellm.per_million("n/a") == "n/a" and litellm.per_million("") is None


def test_litellm_one_row_per_model_and_provider(one_named, litellm_parsed: Parsed) -> None:
    rows = litellm_parsed.rows["prices"]
    keys = [(r["model"], r["provider"], r["effective_from"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert one_named(rows, "azure/o4-mini")["input"] == 1.1  # not the regional azure/us/o4-mini
    assert not [r for r in rows if r["source_name"] == "azure/us/o4-mini"]
    assert any("'azure/o4-mini'" in r["reason"] for r in litellm_parsed.rejects)


def test_litellm_as_of_and_bad_input() -> None:
    entry = {
        "m-1": {
            "mode": "chat",
            "litellm_provider": "p",
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 2e-06,
            "max_input_tokens": 8192,
        },
        "m-2": {"mode": "chat", "output_cost_per_token": 2e-06},
        "m-3": {"input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06},
    }
    parsed = litellm.parse(json.dumps(entry).encode(), "x", as_of="2025-06-01")
    (row,) = parsed.rows["prices"]
    assert (row["effective_from"], row["input"], row["output"]) == ("2025-06-01", 1.0, 2.0)
    assert [r["reason"] for r in parsed.rejects] == [
        "no per-token input price (price keys: output_cost_per_token)",
        "no mode: not known to be a text-generation price",
    ]
    assert litellm.parse(b"{", "x").rejects[0]["reason"].startswith("not valid JSON")
    assert "expected a JSON object" in litellm.parse(b"[]", "x").rejects[0]["reason"]


# -- OpenRouter -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openrouter_doc(real: Path) -> dict:
    return json.loads((real / OPENROUTER).read_bytes())


@pytest.fixture(scope="module")
def openrouter_parsed(real: Path) -> Parsed:
    return openrouter.parse((real / OPENROUTER).read_bytes(), "openrouter")


def test_openrouter_every_model_is_a_price_or_a_reject(
    check_contract, openrouter_parsed: Parsed, openrouter_doc: dict
) -> None:
    check_contract(openrouter_parsed)
    items = openrouter_doc["data"]
    assert len(items) == 549
    assert openrouter_parsed.count("prices") + len(openrouter_parsed.rejects) == len(items)
    reasons = [r["reason"] for r in openrouter_parsed.rejects]
    routers = [
        m for m in items if m["pricing"]["prompt"] == "-1" or m["id"].startswith("openrouter/")
    ]
    assert sum(r.startswith("a router") for r in reasons) == len(routers) > 0
    assert sum(r.startswith("free variant") for r in reasons) == sum(
        m["id"].endswith(":free") for m in items
    )
    assert sum(r.startswith("batch variant") for r in reasons) == sum(
        m["id"].endswith(":batch") for m in items
    )
    assert {r["provider"] for r in openrouter_parsed.rows["prices"]} == {"openrouter"}


def test_openrouter_known_prices(one_named, openrouter_parsed: Parsed) -> None:
    rows = openrouter_parsed.rows["prices"]
    gpt4o = one_named(rows, "openai/gpt-4o")
    assert (gpt4o["model"], gpt4o["input"], gpt4o["output"], gpt4o["cached_input"]) == (
        "gpt-4o",
        2.5,
        10.0,
        1.25,
    )
    assert (gpt4o["effective_from"], gpt4o["created"]) == ("1970-01-01", "2024-05-13")
    sonnet = one_named(rows, "anthropic/claude-sonnet-4")
    assert (sonnet["input"], sonnet["output"], sonnet["cache_write"]) == (3.0, 15.0, 3.75)
    assert (sonnet["tier_threshold_tokens"], sonnet["input_above"], sonnet["output_above"]) == (
        200000,
        6.0,
        22.5,
    )
    gpt4o = one_named(openrouter_parsed.rows["profiles"], "openai/gpt-4o")
    assert gpt4o["context_window"] == 128000
    # the "-fast" variant maps to the same model id; the plainly named entry is kept
    opus = [r for r in rows if r["model"] == "claude-opus-4-7"]
    assert [(r["source_name"], r["input"]) for r in opus] == [("anthropic/claude-opus-4.7", 5.0)]


def test_openrouter_as_of_and_rejects() -> None:
    doc = {
        "data": [
            {
                "id": "v/m",
                "created": 1700000000,
                "context_length": 1000,
                "architecture": {"output_modalities": ["text"]},
                "pricing": {"prompt": "0.000001", "completion": "0.000002", "request": "0.01"},
            },
            {
                "id": "v/img",
                "architecture": {"output_modalities": ["image"]},
                "pricing": {"prompt": "0.000001", "completion": "0"},
            },
            {"id": "v/zero", "pricing": {"prompt": "0", "completion": "0"}},
            "junk",
        ]
    }
    parsed = openrouter.parse(json.dumps(doc).encode(), "x", as_of="2025-07-01")
    (row,) = parsed.rows["prices"]
    assert (row["effective_from"], row["input"], row["output"], row["request"]) == (
        "2025-07-01",
        1.0,
        2.0,
        0.01,
    )
    assert row["created"] == "2023-11-14"
    assert [r["reason"] for r in parsed.rejects] == [
        "output image: not a text-generation price",
        "no price listed (prompt and completion are 0)",
        "item is not a JSON object",
    ]
    assert "'data' list" in openrouter.parse(b"{}", "x").rejects[0]["reason"]


# -- llm-prices -----------------------------------------------------------------------------


@pytest.mark.real_files("pricing/simonw_llm_prices/*.json")
def test_llm_prices_every_history_entry_is_accounted_for(check_contract, real_file: Path) -> None:
    doc = json.loads(real_file.read_bytes())
    parsed = llm_prices.parse(real_file.read_bytes(), "llm-prices")
    check_contract(parsed)
    entries = sum(len(m["price_history"]) for m in doc["models"])
    assert parsed.count("prices") + len(parsed.rejects) == entries
    for row in parsed.rows.get("prices", []):
        assert row["provider"] == doc["vendor"]
        assert row["effective_from"] == "1970-01-01" or row["effective_from"][:2] == "20"


def test_llm_prices_dated_change(real: Path) -> None:
    path = real / "pricing/simonw_llm_prices/deepseek.json"
    rows = [
        r
        for r in llm_prices.parse(path.read_bytes(), "x").rows["prices"]
        if r["source_name"] == "deepseek-chat"
    ]
    by_date = {r["effective_from"]: r for r in rows}
    assert set(by_date) == {"1970-01-01", "2025-02-08"}
    assert (by_date["1970-01-01"]["input"], by_date["1970-01-01"]["output"]) == (0.14, 0.28)
    assert by_date["1970-01-01"]["effective_to"] == "2025-02-08"
    assert by_date["1970-01-01"]["known_from"] is None  # undated: the snapshot's day
    assert by_date["2025-02-08"]["known_from"] == "2025-02-08"
    assert (by_date["2025-02-08"]["input"], by_date["2025-02-08"]["output"]) == (0.27, 1.1)
    assert by_date["2025-02-08"]["effective_to"] is None


def test_llm_prices_long_context_tier_is_folded(real: Path) -> None:
    path = real / "pricing/simonw_llm_prices/openai.json"
    parsed = llm_prices.parse(path.read_bytes(), "x")
    terra = {
        r["effective_from"]: r for r in parsed.rows["prices"] if r["source_name"] == "gpt-5.6-terra"
    }
    assert {
        d: (
            r["input"],
            r["output"],
            r["cached_input"],
            r["tier_threshold_tokens"],
            r["input_above"],
            r["output_above"],
        )
        for d, r in terra.items()
    } == {
        "1970-01-01": (2.5, 15.0, 0.25, 272000, 5.0, 22.5),
        "2026-07-30": (2, 12.0, 0.2, 272000, 4.0, 18.0),
    }
    assert not [r for r in parsed.rows["prices"] if r["source_name"].endswith("-272k")]
    folded = [r for r in parsed.rejects if "gpt-5.6-terra-272k" in r["raw"]]
    assert len(folded) == 2 and all("folded into its rows" in r["reason"] for r in folded)


def test_llm_prices_rejects() -> None:
    assert "not an llm-prices vendor file" in llm_prices.parse(b"[]", "x").rejects[0]["reason"]
    doc = {
        "vendor": "v",
        "models": [
            {"name": "no id"},
            {"id": "m", "price_history": []},
            {"id": "n", "price_history": ["bad"]},
        ],
    }
    reasons = [r["reason"] for r in llm_prices.parse(json.dumps(doc).encode(), "x").rejects]
    assert reasons == [
        "model entry has no id",
        "m: no price history",
        "n: price history entry is not an object",
    ]


# -- LMArena --------------------------------------------------------------------------------


@pytest.mark.real_files("benchmarks/lmarena/*.csv")
def test_lmarena_every_csv_is_accounted_for(check_contract, real_file: Path) -> None:
    records = _csv_records(real_file)
    undated = lmarena.parse(real_file.read_bytes(), "arena")
    check_contract(undated)
    assert undated.count("scores") == 0 and len(undated.rejects) == len(records) > 0
    assert {r["reason"] for r in undated.rejects} == {
        "no date: pass as_of (the export has no date column)"
    }
    dated = lmarena.parse(real_file.read_bytes(), "arena", as_of="2025-08-01", benchmark="arena-x")
    check_contract(dated)
    assert dated.count("scores") + len(dated.rejects) == len(records)
    assert dated.count("scores") > 0.75 * len(records)
    for row in dated.rows["scores"]:
        assert (row["scale"], row["benchmark"], row["as_of"]) == ("rating", "arena-x", "2025-08-01")
        assert row["value"] > 100 and row["stderr"] is not None and row["stderr"] > 0


def test_lmarena_first_row_rating_and_stderr(real: Path) -> None:
    path = real / "benchmarks/lmarena/lmarena_text.csv"
    first = _csv_records(path)[0]
    assert (first["model"], first["arena_score"], first["95_pct_ci"]) == (
        "Gemini-2.5-Pro",
        "1470",
        "+5/-5",
    )
    row = lmarena.parse(path.read_bytes(), "arena", as_of="2025-08-01").rows["scores"][0]
    assert row == {
        "model": "gemini-2.5-pro",
        "benchmark": "lmarena-text",
        "as_of": "2025-08-01",
        "value": 1470,
        "scale": "rating",
        "stderr": pytest.approx(5 / 1.96),
        "version": "26019",
        "source_name": "Gemini-2.5-Pro",
        "evidence_url": "https://lmarena.ai/leaderboard",
    }
    lmsys = real / "benchmarks/lmarena/lmsys_chatbot_arena.csv"  # asymmetric CI: +5/-4
    row = lmarena.parse(lmsys.read_bytes(), "arena", as_of="2025-08-01").rows["scores"][0]
    assert (row["value"], row["stderr"]) == (1474, pytest.approx(4.5 / 1.96))


def test_lmarena_merged_table_repeats_are_rejected(one_named, real: Path) -> None:
    path = real / "benchmarks/lmarena/merged_arena_openllm.csv"
    records = _csv_records(path)
    parsed = lmarena.parse(path.read_bytes(), "arena", as_of="2025-08-01")
    repeats = len(records) - len({r["model"] for r in records})
    assert repeats == 9
    assert sum("repeats 'Phi-4' of line" in r["reason"] for r in parsed.rejects) == 2
    assert sum(" repeats " in r["reason"] for r in parsed.rejects) == repeats
    assert one_named(parsed.rows["scores"], "Phi-4")["value"] == 1214


def test_lmarena_other_layouts_and_ci_forms() -> None:
    data = (
        b"Model,Arena Elo rating,95% CI,Votes,date\n"
        b"m-a,1200,+-6,100,2024-05-01\n"
        b",1100,+3/-3,10,2024-05-01\n"
        b"m-b,1150,,5,\n"
    )
    parsed = lmarena.parse(data, "old", benchmark="chatbot-arena")
    assert [
        (r["source_name"], r["as_of"], r["stderr"], r["version"]) for r in parsed.rows["scores"]
    ] == [("m-a", "2024-05-01", pytest.approx(6 / 1.96), "100")]
    assert [r["reason"] for r in parsed.rejects] == [
        "line 3: row names no model",
        "no date: pass as_of (the export has no date column)",
    ]
    fallback = lmarena.parse(data, "old", as_of="2024-06-01").rows["scores"]
    assert [r["as_of"] for r in fallback] == ["2024-05-01", "2024-06-01"]
    assert lmarena.stderr_from_ci("±3.92") == pytest.approx(2.0)
    assert lmarena.stderr_from_ci("n/a") is None and lmarena.stderr_from_ci(None) is None
    assert "not an arena leaderboard" in lmarena.parse(b"a,b\n1,2\n", "x").rejects[0]["reason"]


# -- trace summary and the Azure trace ------------------------------------------------------

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def test_percentile_is_nearest_rank() -> None:
    assert percentile_nearest_rank(list(range(1, 21)), 0.95) == 19  # rank ceil(19.0) = 19
    assert percentile_nearest_rank(list(range(1, 11)), 0.95) == 10  # rank ceil(9.5) = 10
    assert percentile_nearest_rank([7], 0.95) == 7
    with pytest.raises(ValueError):
        percentile_nearest_rank([], 0.95)


def test_summarise_optional_fields() -> None:
    rows = [
        TraceRow(T0, 100, 10, cached_tokens=50, reasoning_tokens=4, latency_s=1.0, ok=True),
        TraceRow(T0 + timedelta(seconds=30), 300, 30, cached_tokens=0, latency_s=3.0, ok=False),
        TraceRow(T0 + timedelta(seconds=60), 200, 20),
    ]
    summary = summarise(rows)
    assert (summary.requests, summary.span_s) == (3, 60.0)
    assert summary.prompt_tokens_mean == 200 and summary.prompt_tokens_p95 == 300
    assert summary.output_tokens_mean == 20 and summary.output_tokens_p95 == 30
    assert summary.cached_share == pytest.approx(50 / 400)  # over the rows that report it
    assert summary.reasoning_tokens_mean == 4 and summary.observed_success == 0.5
    assert summary.latency_p95_s == 3.0
    assert summary.requests_per_day == pytest.approx(3 / 60 * 86400)
    assert (summary.first, summary.last) == (T0, T0 + timedelta(seconds=60))
    plain = summarise(rows[2:] + [TraceRow(T0, 1, 1)])
    assert (
        plain.cached_share,
        plain.reasoning_tokens_mean,
        plain.observed_success,
        plain.latency_p95_s,
    ) == (None, None, None, None)


def test_summarise_needs_a_time_span() -> None:
    with pytest.raises(ValueError, match="at least two distinct timestamps"):
        summarise([TraceRow(T0, 1, 1), TraceRow(T0, 2, 2)])
    with pytest.raises(ValueError, match="at least two distinct timestamps"):
        summarise([])


def test_azure_trace_summary_matches_the_code_assistant_workload(
    check_contract, real: Path
) -> None:
    path = real / TRACE
    requests = len(_csv_records(path))
    parsed = azure_trace.parse(path.read_bytes(), "azure-code", workload="code_assistant")
    check_contract(parsed)
    assert not parsed.rejects
    (row,) = parsed.rows["trace_summaries"]
    assert set(row) == {
        "source_id",
        "workload",
        "requests",
        "span_s",
        "prompt_tokens_mean",
        "prompt_tokens_p95",
        "output_tokens_mean",
        "output_tokens_p95",
        "cached_share",
        "reasoning_tokens_mean",
        "requests_per_day",
        "observed_success",
        "latency_p95_s",
        "first_request",
        "last_request",
    }
    assert (row["source_id"], row["workload"]) == ("azure-code", "code_assistant")
    # the figures data/workloads.toml states for code_assistant
    assert row["requests"] == requests == 8819
    assert round(row["prompt_tokens_mean"]) == 2048 and row["prompt_tokens_p95"] == 7315
    assert round(row["output_tokens_mean"], 2) == 27.88 and row["output_tokens_p95"] == 90
    assert round(row["span_s"]) == 3436
    assert round(row["requests_per_day"]) == 221762
    assert row["requests_per_day"] == pytest.approx(8819 / row["span_s"] * 86400)
    assert (row["first_request"], row["last_request"]) == (
        "2023-11-16T18:17:03.979960+00:00",
        "2023-11-16T19:14:19.928016+00:00",
    )
    assert row["cached_share"] is None and row["observed_success"] is None
    assert row["latency_p95_s"] is None and row["reasoning_tokens_mean"] is None
    # independently: the nearest-rank p95 of the raw column
    prompts = sorted(int(r["ContextTokens"]) for r in _csv_records(path))
    assert prompts[math.ceil(0.95 * len(prompts)) - 1] == 7315


def test_azure_trace_rejects_malformed_lines() -> None:
    data = (
        b"timestamp,contexttokens,generatedtokens\r\n"  # names in any case
        b"2023-11-16 18:17:03.9799600,10,2\r\n"
        b"yesterday,1,1\r\n"
        b"2023-11-16 18:17:05,-3,1\r\n"
        b"2023-11-16 18:17:05,3.5,1\r\n"
        b"2023-11-16 18:17:05,3\r\n"
        b"2023-11-16 18:18:03.9799600,20,4"
    )
    parsed = azure_trace.parse(data, "t", workload="w")
    (row,) = parsed.rows["trace_summaries"]
    assert (row["requests"], row["span_s"], row["prompt_tokens_mean"]) == (2, 60.0, 15.0)
    assert [(r["kind"], r["reason"], r["raw"]) for r in parsed.rejects] == [
        (
            "trace_summaries",
            "line 3: timestamp 'yesterday' is not an ISO date and time",
            "yesterday,1,1",
        ),
        (
            "trace_summaries",
            "line 4: contexttokens '-3' is not a non-negative whole number",
            "2023-11-16 18:17:05,-3,1",
        ),
        (
            "trace_summaries",
            "line 5: contexttokens '3.5' is not a non-negative whole number",
            "2023-11-16 18:17:05,3.5,1",
        ),
        ("trace_summaries", "line 6: generatedtokens missing", "2023-11-16 18:17:05,3"),
    ]


def test_azure_trace_without_a_summary() -> None:
    wrong = azure_trace.parse(b"time,prompt\n1,2\n", "t", workload="w")
    assert wrong.count("trace_summaries") == 0
    assert wrong.rejects[0]["reason"].startswith("not an Azure LLM inference trace")
    single = azure_trace.parse(
        b"TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,5,1\n", "t", workload="w"
    )
    assert single.count("trace_summaries") == 0
    assert "at least two distinct timestamps" in single.rejects[0]["reason"]


def test_azure_trace_optional_columns() -> None:
    data = (
        b"TIMESTAMP,ContextTokens,GeneratedTokens,CachedTokens,Latency_s,Success\n"
        b"2025-01-01T00:00:00Z,100,10,40,0.5,true\n"
        b"2025-01-01T00:01:00Z,100,10,0,1.5,false\n"
    )
    (row,) = azure_trace.parse(data, "t", workload="w").rows["trace_summaries"]
    assert (row["cached_share"], row["latency_p95_s"], row["observed_success"]) == (0.2, 1.5, 0.5)
    assert row["requests_per_day"] == 2 / 60 * 86400
