"""Source adapters on the real third-party files and on the bundled copies."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from genai_prices import types as gp_types
from genai_prices.data import providers as gp_providers

from flows.sources.adapters import FORMATS, aider, epoch, feeds, genai_prices
from flows.sources.adapters.base import Parsed

SOURCES = Path(__file__).resolve().parents[3] / "data" / "sources"  # for parametrize lists
AIDER_URL = "https://aider.chat/docs/leaderboards/"


def _yaml(data: bytes):
    return yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# -- registry -------------------------------------------------------------------------------


def test_registry_names_every_format() -> None:
    assert set(FORMATS) >= {
        "aider",
        "epoch",
        "genai-prices",
        "rss",
        "atom",
        "feed",
        "jsonfeed",
        "litellm",
        "openrouter",
        "llm-prices",
        "lmarena",
        "azure-trace",
    }
    assert FORMATS["aider"] is aider.parse
    assert FORMATS["jsonfeed"] is feeds.parse


# -- Aider ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def polyglot(real: Path) -> Parsed:
    return aider.parse(
        (real / "benchmarks/aider_leaderboards/polyglot_leaderboard.yml").read_bytes(), "aider"
    )


@pytest.mark.real_files("benchmarks/aider_leaderboards/*.yml")
def test_aider_every_leaderboard_file_is_accounted_for(check_contract, real_file: Path) -> None:
    items = _yaml(real_file.read_bytes())
    parsed = aider.parse(real_file.read_bytes(), "aider")
    check_contract(parsed)
    # every run is a score or a reject; run costs only come with a score
    assert parsed.count("scores") + len(parsed.rejects) == len(items)
    assert parsed.count("run_costs") <= parsed.count("scores")


def test_aider_polyglot_counts(polyglot: Parsed, real: Path) -> None:
    items = _yaml((real / "benchmarks/aider_leaderboards/polyglot_leaderboard.yml").read_bytes())
    pairs = [i for i in items if i.get("editor_model")]
    costed = [i for i in items if not i.get("editor_model") and (i.get("total_cost") or 0) > 0]
    assert len(items) == 69
    assert polyglot.count("scores") == len(items) - len(pairs) == 66
    assert polyglot.count("run_costs") == len(costed)
    assert len(polyglot.rejects) == len(pairs) == 3
    assert all("architect/editor pair" in r["reason"] for r in polyglot.rejects)


def test_aider_known_entry(one_named, polyglot: Parsed) -> None:
    score = one_named(polyglot.rows["scores"], "gpt-4o-mini-2024-07-18")
    assert score == {
        "model": "gpt-4o-mini",
        "benchmark": "aider-polyglot",
        "as_of": "2024-12-21",
        "known_from": "2024-12-21",
        "value": 3.6,
        "scale": "percent",
        "stderr": None,
        "version": "0.69.2.dev",
        "source_name": "gpt-4o-mini-2024-07-18",
        "evidence_url": AIDER_URL,
    }
    cost = one_named(polyglot.rows["run_costs"], "gpt-4o-mini-2024-07-18")
    assert (cost["total_cost_usd"], cost["tasks"], cost["solved"]) == (0.3236, 225, 8)
    assert cost["as_of"] == "2024-12-21" and cost["model"] == "gpt-4o-mini"
    # tokens the run spent: what 7.1 measures verbosity and reasoning from (None: not reported)
    assert {"prompt_tokens", "completion_tokens"} <= set(cost)
    with_tokens = [r for r in polyglot.rows["run_costs"] if r["completion_tokens"]]
    assert len(with_tokens) >= 15
    assert all(r["prompt_tokens"] > r["tasks"] for r in with_tokens)


def test_aider_zero_cost_keeps_the_score_only(one_named, polyglot: Parsed) -> None:
    score = one_named(polyglot.rows["scores"], "Gemini 2.0 Pro exp-02-05")
    assert score["value"] == 35.6
    # the --model argument names the model; it is not in genai-prices, so it stays normalised
    assert score["model"] == "gemini-2.0-pro-exp-02-05"
    names = {r["source_name"] for r in polyglot.rows["run_costs"]}
    assert "Gemini 2.0 Pro exp-02-05" not in names


def test_aider_reasoning_settings_become_efforts(one_named, polyglot: Parsed) -> None:
    rows = polyglot.rows["scores"]
    assert one_named(rows, "gpt-5 (high)")["model"] == "gpt-5:high"
    assert one_named(rows, "gpt-5 (low)")["model"] == "gpt-5:low"
    thinking = one_named(rows, "claude-sonnet-4-20250514 (32k thinking)")["model"]
    plain = one_named(rows, "claude-sonnet-4-20250514 (no thinking)")["model"]
    assert thinking == plain + ":32k"
    # `--model sonnet` is an Aider alias: the leaderboard label names the model instead
    alias = one_named(rows, "claude-3-7-sonnet-20250219 (no thinking)")["model"]
    assert alias.startswith("claude-3-7-sonnet")


def test_aider_same_model_same_day_keeps_every_run(polyglot: Parsed) -> None:
    gpt4o = [
        r for r in polyglot.rows["scores"] if r["model"] == "gpt-4o" and r["as_of"] == "2024-12-30"
    ]
    assert sorted(r["value"] for r in gpt4o) == [18.2, 23.1]


def test_aider_rejects_what_it_cannot_read() -> None:
    assert aider.parse(b"a: [unclosed", "x").rejects[0]["reason"].startswith("not valid YAML")
    assert "expected a YAML list" in aider.parse(b"a: 1\n", "x").rejects[0]["reason"]
    parsed = aider.parse(b"- model: m\n  pass_rate_2: 10\n", "x")
    assert parsed.count("scores") == 0 and "no date" in parsed.rejects[0]["reason"]


def test_aider_benchmark_and_score_field_options(real: Path) -> None:
    path = real / "benchmarks/aider_leaderboards/refactor_leaderboard.yml"
    parsed = aider.parse(
        path.read_bytes(), "x", benchmark="aider-refactor", score_field="pass_rate_1"
    )
    assert parsed.count("scores") == len(_yaml(path.read_bytes()))
    assert {r["benchmark"] for r in parsed.rows["scores"]} == {"aider-refactor"}


# -- Epoch AI -------------------------------------------------------------------------------


def _csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


@pytest.mark.real_files("benchmarks/epoch_ai/*.csv")
def test_epoch_every_csv_is_accounted_for(check_contract, real_file: Path) -> None:
    parsed = epoch.parse(real_file.read_bytes(), "epoch", benchmark=real_file.stem)
    check_contract(parsed)
    assert parsed.count("scores") + len(parsed.rejects) == _csv_rows(real_file)
    for row in parsed.rows.get("scores", []):
        assert row["scale"] in ("percent", "rating")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["as_of"]), row


def test_epoch_gpqa_internal_run_in_percent(one_named, real: Path) -> None:
    path = real / "benchmarks/epoch_ai/gpqa_diamond.csv"
    parsed = epoch.parse(path.read_bytes(), "epoch", benchmark="gpqa-diamond")
    assert parsed.count("scores") == _csv_rows(path) == 130 and not parsed.rejects
    row = one_named(parsed.rows["scores"], "gpt-5-nano-2025-08-07_high")
    assert row["model"] == "gpt-5-nano:high"
    assert row["value"] == pytest.approx(69.44444444444444)
    assert row["stderr"] == pytest.approx(2.7594508998251045)
    assert row["as_of"] == "2025-10-30"  # the run's 'Started at', not the release date
    assert row["scale"] == "percent" and row["version"] is None
    assert row["evidence_url"].startswith("https://logs.epoch.ai/inspect-viewer/")


def test_epoch_external_tables(real: Path) -> None:
    folder = real / "benchmarks/epoch_ai"
    live = epoch.parse(
        (folder / "live_bench_external.csv").read_bytes(), "e", benchmark="livebench"
    ).rows["scores"]
    row = next(r for r in live if r["source_name"] == "gemini-2.5-pro-exp-03-25")
    assert (row["value"], row["scale"], row["as_of"]) == (82.35, "percent", "2025-03-25")
    assert row["version"] == "LiveBench-2024-11-25" and row["stderr"] is None
    assert row["evidence_url"] == "https://livebench.ai/#/"

    fiction = epoch.parse(
        (folder / "fictionlivebench_external.csv").read_bytes(), "e", benchmark="fictionlivebench"
    ).rows["scores"]
    row = next(r for r in fiction if r["source_name"] == "o3-2025-04-16_medium")
    assert (row["model"], row["value"], row["scale"]) == ("o3:medium", 100.0, "percent")

    arena = epoch.parse(
        (folder / "webdev_arena_external.csv").read_bytes(), "e", benchmark="webdev-arena"
    ).rows["scores"]
    assert {r["scale"] for r in arena} == {"rating"}
    assert max(r["value"] for r in arena) == 1477.51


def test_epoch_score_column_is_found_after_agent_columns(real: Path) -> None:
    path = real / "benchmarks/epoch_ai/terminalbench_external.csv"
    rows = epoch.parse(path.read_bytes(), "e", benchmark="terminal-bench").rows["scores"]
    with path.open(encoding="utf-8", newline="") as fh:
        first = next(csv.DictReader(fh))
    assert rows[0]["value"] == pytest.approx(float(first["Accuracy mean"]) * 100)


def test_epoch_options_and_rejects() -> None:
    data = (
        b"Model version,Score,Release date,Source link\n"
        b"model-a,0.5,2025-01-02,https://example.org\n"
        b"model-b,0.7,,\n"
        b",0.2,2025-01-03,\n"
        b"model-c,n/a,2025-01-04,\n"
    )
    parsed = epoch.parse(data, "e", benchmark="b")
    assert [r["value"] for r in parsed.rows["scores"]] == [50.0, "n/a"]  # bad value passed on
    assert [r["reason"] for r in parsed.rejects] == [
        "row has no date (neither 'Started at' nor 'Release date')",
        "row names no model (empty 'Model version' and 'Name')",
    ]
    as_rating = epoch.parse(data, "e", benchmark="b", scale="rating").rows["scores"]
    assert as_rating[0]["value"] == 0.5 and as_rating[0]["scale"] == "rating"
    missing = epoch.parse(data, "e", benchmark="b", score_column="Nope")
    assert missing.count("scores") == 0 and "not in the header" in missing.rejects[0]["reason"]
    assert (
        epoch.parse(b"a,b\n1,2\n", "e", benchmark="b")
        .rejects[0]["reason"]
        .startswith("not an Epoch benchmark table")
    )


# -- genai-prices ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot() -> Parsed:
    return genai_prices.parse(b"ignored", "genai-prices")


def test_genai_prices_every_price_entry_is_accounted_for(check_contract, snapshot: Parsed) -> None:
    check_contract(snapshot)
    entries = variants = 0
    for provider in gp_providers:
        for model in provider.models:
            prices = model.prices
            entries += 1 if isinstance(prices, gp_types.ModelPrice) else len(prices)
            variants += len(model.price_variants or [])
    reasons = [r["reason"] for r in snapshot.rejects]
    entry_rejects = [r for r in reasons if r.startswith("no ")]
    windows = sum(
        isinstance(c.constraint, gp_types.TimeOfDateConstraint)
        for provider in gp_providers
        for model in provider.models
        if not isinstance(model.prices, gp_types.ModelPrice)
        for c in model.prices
    )
    # every window is folded into a day-weighted price or rejected with its reason
    assert windows > 0
    assert sum(r.startswith("TimeOfDateConstraint") for r in reasons) <= windows
    assert snapshot.count("prices") + len(entry_rejects) + windows == entries
    assert sum(r.startswith("price variant") for r in reasons) == variants
    assert snapshot.count("prices") > 1000


def test_genai_prices_dated_change(snapshot: Parsed) -> None:
    rows = [
        r
        for r in snapshot.rows["prices"]
        if r["model"] == "claude-sonnet-4-6" and r["provider"] == "anthropic"
    ]
    by_date = {r["effective_from"]: r for r in rows}
    assert set(by_date) == {"1970-01-01", "2026-03-13"}
    undated = by_date["1970-01-01"]
    assert (undated["input"], undated["output"], undated["cached_input"]) == (3.0, 15.0, 0.3)
    assert undated["cache_write"] == 3.75
    assert (undated["tier_threshold_tokens"], undated["input_above"], undated["output_above"]) == (
        200000,
        6.0,
        22.5,
    )
    assert by_date["2026-03-13"]["tier_threshold_tokens"] is None
    assert undated["evidence_url"] == "https://www.anthropic.com/pricing#api"
    assert undated["source_name"] == "claude-sonnet-4-6"


def test_genai_prices_variants_are_rejected(snapshot: Parsed) -> None:
    assert any("'processing': 'batch'" in r["reason"] for r in snapshot.rejects)


def test_genai_prices_time_of_day_prices_are_averaged_over_the_day(snapshot: Parsed) -> None:
    """The stored price is what genai-prices itself charges, averaged over every quarter hour
    of a day on which the row is in force (DeepSeek: 16 h standard, 8 h off-peak)."""
    from datetime import UTC, datetime, timedelta

    import genai_prices as gp

    chat = next(
        r
        for r in snapshot.rows["prices"]
        if (r["model"], r["provider"]) == ("deepseek-chat", "deepseek")
    )
    assert (chat["input"], chat["output"]) == (0.225, 0.916666667)  # not the off-peak 0.135
    timed = {
        (p.id, m.id)
        for p in gp_providers
        for m in p.models
        if not isinstance(m.prices, gp_types.ModelPrice)
        and any(isinstance(c.constraint, gp_types.TimeOfDateConstraint) for c in m.prices)
    }
    rows = [r for r in snapshot.rows["prices"] if (r["provider"], r["model"]) in timed]
    assert rows
    usage = gp.Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    for row in rows:
        undated = row["effective_from"] == "1970-01-01"  # in force before any dated change
        day = datetime.fromisoformat("2000-01-01" if undated else row["effective_from"]).replace(
            tzinfo=UTC
        )
        charged = [
            gp.calc_price(
                usage,
                row["model"],
                provider_id=row["provider"],
                genai_request_timestamp=day + timedelta(minutes=15 * q),
            )
            for q in range(96)
        ]
        for field, attr in (("input", "input_price"), ("output", "output_price")):
            mean = sum(float(getattr(c, attr)) for c in charged) / 96
            assert row[field] == pytest.approx(mean, rel=1e-6), (row["model"], field)


def test_genai_prices_request_fee_and_profiles(snapshot: Parsed) -> None:
    sonar = next(
        r
        for r in snapshot.rows["prices"]
        if r["model"] == "sonar" and r["provider"] == "perplexity"
    )
    model = next(
        m for p in gp_providers if p.id == "perplexity" for m in p.models if m.id == "sonar"
    )
    kcount = (
        model.prices.requests_kcount
        if isinstance(model.prices, gp_types.ModelPrice)
        else model.prices[-1].prices.requests_kcount
    )
    assert sonar["request"] == pytest.approx(float(kcount) / 1000)
    with_window = {m.id for p in gp_providers for m in p.models if m.context_window}
    profiles = snapshot.rows["profiles"]
    assert len(profiles) == len(with_window) == len({r["model"] for r in profiles})
    sonnet = next(r for r in profiles if r["model"] == "claude-sonnet-4-6")
    assert sonnet["context_window"] == 1_000_000
    assert genai_prices.snapshot_version().startswith("genai-prices ")


# -- feeds ----------------------------------------------------------------------------------


def _expected_entries(path: Path) -> int:
    data = path.read_bytes()
    if path.suffix == ".json":
        return len(json.loads(data)["items"])
    root = ET.fromstring(data)
    return sum(1 for el in root.iter() if el.tag in ("item", "{http://www.w3.org/2005/Atom}entry"))


@pytest.mark.real_files("feeds/**/*")
def test_feeds_every_real_feed(check_contract, real_file: Path) -> None:
    parsed = feeds.parse(real_file.read_bytes(), real_file.stem)
    check_contract(parsed)
    entries = parsed.rows.get("entries", [])
    assert len(entries) == _expected_entries(real_file)
    assert not parsed.rejects
    for entry in entries:
        assert entry["entry_id"] and entry["title"]
        assert "<" not in entry["summary"] or not re.search(r"</?[a-z]+[ >]", entry["summary"])
        assert entry["published"] is None or entry["published"].endswith("+00:00")
    again = feeds.parse(real_file.read_bytes(), real_file.stem).rows.get("entries", [])
    assert [e["entry_id"] for e in again] == [e["entry_id"] for e in entries]


@pytest.mark.parametrize("path", sorted(SOURCES.glob("feeds/*")), ids=lambda path: path.name)
def test_feeds_every_bundled_feed(path: Path) -> None:
    parsed = FORMATS["feed"](path.read_bytes(), path.stem)
    assert parsed.count("entries") == _expected_entries(path) > 0
    assert not parsed.rejects


def test_feeds_known_values(real: Path) -> None:
    blog = feeds.parse((real / "feeds/michaelmarkert_rss/hf_blog.json").read_bytes(), "hf")
    assert blog.count("entries") == 14
    first = blog.rows["entries"][0]
    assert first["entry_id"] == "https://huggingface.co/blog/Hcompany/introducing-holo2-235b-a22b"
    assert first["published"] == "2026-02-04T14:04:18.198032+00:00"  # naive -> UTC
    assert first["bozo"] is False and first["bozo_reason"] is None
    trimmed = feeds.parse((real / "feeds/fixtures_trimmed/hf_blog_trimmed.xml").read_bytes(), "t")
    entry = trimmed.rows["entries"][0]
    assert entry["title"] == "Your Agent Aced the Task. Will It Do It Again?"
    assert entry["published"] == "2026-09-15T16:00:44+00:00"


def test_feeds_real_empty_feed(real: Path) -> None:
    path = real / "feeds/olshansk_rss_feeds/feed_openai_research.2025-09-01-EMPTY.xml"
    parsed = feeds.parse(path.read_bytes(), "openai-research")
    assert parsed.count("entries") == 0 and not parsed.rejects


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(4096),
        b"",
        b"/etc/hostname",  # must be read as content, never as a file name
        b"https://example.org/feed.xml",  # never fetched
        b"<html><body><p>not a feed</p></body></html>",
        b"{not json",
        b'{"version": "https://jsonfeed.org/version/1.1"}',
    ],
)
def test_feeds_non_feeds_fail_the_source(data: bytes) -> None:
    # a document that is not a feed is a failed source (with its reason), not a healthy one
    with pytest.raises(feeds.NotAFeed, match="no RSS or Atom feed|not a JSON Feed"):
        feeds.parse(data, "junk")


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Lab news</title><id>urn:lab</id><updated>2025-05-01T10:00:00Z</updated>
  <entry>
    <title type="html">Model &lt;b&gt;X&lt;/b&gt; released</title>
    <id>urn:lab:1</id><link href="https://lab.example/x"/>
    <updated>2025-05-01T12:30:00+02:00</updated>
    <author><name>Lab Team</name></author>
    <summary type="text">Cheaper &amp; faster: &lt;script&gt;alert(1)&lt;/script&gt;</summary>
    <content type="html">&lt;p&gt;Input $1 / 1M tokens.&lt;/p&gt;
      &lt;p&gt;Output $4.&lt;/p&gt;</content>
  </entry>
  <entry><title>No id, no link</title><updated>2025-05-02T00:00:00Z</updated></entry>
</feed>"""


