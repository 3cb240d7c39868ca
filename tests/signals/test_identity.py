"""Model-name resolution (signals/identity.py) against genai-prices' bundled snapshot."""

from __future__ import annotations

import pytest
from genai_prices.data_snapshot import get_snapshot

from signals.identity import canonical_id, price_model, resolve, split_effort


@pytest.mark.parametrize(
    ("name", "model", "provider"),
    [
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet", "anthropic"),
        ("openai/gpt-4o-mini", "gpt-4o-mini", "openai"),
        ("gpt-4o-mini", "gpt-4o-mini", "openai"),
        ("anthropic/claude-3-5-sonnet-20241022", "claude-3-5-sonnet", "anthropic"),
        ("openrouter/openai/o1", "o1", "openai"),
        ("deepseek/deepseek-chat", "deepseek-chat", "deepseek"),
        ("mistral/codestral-latest", "codestral", "mistral"),
    ],
)
def test_resolves_known_spellings(name: str, model: str, provider: str) -> None:
    resolved = resolve(name)
    assert resolved is not None
    assert (resolved.model, resolved.provider, resolved.effort) == (model, provider, None)
    assert resolved.display_name


def test_effort_suffix_becomes_part_of_the_id() -> None:
    resolved = resolve("gpt-5-nano-2025-08-07_high")
    assert resolved is not None
    assert resolved.model == "gpt-5-nano:high"
    assert resolved.effort == "high"
    assert resolved.provider == "openai"
    assert "(high)" in resolved.display_name
    assert canonical_id("claude-opus-4-20250514_16K").endswith(":16k")
    assert canonical_id("o3-2025-04-16_medium") == "o3:medium"


def test_openrouter_vendor_prefix_resolves_to_the_vendor() -> None:
    resolved = resolve("openrouter/x-ai/grok-4")
    assert resolved is not None
    assert resolved.provider == "x-ai"
    assert resolved.model.startswith("grok-4")


def test_split_effort_forms() -> None:
    assert split_effort("gpt-5-2025-08-07_minimal") == ("gpt-5-2025-08-07", "minimal")
    assert split_effort("QwQ-32B (16K thinking)") == ("QwQ-32B", "16K")
    assert split_effort("Llama-3.1-8B") == ("Llama-3.1-8B", None)
    assert split_effort("gemma2:27b-instruct-q8_0") == ("gemma2:27b-instruct-q8_0", None)


@pytest.mark.parametrize(
    "name",
    [
        "sonnet",
        "r1",
        "mpt-7b",
        "claude-unknown-9",
        "gpt-99-ultra",
        "my-gpt-4o-finetune",
        "gemini/gemini-2.0-pro-exp-02-05",
        "",
        "   ",
    ],
)
def test_unknown_names_do_not_resolve(name: str) -> None:
    assert resolve(name) is None


def test_canonical_id_normalises_unresolved_names() -> None:
    assert canonical_id("Gemini 2.0 Pro exp-02-05") == "gemini-2.0-pro-exp-02-05"
    # routing prefixes are dropped, so two sources spelling the same open model agree
    assert canonical_id("gemini/gemini-2.0-pro-exp-02-05") == "gemini-2.0-pro-exp-02-05"
    assert canonical_id("chutes/QwQ-32B_16K") == "qwq-32b:16k"
    assert canonical_id("QwQ-32B (16K thinking)") == "qwq-32b:16k"


def test_price_model_strips_only_an_effort() -> None:
    assert price_model("gpt-5:high") == "gpt-5"
    assert price_model("claude-opus-4-0:16k") == "claude-opus-4-0"
    assert price_model("gpt-4o") == "gpt-4o"
    assert price_model("amazon.nova-lite-v1:0") == "amazon.nova-lite-v1:0"


def test_resolved_ids_are_genai_prices_models() -> None:
    providers = {p.id: {m.id for m in p.models} for p in get_snapshot().providers}
    for name in (
        "claude-3-5-sonnet-20241022",
        "gpt-5-2025-08-07_high",
        "openrouter/x-ai/grok-4",
        "gemini-2.5-pro-preview-06-05",
    ):
        resolved = resolve(name)
        assert resolved is not None and resolved.provider is not None
        assert price_model(resolved.model) in providers[resolved.provider]


def test_lookups_are_cached() -> None:
    resolve.cache_clear()
    for name in ["claude-3-5-sonnet-20241022"] * 3:
        resolve(name)
    assert resolve.cache_info().hits >= 1 and resolve.cache_info().misses == 1


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("deepseek-r1", "deepseek-reasoner"),  # the catalogue's stem
        ("DeepSeek R1", "deepseek-reasoner"),  # its display name
        ("deepseek-r1-0528", "deepseek-reasoner"),  # a listed spelling
        ("claude-3-5-sonnet-20240620", "claude-3-5-sonnet"),  # dated snapshots
        ("claude-3.5-sonnet-latest", "claude-3-5-sonnet"),
        ("gemini-2.5-pro-preview-05-06", "gemini-2.5-pro"),
        ("azure/us/o4-mini", "o4-mini"),  # a region is where it is served, not another model
        ("azure/eu/gpt-4o-2024-08-06", "gpt-4o"),
    ],
)
def test_snapshots_and_display_names_of_a_model_resolve_to_it(name: str, model: str) -> None:
    resolved = resolve(name)
    assert resolved is not None and resolved.model == model


@pytest.mark.parametrize(
    "name",
    # each is covered by a broad prefix rule of genai-prices (priced alike) but is another model
    [
        "deepseek-r1-distill-llama-70b",
        "deepseek/deepseek-r1-distill-qwen-32b",
        "gemma-3-4b-it",
        "claude-3-5-sonnet-custom-finetune",
    ],
)
def test_other_models_under_a_broad_price_rule_stay_unresolved(name: str) -> None:
    assert resolve(name) is None
    assert canonical_id(name) == name.split("/")[-1].lower()
