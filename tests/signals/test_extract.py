"""The release-text fact extractor (signals/extract.py) and benchmark names (signals/benchmarks.py).

Most tests read real release notes (tests/data/real/release_notes: four of them are also the
bundled sample sources in data/sources/release_notes) and assert what a careful reader finds in
them; the rest are small hand-written texts for single rules.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from signals.benchmarks import benchmark_scale, benchmark_slug, normalise_benchmark
from signals.extract import ContextClaim, Facts, ScoreClaim, extract, extract_html

FILES = {
    "deepseek": "deepseek-ai_DeepSeek-R1_README.md",
    "llama": "meta-llama_llama-models_llama3_1_MODEL_CARD.md",
    "mistral": "mistralai_platform-docs_models_overview.md",
    "qwen": "QwenLM_qwenlm.github.io_blog_qwen2.5-llm.md",
    "simple_evals": "openai_simple-evals_README.md",
}


@pytest.fixture(scope="module")
def notes(real: Path) -> Callable[[str], tuple[str, Facts]]:
    """``notes(key)``: the text of the release note FILES[key] and the facts extracted from it
    (once per module)."""
    cache: dict[str, tuple[str, Facts]] = {}

    def read(key: str) -> tuple[str, Facts]:
        if key not in cache:
            text = (real / "release_notes" / FILES[key]).read_text(encoding="utf-8")
            cache[key] = (text, extract(text))
        return cache[key]

    return read


def score(facts: Facts, model: str, benchmark: str) -> ScoreClaim:
    """The one score claim of ``model`` on ``benchmark`` (fails when absent or ambiguous)."""
    found = [s for s in facts.scores if s.model == model and s.benchmark == benchmark]
    assert len(found) == 1, (model, benchmark, found)
    return found[0]


def has_score(facts: Facts, model: str, benchmark: str) -> bool:
    return any(s.model == model and s.benchmark == benchmark for s in facts.scores)


def contexts_of(facts: Facts, model: str) -> list[int]:
    return [c.tokens for c in facts.contexts if c.model == model]


def assert_points_at(text: str, claim: ScoreClaim | ContextClaim, written: str) -> None:
    """The evidence quotes the value and its offset points at the value in the text."""
    assert written in claim.evidence.sentence
    assert len(claim.evidence.sentence) <= 300
    assert written in text[claim.evidence.offset : claim.evidence.offset + len(written) + 4]


# ---------------------------------------------------------------------------------------------
# Real release notes


def test_deepseek_r1_main_table_benchmarks_as_rows(notes) -> None:
    text, facts = notes("deepseek")
    gpqa = score(facts, "DeepSeek R1", "gpqa-diamond")
    assert (gpqa.value, gpqa.unit, gpqa.benchmark_as_written) == (
        71.5,
        "percent",
        "GPQA-Diamond (Pass@1)",
    )
    assert_points_at(text, gpqa, "71.5")
    assert score(facts, "DeepSeek R1", "swe-bench-verified").value == 49.2
    assert score(facts, "DeepSeek R1", "aider-polyglot").value == 53.3
    assert score(facts, "OpenAI o1-1217", "gpqa-diamond").value == 75.7  # bold in the source
    assert score(facts, "Claude-3.5-Sonnet-1022", "swe-bench-verified").value == 50.8
    assert score(facts, "GPT-4o 0513", "aider-polyglot").value == 16.0
    rating = score(facts, "DeepSeek R1", "codeforces")
    assert (rating.value, rating.unit) == (2029.0, "rating")
    percentile = score(facts, "DeepSeek R1", "codeforces-percentile")
    assert (percentile.value, percentile.unit) == (96.3, "percent")
    # "-" cells give no claim; "MoE" / "37B" rows are not benchmarks
    assert not has_score(facts, "DeepSeek V3", "livecodebench")
    assert not [s for s in facts.scores if "param" in s.benchmark or "architecture" in s.benchmark]


def test_deepseek_r1_distilled_table_models_as_rows(notes) -> None:
    text, facts = notes("deepseek")
    aime = score(facts, "DeepSeek-R1-Distill-Qwen-32B", "aime-2024")
    assert (aime.value, aime.unit, aime.benchmark_as_written) == (
        72.6,
        "percent",
        "AIME 2024 pass@1",
    )
    assert_points_at(text, aime, "72.6")
    assert score(facts, "DeepSeek-R1-Distill-Qwen-32B", "aime-2024-cons64").value == 83.3
    assert score(facts, "DeepSeek-R1-Distill-Llama-70B", "gpqa-diamond").value == 65.2
    assert score(facts, "DeepSeek-R1-Distill-Qwen-1.5B", "math-500").value == 83.9
    cf = score(facts, "o1-mini", "codeforces")
    assert (cf.value, cf.unit) == (1820.0, "rating")
    assert score(facts, "QwQ-32B-Preview", "livecodebench").value == 41.9


def test_deepseek_r1_context_models_and_no_cost_claim(notes) -> None:
    text, facts = notes("deepseek")
    # The README states the context length in its model table: 128K for both models.
    assert contexts_of(facts, "DeepSeek-R1") == [128_000]
    assert contexts_of(facts, "DeepSeek-R1-Zero") == [128_000]
    ctx = next(c for c in facts.contexts if c.model == "DeepSeek-R1")
    assert_points_at(text, ctx, "128K")
    # "maximum generation length ... 32,768 tokens" and "--max-model-len 32768" are not contexts
    assert len(facts.contexts) == 2
    assert facts.models[:2] == ("DeepSeek-R1", "DeepSeek-R1-Zero")
    for name in ("DeepSeek-R1-Distill-Qwen-32B", "DeepSeek-R1-Distill-Llama-70B", "o1-mini"):
        assert name in facts.models
    assert "GPT-4-1106" not in facts.models  # the Arena-Hard judge in a benchmark label
    assert facts.prices == ()
    assert facts.claims_cheaper is False and facts.cheaper_evidence is None
    assert len(facts.scores) == 175


def test_llama_3_1_model_card_html_tables(notes) -> None:
    text, facts = notes("llama")
    # rowspan'd "Llama 3.1 (text only)" + Params column -> one context claim per size
    for size in ("8B", "70B", "405B"):
        assert contexts_of(facts, f"Llama 3.1 {size}") == [128_000]
    ctx = next(c for c in facts.contexts if c.model == "Llama 3.1 405B")
    assert_points_at(text, ctx, "128k")
    base = score(facts, "Llama 3.1 405B", "mmlu")
    assert (base.value, base.unit) == (85.2, "percent")
    assert_points_at(text, base, "85.2")
    assert score(facts, "Llama 3.1 405B Instruct", "gpqa").value == 50.7
    assert score(facts, "Llama 3.1 405B Instruct", "humaneval").value == 89.0
    assert score(facts, "Llama 3.1 8B Instruct", "ifeval").value == 80.4
    assert score(facts, "Llama 3.1 70B", "bbh").value == 81.6
    multilingual = score(facts, "Llama 3.1 70B Instruct", "mmlu-portuguese")
    assert multilingual.value == 80.13
    assert multilingual.benchmark_as_written == "MMLU (5-shot, macro_avg/acc), Portuguese"
    # Winogrande for Llama 3 8B is "-"; the emissions table holds no benchmark
    assert not has_score(facts, "Llama 3 8B", "winogrande")
    assert not [s for s in facts.scores if s.value in (700.0, 8930.0)]
    assert len(facts.scores) == 158
    assert facts.models[0] == "Llama 3.1"
    assert facts.claims_cheaper is False  # "power usage efficiency" is not a cost claim


def test_mistral_models_overview(notes) -> None:
    text, facts = notes("mistral")
    assert contexts_of(facts, "mistral-medium-2508") == [128_000]
    assert contexts_of(facts, "Mistral Medium 3.1") == [128_000]
    assert contexts_of(facts, "codestral-2508") == [256_000]
    assert contexts_of(facts, "Mistral Embed") == [8_000]
    assert contexts_of(facts, "Voxtral Mini Transcribe") == []  # no value in its row
    ctx = next(c for c in facts.contexts if c.model == "mistral-medium-2508")
    assert_points_at(text, ctx, "128k")
    assert "mistral-medium-2508" in ctx.evidence.sentence
    for name in (
        "Mistral Medium 3.1",
        "mistral-medium-2508",
        "Magistral Medium 1.2",
        "Ministral 8B",
        "open-mistral-nemo",
        "Mixtral 8x22B",
        "mistral-small-latest",
    ):
        assert name in facts.models
    assert facts.models[:2] == ("Mistral Medium 3.1", "mistral-medium-2508")
    assert "simple-evals" not in facts.models and "Mistral" not in facts.models
    assert len(facts.contexts) == 46
    assert facts.scores == () and facts.prices == ()  # "Version 25.08" is not a score
    assert facts.claims_cheaper is True
    assert facts.cheaper_evidence is not None
    assert "performance/price ratio" in facts.cheaper_evidence.sentence


def test_qwen2_5_blog(notes) -> None:
    text, facts = notes("qwen")
    math = score(facts, "Qwen2.5-72B-Instruct", "math")
    assert (math.value, math.unit) == (83.1, "percent")
    assert_points_at(text, math, "83.1")
    assert score(facts, "Qwen2.5-72B-Instruct", "livebench").value == 52.3
    assert score(facts, "Qwen2.5-72B-Instruct", "arena-hard").value == 81.2
    assert score(facts, "Qwen2.5-72B", "mmlu").value == 86.1
    assert score(facts, "Mistral-Large2 Instruct", "mmlu-pro").value == 69.4
    assert score(facts, "Qwen2.5-72B-Instruct", "ifeval-multilingual").value == 86.98
    align = score(facts, "GPT4o-mini", "alignbench")
    assert (align.value, align.unit) == (7.81, "other")  # a 1-10 judged score
    # the prose claim "128K (131,072) tokens" names no model: the front-matter title's model
    prose = [c for c in facts.contexts if "131,072" in c.evidence.sentence]
    assert [(c.model, c.tokens) for c in prose] == [("Qwen2.5", 131_072)]
    assert contexts_of(facts, "Qwen2.5-7B") == [128_000]
    assert contexts_of(facts, "Qwen2.5-3B") == [32_000]
    assert len(facts.contexts) == 8  # "generate up to 8K tokens" is not a context window
    # the table inside an HTML comment is not read
    assert "Qwen1.5-14B" not in facts.models
    assert facts.models[0] == "Qwen2.5"
    assert facts.claims_cheaper is True
    assert facts.cheaper_evidence is not None
    assert "cost-effective" in facts.cheaper_evidence.sentence


def test_simple_evals_readme(notes) -> None:
    text, facts = notes("simple_evals")
    gpqa = score(facts, "o3-high", "gpqa")
    assert (gpqa.value, gpqa.benchmark_as_written) == (83.4, "GPQA")  # footnote [^8] dropped
    assert_points_at(text, gpqa, "83.4")
    assert score(facts, "o3-high", "mmlu").value == 93.3
    assert score(facts, "Claude 3.5 Sonnet", "gpqa").value == 59.4  # a linked row label
    assert score(facts, "Claude 3.5 Sonnet", "mmlu").value == 88.3
    assert score(facts, "gpt-4o-2024-08-06", "drop").value == 79.8
    assert score(facts, "o1-mini", "simpleqa").value == 7.6  # written "07.6"
    assert not has_score(facts, "gpt-4-0125-preview", "simpleqa")  # "n/a"
    assert "Other Models (Reported)" not in facts.models
    assert "gpt-4.1-2025-04-14" in facts.models and "Gemini 1.5 Pro" in facts.models
    assert len(facts.scores) == 214
    assert facts.contexts == () and facts.prices == () and facts.claims_cheaper is False


# ---------------------------------------------------------------------------------------------
# Prices


def test_per_1k_price_is_converted_to_per_1m() -> None:
    facts = extract("The gpt-3.5-turbo model is priced at $0.002 per 1K tokens.")
    (price,) = facts.prices
    assert price.model == "gpt-3.5-turbo"
    # no token kind named: a flat price for all tokens
    assert (price.input_per_1m, price.output_per_1m, price.cached_input_per_1m) == (2.0, 2.0, None)
    assert price.unit_as_written == "per 1K tokens"
    assert "$0.002" in price.evidence.sentence


def test_input_output_and_cache_prices_merge_into_one_claim() -> None:
    text = (
        "DeepSeek-R1 costs $0.55 per million input tokens (cache miss), $0.14 per million input "
        "tokens (cache hit) and $2.19/M output tokens."
    )
    (price,) = extract(text).prices
    assert price.model == "DeepSeek-R1"
    assert (price.input_per_1m, price.output_per_1m, price.cached_input_per_1m) == (
        0.55,
        2.19,
        0.14,
    )
    assert price.unit_as_written == "per million input tokens"
    assert text[price.evidence.offset :].startswith("$0.55")


def test_price_kinds_written_before_the_amount_and_cache_writes_skipped() -> None:
    facts = extract(
        "Claude 3.5 Sonnet: input: $3 / 1M tokens, output: $15 / 1M tokens. "
        "Prompt caching writes cost $3.75/MTok and cache hits $0.30/MTok."
    )
    first, second = facts.prices
    assert (first.model, first.input_per_1m, first.output_per_1m) == (
        "Claude 3.5 Sonnet",
        3.0,
        15.0,
    )
    assert first.unit_as_written == "/ 1M tokens"
    # the next sentence names no model: the one named just before
    assert (second.model, second.input_per_1m, second.cached_input_per_1m) == (
        "Claude 3.5 Sonnet",
        None,
        0.3,
    )


def test_per_token_and_cents_prices() -> None:
    (per_token,) = extract("Gemini 1.5 Flash costs $0.0000001 per token.").prices
    assert per_token.input_per_1m == 0.1
    (cents,) = extract("GPT-4o mini is priced at 15 cents per million input tokens.").prices
    assert (cents.model, cents.input_per_1m, cents.output_per_1m) == ("GPT-4o mini", 0.15, None)


def test_a_dollar_amount_without_a_token_unit_is_no_price() -> None:
    facts = extract("Claude Pro costs $20 per month. We use a temperature of $0.6$.")
    assert facts.prices == ()


def test_price_table() -> None:
    text = (
        "| Model | Input ($/1M tokens) | Output ($/1M tokens) |\n"
        "|---|---|---|\n"
        "| GPT-4.1 | $2.00 | $8.00 |\n"
        "| GPT-4.1 mini | $0.40 | $1.60 |\n"
    )
    facts = extract(text)
    assert [(p.model, p.input_per_1m, p.output_per_1m) for p in facts.prices] == [
        ("GPT-4.1", 2.0, 8.0),
        ("GPT-4.1 mini", 0.4, 1.6),
    ]
    assert facts.scores == ()


# ---------------------------------------------------------------------------------------------
# Context windows


@pytest.mark.parametrize(
    ("text", "model", "tokens"),
    [
        ("Gemini 1.5 Pro comes with a 1M-token context window.", "Gemini 1.5 Pro", 1_000_000),
        ("Claude 3 Opus offers a 200K context window.", "Claude 3 Opus", 200_000),
        ("Llama 3.1 405B has a context length of 131,072 tokens.", "Llama 3.1 405B", 131_072),
        ("Mistral Small 3 supports up to 32K tokens.", "Mistral Small 3", 32_000),
        ("Qwen2.5-7B: context window of up to 128k tokens.", "Qwen2.5-7B", 128_000),
        ("GPT-4.1 handles a context of 1 million tokens.", "GPT-4.1", 1_000_000),
    ],
)
def test_context_windows_in_prose(text: str, model: str, tokens: int) -> None:
    (ctx,) = extract(text).contexts
    assert (ctx.model, ctx.tokens) == (model, tokens)
    assert ctx.evidence.sentence == text


def test_generation_lengths_are_not_context_windows() -> None:
    facts = extract(
        "Phi-3 can generate up to 8K tokens. The maximum generation length is 32,768 tokens. "
        "It was trained on 18 trillion tokens."
    )
    assert facts.contexts == ()


def test_title_names_the_model_when_the_text_does_not() -> None:
    facts = extract("It supports a 256K context window.", title="Introducing Kimi K2")
    assert facts.models == ("Kimi K2",)
    assert [(c.model, c.tokens) for c in facts.contexts] == [("Kimi K2", 256_000)]
    unnamed = extract("It supports a 256K context window.")
    assert [(c.model, c.tokens) for c in unnamed.contexts] == [(None, 256_000)]


# ---------------------------------------------------------------------------------------------
# Cost claims


@pytest.mark.parametrize(
    "text",
    [
        "GPT-4o mini is cheaper than GPT-3.5 Turbo.",
        "DeepSeek-V3 delivers frontier quality at a fraction of the cost.",
        "o3-mini is our most efficient reasoning model, lowering the cost per task.",
        "Claude Sonnet 4 solves the task with fewer output tokens.",
        "Gemini 2.5 Flash is our most cost-efficient model.",
        "Grok 3 mini comes at a lower price.",
    ],
)
def test_cheaper_claims(text: str) -> None:
    facts = extract(text)
    assert facts.claims_cheaper is True
    assert facts.cheaper_evidence is not None
    assert facts.cheaper_evidence.sentence == text


@pytest.mark.parametrize(
    "text",
    [
        "Our new efficient attention mechanism handles 128K tokens.",
        "An efficient audio input model, fine-tuned for transcription.",
        "Llama 3.1 405B is our most capable model, with more efficient training.",
        "Mistral Large 2 is not cheaper, but it is more accurate.",
        "Qwen2.5-7B has fewer parameters than Gemma2-9B.",
    ],
)
def test_not_cost_claims(text: str) -> None:
    facts = extract(text)
    assert facts.claims_cheaper is False
    assert facts.cheaper_evidence is None


def test_cheaper_claim_evidence_offset() -> None:
    text = "# GPT-4o mini\n\nToday we release GPT-4o mini. It is 60% cheaper than GPT-3.5 Turbo."
    evidence = extract(text).cheaper_evidence
    assert evidence is not None
    assert evidence.sentence == "It is 60% cheaper than GPT-3.5 Turbo."
    assert text[evidence.offset :].startswith("cheaper")


# ---------------------------------------------------------------------------------------------
# Tables


BENCHMARKS_AS_ROWS = """\
| Benchmark | Claude 3.5 Sonnet | GPT-4o | **DeepSeek-V3** |
|---|---|---|---|
| MMLU (EM) | 88.3 | 87.2 | **88.5** |
| SWE-bench Verified (Resolved) | 50.8 | 38.8 | 42.0 |
| Codeforces (Rating) | 717 | 759 | 1134 |
| Params | - | - | 671B |
"""

MODELS_AS_ROWS = """\
| Model | GPQA Diamond | Aider Polyglot | LiveBench | Context |
|---|---|---|---|---|
| Grok 3 | 75.4% | 53.3 | N/A | 1M |
| Gemini 2.5 Pro[^1] | **84.0** | 72.9 | 70.4 | 1,048,576 |
"""


def test_markdown_table_benchmarks_as_rows() -> None:
    facts = extract(BENCHMARKS_AS_ROWS)
    got = {(s.model, s.benchmark): (s.value, s.unit) for s in facts.scores}
    assert got == {
        ("Claude 3.5 Sonnet", "mmlu"): (88.3, "percent"),
        ("GPT-4o", "mmlu"): (87.2, "percent"),
        ("DeepSeek-V3", "mmlu"): (88.5, "percent"),
        ("Claude 3.5 Sonnet", "swe-bench-verified"): (50.8, "percent"),
        ("GPT-4o", "swe-bench-verified"): (38.8, "percent"),
        ("DeepSeek-V3", "swe-bench-verified"): (42.0, "percent"),
        ("Claude 3.5 Sonnet", "codeforces"): (717.0, "rating"),
        ("GPT-4o", "codeforces"): (759.0, "rating"),
        ("DeepSeek-V3", "codeforces"): (1134.0, "rating"),
    }
    swe = score(facts, "GPT-4o", "swe-bench-verified")
    assert swe.evidence.sentence == "SWE-bench Verified (Resolved) | 50.8 | 38.8 | 42.0"
    assert_points_at(BENCHMARKS_AS_ROWS, swe, "38.8")
    assert facts.models == ("Claude 3.5 Sonnet", "GPT-4o", "DeepSeek-V3")


def test_markdown_table_models_as_rows() -> None:
    facts = extract(MODELS_AS_ROWS)
    got = {(s.model, s.benchmark): (s.value, s.unit) for s in facts.scores}
    assert got == {
        ("Grok 3", "gpqa-diamond"): (75.4, "percent"),
        ("Grok 3", "aider-polyglot"): (53.3, "percent"),
        ("Gemini 2.5 Pro", "gpqa-diamond"): (84.0, "percent"),
        ("Gemini 2.5 Pro", "aider-polyglot"): (72.9, "percent"),
        ("Gemini 2.5 Pro", "livebench"): (70.4, "percent"),
    }
    assert [(c.model, c.tokens) for c in facts.contexts] == [
        ("Grok 3", 1_000_000),
        ("Gemini 2.5 Pro", 1_048_576),
    ]
    gemini = score(facts, "Gemini 2.5 Pro", "gpqa-diamond")
    assert gemini.evidence.sentence == "Gemini 2.5 Pro | 84.0 | 72.9 | 70.4 | 1,048,576"
    assert_points_at(MODELS_AS_ROWS, gemini, "84.0")


def test_unknown_benchmarks_are_slugged_and_units_judged() -> None:
    text = (
        "| Task | Qwen3-8B | Llama 3.1 8B |\n"
        "|---|---|---|\n"
        "| Multi-Exam (5-shot) | 61.2 | 52.3 |\n"
        "| Vibe Check | 7.1 | 6.3 |\n"
        "| Toolathlon Elo | 1210 | 1102 |\n"
    )
    got = {(s.model, s.benchmark): (s.value, s.unit) for s in extract(text).scores}
    assert got[("Qwen3-8B", "multi-exam")] == (61.2, "percent")  # 0-100 with values above 10
    assert got[("Qwen3-8B", "vibe-check")] == (7.1, "other")  # all values under 10
    assert got[("Llama 3.1 8B", "toolathlon")] == (1102.0, "rating")  # "Elo" is a unit word


HTML_PAGE = """\
<html><head><title>GPT-4o mini: advancing cost-efficient intelligence</title>
<style>p { color: red }</style></head>
<body>
<h1>GPT-4o mini</h1>
<p>Pricing: input: &#36;0.15 / 1M tokens, output: $0.60 / 1M tokens.</p>
<p>It has a <b>128K</b>-token context window.</p>
<!-- <p>Claude 9 costs $1 per 1M tokens.</p> -->
<table>
 <thead><tr><th>Eval</th><th>GPT-4o mini</th><th>Gemini Flash</th>
   <th>Claude 3 Haiku</th></tr></thead>
 <tbody>
 <tr><td>MMLU</td><td>82.0%</td><td>77.9%</td><td>73.8%</td></tr>
 <tr><td>GPQA</td><td><strong>40.2</strong><sup>1</sup></td><td>38.6</td><td>-</td></tr>
 <tr><td rowspan="2">MGSM</td><td>87.0</td><td colspan="2">75.5</td></tr>
 </tbody>