def test_feeds_atom_plain_text_and_dates() -> None:
    parsed = FORMATS["atom"](ATOM, "lab")
    first, second = parsed.rows["entries"]
    assert first["title"] == "Model X released"
    assert first["entry_id"] == "urn:lab:1" and first["link"] == "https://lab.example/x"
    assert first["published"] == "2025-05-01T10:30:00+00:00"  # updated, converted to UTC
    assert first["author"] == "Lab Team"
    assert "<" not in first["summary"] and "alert" not in first["summary"]
    assert first["summary"].startswith("Cheaper & faster")
    assert first["content"] == "Input $1 / 1M tokens.\n\nOutput $4."
    assert second["entry_id"].startswith("sha256:") and second["link"] is None
    assert feeds.parse(ATOM, "lab").rows["entries"][1]["entry_id"] == second["entry_id"]


def test_feeds_html_is_sanitised_with_tables_and_absolute_links_kept() -> None:
    html = (
        '<p onclick="steal()">Scores</p><script>alert(1)</script><style>p{}</style>'
        "<table><tr><th>Benchmark</th><th>X</th></tr><tr><td>GPQA</td><td>71.2</td></tr>"
        '</table><a href="/pricing" onmouseover="x()">pricing</a><iframe src="//e"></iframe>'
    )
    rss = (
        '<?xml version="1.0"?><rss version="2.0" xml:base="https://lab.example/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
        "<link>https://lab.example/</link><item><title>X</title><guid>g</guid>"
        f"<content:encoded><![CDATA[{html}]]></content:encoded></item></channel></rss>"
    )
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"id": "j", "content_html": html}],
    }
    xml_entry = feeds.parse(rss.encode(), "x").rows["entries"][0]
    json_entry = feeds.parse(json.dumps(doc).encode(), "j").rows["entries"][0]
    for entry in (xml_entry, json_entry):
        clean = entry["content_html"]
        for bad in ("<script", "alert", "onclick", "onmouseover", "<style", "<iframe"):
            assert bad not in clean, bad
        assert "<th>Benchmark</th>" in clean and "<td>71.2</td>" in clean
        assert "alert" not in entry["content"] and "GPQA" in entry["content"]
    assert 'href="https://lab.example/pricing"' in xml_entry["content_html"]  # xml:base


