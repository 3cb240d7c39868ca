"""A fixed edition of the brief: three signals, a pending release, the sources read and a
chart, with section-2 metrics computed from p, cost per attempt and k as the cost model does.
The golden files in tests/golden/ are this edition rendered."""

from __future__ import annotations

from datetime import date

from flows.brief.content import (
    Chart,
    ChartPoint,
    Edition,
    Link,
    PendingRelease,
    SignalItem,
    SourceStatus,
    WorkloadLine,
)

TODAY = date(2026, 6, 11)  # the edition's date


def metrics(
    p: float,
    c: float,
    *,
    k: int,
    rpd: float,
    prompt: int,
    decode: float,
    latency: float,
    **extra: object,
) -> dict:
    """Section-2 metrics for one model on one workload, from p, cost per attempt and k."""
    p_ok = 1 - (1 - p) ** k
    attempts = p_ok / p
    return {
        "p": p,
        "cost_per_attempt": c,
        "p_ok": p_ok,
        "expected_attempts": attempts,
        "cost_per_request": c * attempts,
        "cost_per_success": c / p,
        "daily_bill": rpd * c * attempts,
        "prefill_tokens_per_day": rpd * attempts * prompt,
        "decode_tokens_per_day": rpd * attempts * decode,
        "latency_p95_s": latency,
        "fits_latency": True,
        "fits_context": True,
        "net_value_per_request": p_ok * 0.05 - c * attempts,
        "viable": True,
        "speed_known": True,
        "context_known": True,
        "tier_used": False,
        **extra,
    }


def comparison(
    workload: str, candidate: str, baseline: str, cand: dict, base: dict, **fields: object
) -> dict:
    """A section-5 comparison; attribution splits the change 80/10/0/10 unless given."""
    change = cand["cost_per_success"] - base["cost_per_success"]
    out = {
        "as_of": "2026-06-11",
        "workload": workload,
        "candidate": candidate,
        "baseline": baseline,
        "capability": "helpful multi-turn chat",
        "cost_driver": "price",
        "buyer_behaviour": "switch",
        "verdict": "cheaper_per_task",
        "strength": "strong",
        "claim_contradicted": False,
        "delta_score": None,
        "cost_ratio": cand["cost_per_success"] / base["cost_per_success"],
        "reads": {"workload_cost": "down", "capacity": "flat", "serving_volume": "up"},
        "attribution": {
            "price": 0.8 * change,
            "output": 0.1 * change,
            "reasoning": 0.0,
            "success": 0.1 * change,
        },
        "candidate_metrics": cand,
        "baseline_metrics": base,
    }
    out.update(fields)
    return out


def chat_line(label: str = "Northwind Mini 3") -> WorkloadLine:
    cand = metrics(0.825, 0.00091, k=2, rpd=100_000, prompt=1_800, decode=350, latency=2.1)
    base = metrics(0.819, 0.00197, k=2, rpd=100_000, prompt=1_800, decode=340, latency=2.4)
    return WorkloadLine(
        workload="support_chat",
        workload_label="support chat",
        requests_per_day=100_000,
        baseline="northwind-core-2",
        baseline_label="Northwind Core 2",
        benchmark="helpbench",
        benchmark_label="HelpBench",
        candidate_score=82.5,
        baseline_score=81.9,
        noise=1.4,
        delta_significant=False,
        comparison=comparison(
            "support_chat", label, "northwind-core-2", cand, base, delta_score=0.6
        ),
        driver_detail="list price halved",
    )


def reason_lines() -> list[WorkloadLine]:
    chat_c = metrics(
        0.894,
        0.0084,
        k=2,
        rpd=100_000,
        prompt=1_800,
        decode=2_650,
        latency=31.0,
        fits_latency=False,
        viable=False,
    )
    chat_b = metrics(0.819, 0.00197, k=2, rpd=100_000, prompt=1_800, decode=340, latency=2.4)
    chat = comparison(
        "support_chat",
        "northwind-reason-2",
        "northwind-core-2",
        chat_c,
        chat_b,
        cost_driver="latency",
        buyer_behaviour="hold",
        verdict="grade_not_bill",
        strength="weak",
        claim_contradicted=True,
        delta_score=7.5,
        reads={"workload_cost": "up", "capacity": "up", "serving_volume": "flat"},
    )
    code_c = metrics(
        0.68,
        0.31,
        k=3,
        rpd=2_000,
        prompt=24_000,
        decode=6_100,
        latency=48.0,
        observed_cost_per_solved=0.42,
    )
    code_b = metrics(
        0.55,
        0.29,
        k=3,
        rpd=2_000,
        prompt=24_000,
        decode=5_800,
        latency=40.0,
        viable=False,
        observed_cost_per_solved=0.61,
    )
    code = comparison(
        "agentic_coding",
        "northwind-reason-2",
        "northwind-core-2",
        code_c,
        code_b,
        capability="agentic software repair",
        cost_driver="retries",
        buyer_behaviour="expand",
        verdict="unlocks_workload",
        strength="strong",
        delta_score=13.0,
        reads={"workload_cost": "down", "capacity": "flat", "serving_volume": "up"},
    )
    common = {"baseline": "northwind-core-2", "baseline_label": "Northwind Core 2"}
    return [
        WorkloadLine(
            workload="support_chat",
            workload_label="support chat",
            requests_per_day=100_000,
            benchmark="helpbench",
            benchmark_label="HelpBench",
            candidate_score=89.4,
            baseline_score=81.9,
            noise=1.4,
            delta_significant=True,
            comparison=chat,
            driver_detail="reasoning tokens add most of the cost",
            **common,
        ),
        WorkloadLine(
            workload="agentic_coding",
            workload_label="agentic coding",
            requests_per_day=2_000,
            benchmark="swe_bench_verified",
            benchmark_label="SWE-bench Verified",
            candidate_score=68.0,
            baseline_score=55.0,
            noise=3.1,
            delta_significant=True,
            comparison=code,
            driver_detail="fewer retries per solved task",
            **common,
        ),
    ]