</table>
<p>Use <code>gpt-4o-mini</code> in the API.</p>
</body></html>
"""


def test_extract_html_page() -> None:
    facts = extract_html(HTML_PAGE)
    assert facts.models == ("GPT-4o mini", "Gemini Flash", "Claude 3 Haiku", "gpt-4o-mini")
    got = {(s.model, s.benchmark): s.value for s in facts.scores}
    assert got == {
        ("GPT-4o mini", "mmlu"): 82.0,
        ("Gemini Flash", "mmlu"): 77.9,
        ("Claude 3 Haiku", "mmlu"): 73.8,
        ("GPT-4o mini", "gpqa"): 40.2,  # footnote mark in <sup> dropped
        ("Gemini Flash", "gpqa"): 38.6,
        ("GPT-4o mini", "mgsm"): 87.0,
        ("Gemini Flash", "mgsm"): 75.5,  # colspan repeats the cell
        ("Claude 3 Haiku", "mgsm"): 75.5,
    }
    gpqa = score(facts, "GPT-4o mini", "gpqa")
    assert gpqa.evidence.sentence == "GPQA | 40.2 | 38.6 | -"
    assert HTML_PAGE[gpqa.evidence.offset :].startswith("40.2</strong>")
    (price,) = facts.prices
    assert (price.model, price.input_per_1m, price.output_per_1m) == ("GPT-4o mini", 0.15, 0.6)
    (ctx,) = facts.contexts
    assert (ctx.model, ctx.tokens) == ("GPT-4o mini", 128_000)
    assert HTML_PAGE[ctx.evidence.offset :].startswith("128K")
    assert facts.claims_cheaper is True
    assert facts.cheaper_evidence is not None
    assert facts.cheaper_evidence.offset == -1  # read from the page title


def test_prose_scores_need_a_known_benchmark_and_a_model_before_them() -> None:
    facts = extract(
        "DeepSeek-R1 achieves 79.8% Pass@1 on AIME 2024 and 97.3% on MATH-500. "
        "Qwen2.5-72B-Instruct excels in mathematics (MATH: 83.1) and chat (Vibes: 9.1). "
        "On GPQA, 71.5% is reached."
    )
    got = [(s.model, s.benchmark, s.value, s.unit) for s in facts.scores]
    assert got == [
        ("DeepSeek-R1", "aime-2024", 79.8, "percent"),
        ("DeepSeek-R1", "math-500", 97.3, "percent"),
        ("Qwen2.5-72B-Instruct", "math", 83.1, "percent"),
    ]


def test_model_name_heuristics() -> None:
    facts = extract(
        "Mistral provides models. We compare Llama 3.1 405B, Claude 3.5 Sonnet, GPT-4o and "
        "OpenAI-o1 under the Llama 3.1 Community License; see `simple-evals` and "
        "`mistral-medium-2508`. DeepSeek's Qwen2.5-72B-Instruct and Mixtral-8x22B too."
    )
    assert facts.models == (
        "Llama 3.1 405B",
        "Claude 3.5 Sonnet",
        "GPT-4o",
        "o1",
        "Llama 3.1",
        "mistral-medium-2508",
        "Qwen2.5-72B-Instruct",
        "Mixtral-8x22B",
    )


# ---------------------------------------------------------------------------------------------
# Benchmark names


@pytest.mark.parametrize(
    ("written", "slug"),
    [
        ("GPQA-Diamond (Pass@1)", "gpqa-diamond"),
        ("GPQA Diamond", "gpqa-diamond"),
        ("GPQA_Diamond", "gpqa-diamond"),
        ("GPQA Diamond pass@1", "gpqa-diamond"),
        ("GPQA", "gpqa"),
        ("SWE Verified (Resolved)", "swe-bench-verified"),
        ("SWE-bench Verified", "swe-bench-verified"),
        ("Aider-Polyglot (Acc.)", "aider-polyglot"),
        ("Aider polyglot", "aider-polyglot"),
        ("MMLU", "mmlu"),
        ("MMLU (5-shot, macro_avg/acc)", "mmlu"),
        ("MMLU-Pro (CoT)", "mmlu-pro"),
        ("HumanEval", "humaneval"),
        ("HumanEval+", "humaneval-plus"),
        ("LiveCodeBench (Pass@1-COT)", "livecodebench"),
        ("LiveCodeBench 2305-2409", "livecodebench"),
        ("MATH-500", "math-500"),
        ("MATH level 5", "math-level-5"),
        ("AIME 2024", "aime-2024"),
        ("AIME 2024 cons@64", "aime-2024-cons64"),
        ("LiveBench", "livebench"),
        ("LiveBench 0831", "livebench"),
        ("Fiction.LiveBench", "fictionlivebench"),
        ("Arena-Hard", "arena-hard"),
        ("ArenaHard (GPT-4-1106)", "arena-hard"),
        ("IFEval", "ifeval"),
        ("IF-Eval (Prompt Strict)", "ifeval"),
        ("IFeval strict-prompt", "ifeval"),
        ("GSM8K", "gsm8k"),
        ("GSM-8K (CoT)", "gsm8k"),
        ("MBPP", "mbpp"),
        ("BBH", "bbh"),
        ("BIG-Bench Hard (CoT)", "bbh"),
        ("FrontierMath", "frontiermath"),
        ("Codeforces (Rating)", "codeforces"),
        ("Codeforces (Percentile)", "codeforces-percentile"),
        ("DROP[^5]<br>(F1, 3-shot)", "drop"),
    ],
)
def test_normalise_benchmark(written: str, slug: str) -> None:
    assert normalise_benchmark(written) == slug


def test_unknown_benchmarks() -> None:
    assert normalise_benchmark("IFEval (multilingual)") is None  # another test set
    assert normalise_benchmark("AMMLU (Arabic)") is None
    assert normalise_benchmark("") is None
    assert benchmark_slug("IFEval (multilingual)") == "ifeval-multilingual"
    assert benchmark_slug("Nexus (0-shot)") == "nexus"
    assert benchmark_slug("MBPP ++ base version") == "mbpp-plus-plus-base-version"


def test_benchmark_scales() -> None:
    assert benchmark_scale("gpqa-diamond") == "percent"
    assert benchmark_scale("aime-2024-cons64") == "percent"
    assert benchmark_scale("codeforces") == "rating"
    assert benchmark_scale("mt-bench") == "other"
    assert benchmark_scale("nexus") is None


def test_project_benchmark_names_are_produced(bundled: Path) -> None:
    import tomllib

    capabilities = bundled / "capabilities.toml"
    names = tomllib.loads(capabilities.read_text(encoding="utf-8"))["benchmarks"]
    for name, entry in names.items():
        assert normalise_benchmark(name) == name
        assert normalise_benchmark(entry["label"]) == name