def test_feeds_links_resolve_against_the_base_url_option() -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
        b"<title>X</title><guid>g</guid><link>/news/x</link></item></channel></rss>"
    )
    entry = feeds.parse(rss, "x", base_url="https://lab.example/feed.xml").rows["entries"][0]
    assert entry["link"] == "https://lab.example/news/x"
    assert feeds.parse(rss, "x").rows["entries"][0]["link"] == "/news/x"  # no base: as given
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "feed_url": "https://b.example/f.json",
        "items": [{"id": "1", "url": "posts/1"}],
    }
    item = feeds.parse(json.dumps(doc).encode(), "b").rows["entries"][0]
    assert item["link"] == "https://b.example/posts/1"


def test_feeds_rss_bozo_is_recorded_not_fatal() -> None:
    data = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Broken &nbsp; entity</title><guid>g1</guid>"
        b"<pubDate>Mon, 03 Mar 2025 09:00:00 +0100</pubDate></item></channel></rss>"
    )
    parsed = feeds.parse(data, "x")
    entry = parsed.rows["entries"][0]
    assert entry["bozo"] is True and entry["bozo_reason"]
    assert entry["entry_id"] == "g1" and entry["published"] == "2025-03-03T08:00:00+00:00"


def test_feeds_rss1_and_json_feed_11() -> None:
    rdf = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://a.example/">'
        b"<title>A</title><link>https://a.example/</link><description>d</description>"
        b'</channel><item rdf:about="https://a.example/1"><title>One</title>'
        b"<link>https://a.example/1</link></item></rdf:RDF>"
    )
    entries = FORMATS["rss"](rdf, "a").rows["entries"]
    assert [(e["title"], e["link"]) for e in entries] == [("One", "https://a.example/1")]
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "B",
        "authors": [{"name": "Feed Author"}],
        "items": [
            {
                "id": 42,
                "content_html": "<p>Hello <em>world</em></p>",
                "date_published": "2025-01-01T00:00:00-05:00",
                "summary": "S",
            },
            "not an item",
        ],
    }
    parsed = FORMATS["jsonfeed"](io.BytesIO(json.dumps(doc).encode()).read(), "b")
    entry = parsed.rows["entries"][0]
    assert (entry["entry_id"], entry["content"], entry["summary"]) == ("42", "Hello world", "S")
    assert entry["published"] == "2025-01-01T05:00:00+00:00"
    assert entry["author"] == "Feed Author"
    assert len(parsed.rejects) == 1 and "not an object" in parsed.rejects[0]["reason"]