def summary_line() -> WorkloadLine:
    cand = metrics(
        0.70, 0.0061, k=1, rpd=40_000, prompt=9_000, decode=900, latency=0.0, speed_known=False
    )
    base = metrics(0.74, 0.0042, k=1, rpd=40_000, prompt=9_000, decode=600, latency=6.5)
    comp = comparison(
        "doc_summary",
        "cobalt-7",
        "northwind-core-2",
        cand,
        base,
        capability="long-document summarisation",
        cost_driver="generated_tokens",
        buyer_behaviour="hold",
        verdict="bill_only",
        strength="weak",
        reads={"workload_cost": "up", "capacity": "up", "serving_volume": "flat"},
    )
    return WorkloadLine(
        workload="doc_summary",
        workload_label="document summaries",
        requests_per_day=40_000,
        baseline="northwind-core-2",
        baseline_label="Northwind Core 2",
        benchmark=None,
        benchmark_label=None,
        candidate_score=None,
        baseline_score=None,
        noise=None,
        delta_significant=False,
        comparison=comp,
        driver_detail="writes half again as many tokens per summary",
    )


def make_edition(model_label: str = "Northwind Mini 3") -> Edition:
    chat = chat_line(model_label)
    reason = reason_lines()
    return Edition(
        edition_date=TODAY,
        title="Morning Brief · Model costs",
        items=[
            SignalItem(
                rank=1,
                model="northwind-mini-3",
                model_label=model_label,
                headline=f"{model_label} cuts the bill for support chat",
                verdict="cheaper_per_task",
                verdict_words="cheaper per task",
                strength="strong",
                lines=[chat],
                sources=[
                    Link(
                        label="Northwind news",
                        url="https://northwind.example/news/mini-3",
                        date=date(2026, 6, 10),
                    ),
                    Link(label="house price sheet", date=date(2026, 6, 1)),
                ],
            ),
            SignalItem(
                rank=2,
                model="northwind-reason-2",
                model_label="Northwind Reason 2",
                headline="Northwind Reason 2: higher grade, bigger bill",
                verdict="grade_not_bill",
                verdict_words="grade, not bill",
                strength="weak",
                lines=reason,
                sources=[
                    Link(
                        label="Northwind news",
                        url="https://northwind.example/news/r2",
                        date=date(2026, 6, 9),
                    )
                ],
            ),
            SignalItem(
                rank=3,
                model="cobalt-7",
                model_label="Cobalt 7",
                headline="Cobalt 7 writes longer summaries at a higher price",
                verdict="bill_only",
                verdict_words="",
                strength="weak",
                lines=[summary_line()],
                sources=[
                    Link(
                        label="Cobalt changelog",
                        url="https://cobalt.example/changelog",
                        date=date(2025, 12, 30),
                    )
                ],
            ),
        ],
        pending=[
            PendingRelease(
                model="vendor-y-z-2",
                model_label='Vendor Y "Z-2"',
                claims=["91.2% on GPQA Diamond"],
                missing=["no price published", "no speed figures"],
                sources=[
                    Link(
                        label="Vendor Y blog",
                        url="https://vendor-y.example/z-2",
                        date=date(2026, 6, 10),
                    )
                ],
            ),
        ],
        sources=[
            SourceStatus(source_id="northwind-news", kind="feed", ok=True, rows=4),
            SourceStatus(source_id="vendor-x-news", kind="feed", ok=False, reason="HTTP 503"),
            SourceStatus(source_id="house-prices", kind="prices", ok=True, rows=40, rejected=2),
            SourceStatus(source_id="aider", kind="scores", ok=True, rows=120),
            SourceStatus(source_id="chat-trace", kind="trace", ok=True, rows=5000),
        ],
        chart=Chart(
            workload="support_chat",
            workload_label="support chat",
            benchmark_label="HelpBench",
            points=[
                ChartPoint(
                    model_label=model_label, score=82.5, cost_per_success=0.0011, role="candidate"
                ),
                ChartPoint(
                    model_label="Northwind Reason 2",
                    score=89.4,
                    cost_per_success=0.0094,
                    role="candidate",
                ),
                ChartPoint(
                    model_label="Northwind Core 2",
                    score=81.9,
                    cost_per_success=0.0024,
                    role="incumbent",
                ),
                ChartPoint(
                    model_label="Cobalt 6", score=77.0, cost_per_success=0.0017, role="other"
                ),
                ChartPoint(
                    model_label="Cobalt 7", score=86.0, cost_per_success=0.0061, role="other"
                ),
            ],
        ),
        method_note=(
            "How we compute it: per workload, cost per successful task = cost per attempt ÷ "
            "success rate; prices as in force on the day; scores as published by the day."
        ),
    )
