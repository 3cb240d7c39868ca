"""Facts read from release text: they feed the brief only where no table has the number, are
marked as claimed, and a cost claim the bill contradicts is flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from flows.config import load_config
from flows.pipeline import compute_edition
from flows.store.load import ingest_sources
from signals.compare import Score
from signals.costmodel import Price
from signals.daily import FactSet, PriceFact, ScoreFact, news_in_window

DAY = date(2025, 8, 8)
RELEASE = """# Mistral Medium 3.1

Mistral Medium 3.1 scores 80.1% on GPQA Diamond, at a fraction of the cost of frontier models.
It is priced at $0.40 per million input tokens and $2 per million output tokens, with a 128K
context window.
"""


def test_a_table_score_wins_over_a_claim() -> None:
    facts = FactSet()
    facts.add(ScoreFact("m", "gpqa-diamond", date(2025, 1, 1), Score(60.0), "board"))
    facts.add_claim(
        ScoreFact("m", "gpqa-diamond", date(2025, 2, 1), Score(90.0), "news", claimed=True)
    )
    facts.add_claim(
        ScoreFact("m", "swe-bench-verified", date(2025, 2, 1), Score(50.0), "news", claimed=True)
    )
    on = facts.scores_on("m", date(2025, 3, 1))
    assert on["gpqa-diamond"].score.value == 60.0 and not on["gpqa-diamond"].claimed
    assert on["swe-bench-verified"].claimed
    assert facts.scores_on("m", date(2025, 1, 15))["gpqa-diamond"].score.value == 60.0
    assert "swe-bench-verified" not in facts.scores_on("m", date(2025, 1, 15))  # no look-ahead


def test_a_claimed_price_counts_only_without_a_listed_one() -> None:
    facts = FactSet()
    facts.add_claim(
        PriceFact("m", "claimed", date(2025, 2, 1), Price(1.0, 2.0), "news", claimed=True)
    )
    assert facts.price_on("m", date(2025, 3, 1)).claimed
    facts.add(PriceFact("m", "acme", date(2025, 1, 1), Price(3.0, 4.0), "list"))
    assert facts.price_on("m", date(2025, 3, 1)).price.input == 3.0


def test_a_claim_only_release_is_a_candidate() -> None:
    facts = FactSet()
    facts.add_claim(ScoreFact("new", "gpqa-diamond", DAY, Score(70.0), "news", claimed=True))
    assert news_in_window(facts, date(2025, 8, 1), DAY).releases == ["new"]
    assert news_in_window(facts, DAY, date(2025, 8, 9)).releases == []


def test_release_text_feeds_the_brief_marked_as_claimed(
    make_config, bundled: Path, tmp_path: Path
) -> None:
    doc = tmp_path / "release.md"
    doc.write_text(RELEASE)
    bundled = {
        s["id"]: s
        for s in _bundled_sources(bundled)
        if s["id"] in ("genai-prices", "epoch-gpqa-diamond")
    }
    sources = [
        *bundled.values(),
        {
            "id": "mistral-news-doc",
            "kind": "feed",
            "format": "markdown",
            "path": str(doc),
            "options": {"published": DAY.isoformat(), "url": "https://example.invalid/m"},
        },
    ]
    cfg = load_config(make_config(tmp_path, sources=sources))
    results = ingest_sources(cfg.database, cfg.sources, "run-1", datetime.now(UTC))
    assert all(r.ok for r in results)
    with duckdb.connect(str(cfg.database), read_only=True) as con:
        kinds = dict(con.execute("SELECT kind, count(*) FROM claims GROUP BY ALL").fetchall())
    assert kinds == {"score": 1, "price": 1, "context_window": 1, "cheaper": 1}
    edition, *_ = compute_edition(cfg, DAY, "run-1", results)
    items = [i for i in edition.items if i.model == "mistral-medium-3.1"]
    assert items, [i.model for i in edition.items]
    for line in items[0].lines:
        assert line.candidate_claimed and line.price_claimed
        c = line.comparison
        assert c["claim_contradicted"] == (c["reads"]["workload_cost"] == "up")


def _bundled_sources(data: Path) -> list[dict]:
    import tomllib

    with (data / "brief.toml").open("rb") as fh:
        sources = tomllib.load(fh)["sources"]
    for s in sources:
        if "path" in s:
            s["path"] = str((data / s["path"]).resolve())
    return sources