# -- bundled sources ------------------------------------------------------------------------

BUNDLED_BENCHMARKS = [
    ("polyglot_leaderboard.yml", aider.parse, {}),
    ("gpqa_diamond.csv", epoch.parse, {"benchmark": "gpqa-diamond"}),
    ("swe_bench_verified.csv", epoch.parse, {"benchmark": "swe-bench-verified"}),
    ("fictionlivebench_external.csv", epoch.parse, {"benchmark": "fictionlivebench"}),
    ("live_bench_external.csv", epoch.parse, {"benchmark": "livebench"}),
]


@pytest.mark.parametrize(
    ("name", "parse", "options"), BUNDLED_BENCHMARKS, ids=[b[0] for b in BUNDLED_BENCHMARKS]
)
def test_bundled_benchmarks_parse(bundled: Path, name: str, parse, options: dict) -> None:
    path = bundled / "sources" / "benchmarks" / name
    parsed = parse(path.read_bytes(), name, **options)
    assert parsed.count("scores") > 0
    if path.suffix == ".csv":
        assert parsed.count("scores") + len(parsed.rejects) == _csv_rows(path)


# Files of data/sources that are the project's own, not copies of anyone's data.
OWN_FILES = {"PROVENANCE.md", "prices/README.md", "prices/build_history.py"}


