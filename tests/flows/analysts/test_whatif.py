"""What-if questions: workload figures changed for one call, routed pairs priced like models,
and a workload measured from a request log."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.config import WorkloadSpec

DAY = "2025-08-08"
A, B, BASE = "gpt-5-mini:medium", "gpt-5:medium", "claude-sonnet-4"


def _json(ingested: Path, *args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--config", str(ingested / "brief.toml"), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _compare(ingested: Path, candidate: str, *extra: str) -> dict:
    return _json(
        ingested, "compare", candidate, "--vs", BASE, "-w", "agentic_coding", "--date", DAY, *extra
    )


def test_workload_figures_can_be_changed_for_one_call(ingested: Path) -> None:
    plain = _compare(ingested, A)
    busier = _compare(ingested, A, "--requests-per-day", "20000")
    for side in ("candidate_metrics", "baseline_metrics"):
        ratio = busier[side]["daily_bill"] / plain[side]["daily_bill"]
        assert ratio == pytest.approx(20000 / 2000)  # the configured traffic is 2,000 a day
        assert busier[side]["cost_per_success"] == pytest.approx(plain[side]["cost_per_success"])
    assert plain["candidate_metrics"]["expected_attempts"] == 1.0  # one attempt configured
    thrice = _compare(ingested, A, "--max-attempts", "3")
    miss = 1 - plain["candidate_metrics"]["p"]
    assert thrice["candidate_metrics"]["expected_attempts"] == pytest.approx(1 + miss + miss**2)
    thinking = _compare(ingested, A, "--reasoning-tokens", "20000")
    assert plain["candidate_metrics"]["tokens_basis"] == "assumed"
    assert thinking["candidate_metrics"]["reasoning_tokens"] == 20000
    assert (
        thinking["candidate_metrics"]["cost_per_attempt"]
        > plain["candidate_metrics"]["cost_per_attempt"]
    )
    bad = CliRunner().invoke(
        app,
        ["compare", A, "--vs", BASE, "-w", "agentic_coding", "--config",
         str(ingested / "brief.toml"), "--cached-share", "2"],
    )  # fmt: skip
    assert bad.exit_code == 2


def test_a_routed_pair_is_judged_like_a_model(ingested: Path) -> None:
    first = _compare(ingested, A, "--max-attempts", "1")
    second = _compare(ingested, B, "--max-attempts", "1")
    pair = _compare(ingested, f"{A}>{B}", "--max-attempts", "1")
    assert pair["route"] == {"first": A, "second": B} and pair["comparable"]
    p_a, p_b = first["candidate_metrics"]["p"], second["candidate_metrics"]["p"]
    c_a = first["candidate_metrics"]["cost_per_attempt"]
    c_b = second["candidate_metrics"]["cost_per_attempt"]
    got = pair["candidate_metrics"]
    assert got["p_ok"] == pytest.approx(1 - (1 - p_a) * (1 - p_b))  # section 4
    assert got["cost_per_request"] == pytest.approx(c_a + (1 - p_a) * c_b)
    assert pair["baseline_metrics"] == first["baseline_metrics"]
    assert pair["cost_ratio"] == pytest.approx(
        got["cost_per_success"] / pair["baseline_metrics"]["cost_per_success"]
    )
    assert pair["verdict"] in ("cheaper_per_task", "unlocks_workload", "bill_only", "no_signal")
    costs = _json(
        ingested, "costs", "-w", "agentic_coding", "--date", DAY, "--route", f"{A}>{B}",
        "--max-attempts", "1",
    )  # fmt: skip
    rows = {row["model"]: row for row in costs["models"]}
    assert rows[f"{A}>{B}"]["cost_per_success"] == pytest.approx(got["cost_per_success"])
    ordered = [row["cost_per_success"] for row in costs["models"]]
    assert ordered == sorted(ordered)


def test_a_workload_measured_from_a_request_log(bundled: Path) -> None:
    trace = bundled / "sources" / "traces" / "AzureLLMInferenceTrace_code.csv"
    result = CliRunner().invoke(app, ["workload", "from-trace", str(trace), "--name", "code"])
    assert result.exit_code == 0, result.output
    table = tomllib.loads(result.stdout)["workloads"]["code"]
    workload = WorkloadSpec.model_validate(table).to_workload("code")
    with (bundled / "workloads.toml").open("rb") as fh:
        measured = tomllib.load(fh)["workloads"]["code_assistant"]  # measured by hand from it
    for key in ("prompt_tokens", "output_tokens", "requests_per_day", "cached_share"):
        assert table[key] == measured[key], key
    assert workload.requests_per_day == 221762
    assert "# assumption:" in result.stdout and "# measured:" in result.stdout
    refused = CliRunner().invoke(app, ["workload", "from-trace", str(bundled / "brief.toml")])
    assert refused.exit_code == 2 and "no workload could be measured" in refused.output