def _provenance(table: str) -> dict[str, str | None]:
    """A provenance table's rows: first column (a path in backticks) -> the path in backticks
    that starts the second column, or None when it starts with none ("built, not copied")."""
    rows: dict[str, str | None] = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        first = re.fullmatch(r"`([^`]+)`", cells[0])
        if first and len(cells) > 1:
            second = re.match(r"`([^`]+)`", cells[1])
            rows[first[1]] = second[1] if second else None
    return rows


def test_bundled_files_are_unchanged_copies(bundled: Path, real: Path) -> None:
    """Every bundled sample source has a row in data/sources/PROVENANCE.md naming its original
    among the real files, and is that file byte for byte (or, for the price histories, is
    built from public commit histories as prices/README.md says)."""
    sources = bundled / "sources"
    rows = _provenance((sources / "PROVENANCE.md").read_text())
    files = {p.relative_to(sources).as_posix() for p in sources.rglob("*") if p.is_file()}
    assert set(rows) == files - OWN_FILES
    for name, original in rows.items():
        if original is None:
            assert name.startswith("prices/") and name.endswith("_history.csv"), name
            assert Path(name).name in (sources / "prices" / "README.md").read_text()
            continue
        assert (real / original).is_file(), f"{name}: no original {original} in {real}"
        assert (sources / name).read_bytes() == (real / original).read_bytes(), name


def test_real_files_have_their_provenance(real: Path) -> None:
    """Every real file lies under a folder or is a file that tests/data/real/PROVENANCE.md
    names, and every one it names is there."""
    named = [Path(name.rstrip("/")) for name in _provenance((real / "PROVENANCE.md").read_text())]
    assert named and all((real / n).exists() for n in named), named
    for path in real.rglob("*"):
        if path.is_file() and path.name != "PROVENANCE.md":
            local = path.relative_to(real)
            assert any(local == n or n in local.parents for n in named), local


def test_bundled_benchmark_names_have_capabilities(bundled: Path) -> None:
    import tomllib

    capabilities = tomllib.loads((bundled / "capabilities.toml").read_text())["benchmarks"]
    workloads = tomllib.loads((bundled / "workloads.toml").read_text())["workloads"]
    emitted = {"aider-polyglot"} | {b[2]["benchmark"] for b in BUNDLED_BENCHMARKS if b[2]}
    assert emitted <= set(capabilities)
    assert len(workloads) >= 4
    for workload in workloads.values():
        assert set(workload["benchmarks"]) <= emitted


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(
            b'<?xml version="1.0"?><rss version="0.91"><channel><title>L</title>'
            b"<link>https://l.example/</link><description>d</description><item>"
            b"<title>One</title><link>https://l.example/1</link></item></channel></rss>",
            id="rss-0.91",
        ),
        pytest.param(
            b'<?xml version="1.0"?><rss version="0.92"><channel><title>L</title>'
            b"<item><title>One</title><link>https://l.example/1</link></item>"
            b"</channel></rss>",
            id="rss-0.92",
        ),
        pytest.param(
            b'<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">'
            b"<title>L</title><entry><title>One</title>"
            b'<link rel="alternate" type="text/html" href="https://l.example/1"/>'
            b"<id>https://l.example/1</id><issued>2025-02-01T00:00:00Z</issued>"
            b"</entry></feed>",
            id="atom-0.3",
        ),
    ],
)
def test_feeds_older_dialects(doc: bytes) -> None:
    (entry,) = feeds.parse(doc, "l").rows["entries"]
    assert entry["title"] == "One" and entry["link"] == "https://l.example/1"
