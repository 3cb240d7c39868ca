"""Model-name resolution: map the many spellings of a model to one canonical id.

Resolution is conservative. A name resolves only when genai-prices' own matcher (its bundled
snapshot, no network) recognises it *and* the name is that model: its id, a spelling the
catalogue lists, its display name, or one of those followed by a snapshot suffix (a date such as
``-20241022`` or ``-2025-08-07``, ``-0613``, ``-001``, ``-latest``, ``-preview``, ``-exp``,
``-v2``). The matcher's broad prefix rules, made for pricing, would otherwise merge distinct
models (``deepseek-r1-distill-llama-70b`` is not DeepSeek R1). Otherwise ``resolve`` returns None
and ``canonical_id`` falls back to a normalised spelling of the name, never to a guess.

- Routing prefixes are stripped for matching: ``openai/``, ``anthropic/``, ``gemini/``,
  ``openrouter/x-ai/`` and other LiteLLM-style provider or host prefixes, and a region after
  them (``azure/eu/``, ``bedrock/us-east-1/``).
- A trailing effort or thinking-budget suffix, as Epoch AI spells it (``_high``, ``_medium``,
  ``_low``, ``_minimal``, ``_16K``, ``_32K``, ...) or as ``(16K thinking)``, becomes ``effort``.
  The canonical id is then ``"{genai_id}:{effort}"`` with the effort lowercased; prices are
  looked up under the part before the colon (``price_model``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from genai_prices import data_snapshot, types

from signals.text import strip_invisible

_EFFORT = r"high|medium|low|minimal|none|xhigh|max|thinking|\d+(?:\.\d+)?k"
_SUFFIX_RE = re.compile(rf"^(?P<base>.+?)_(?P<effort>{_EFFORT})$", re.IGNORECASE)
_PAREN_RE = re.compile(r"^(?P<base>.+?)\s*\((?P<effort>\d+(?:\.\d+)?k) thinking\)$", re.IGNORECASE)
_EFFORT_ONLY_RE = re.compile(rf"^(?:{_EFFORT})$", re.IGNORECASE)

# Leading path segments that name a provider or a host rather than the model itself, mapped to
# the genai-prices provider id to try when the bare name has no first-party match (None: none).
_PREFIXES: dict[str, str | None] = {
    "openai": "openai",
    "azure": "azure",
    "anthropic": "anthropic",
    "bedrock": "aws",
    "gemini": "google",
    "google": "google",
    "vertex_ai": "google",
    "xai": "x-ai",
    "x-ai": "x-ai",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "mistralai": "mistral",
    "cohere": "cohere",
    "moonshotai": "moonshotai",
    "groq": "groq",
    "together_ai": "together",
    "together": "together",
    "fireworks_ai": "fireworks",
    "fireworks": "fireworks",
    "cerebras": "cerebras",
    "openrouter": "openrouter",
    "meta-llama": None,
    "qwen": None,
    "nvidia_nim": None,
    "deepinfra": None,
    "chutes": None,
    "hyperbolic": None,
}

# A cloud region between the provider and the model (``azure/eu/gpt-4o``,
# ``bedrock/us-east-1/...``): where the model is served, not a different model.
_REGION = re.compile(r"us|eu|global|apac|[a-z]{2}(?:-gov)?-[a-z]+-\d", re.IGNORECASE)


@dataclass(frozen=True)
class Resolved:
    """A recognised model: canonical id, its provider, effort setting and a readable name."""

    model: str
    provider: str | None
    effort: str | None
    display_name: str


def split_effort(name: str) -> tuple[str, str | None]:
    """Split a trailing effort/budget suffix off ``name``: ``("gpt-5", "high")``."""
    text = name.strip()
    for pattern in (_SUFFIX_RE, _PAREN_RE):
        if match := pattern.match(text):
            return match.group("base").strip(), match.group("effort")
    return text, None


def _strip_prefixes(name: str) -> tuple[str, list[str]]:
    """The name without routing prefixes, and the prefixes' provider hints (outermost first)."""
    parts = name.split("/")
    hints: list[str] = []
    while len(parts) > 1 and (parts[0] in _PREFIXES or _REGION.fullmatch(parts[0])):
        if (hint := _PREFIXES.get(parts.pop(0))) is not None:
            hints.append(hint)
    return "/".join(parts), hints


# What may follow a model's id and still name that model: dated or versioned snapshots.
_SNAPSHOT = re.compile(
    r"(?:[-_@](?:\d{8}|\d{4}-\d{2}-\d{2}|\d{2}-\d{2}|\d{3,4}|latest|preview|exp"
    r"|experimental|v\d+(?:\.\d+)*))*"
)


def _spellings(clause: object) -> tuple[set[str], set[str]]:
    """The exact names and the name stems (prefixes) in a genai-prices match rule."""
    exact: set[str] = set()
    stems: set[str] = set()
    if (value := getattr(clause, "equals", None)) is not None:
        exact.add(value.lower())
    if (value := getattr(clause, "starts_with", None)) is not None:
        stems.add(value.lower())
    for child in (getattr(clause, "or_", None) or []) + (getattr(clause, "and_", None) or []):
        more_exact, more_stems = _spellings(child)
        exact |= more_exact
        stems |= more_stems
    return exact, stems


def _names_the_model(name: str, info: types.ModelInfo) -> bool:
    """Whether `name` (lowercased, no prefix, no effort) is the matched model itself or a
    snapshot of it, rather than another model its prefix rule happens to cover."""
    exact, stems = _spellings(info.match)
    display = re.sub(r"\s+", "-", (info.name or "").strip().lower())
    exact |= {info.id.lower(), display}
    if name in exact:
        return True
    return any(
        name.startswith(stem) and _SNAPSHOT.fullmatch(name[len(stem) :])
        for stem in exact | stems
        if stem
    )


def _lookup(ref: str, provider_id: str | None) -> tuple[types.Provider, types.ModelInfo] | None:
    try:
        found = data_snapshot.get_snapshot().find_provider_model(ref, None, provider_id, None)
    except LookupError:
        return None
    return found if _names_the_model(ref, found[1]) else None


def _match(base: str) -> tuple[types.Provider, types.ModelInfo] | None:
    """(provider, model) from genai-prices for a lowercased name without effort, or None."""
    bare, hints = _strip_prefixes(base)
    if found := _lookup(bare, None):  # first-party match on the bare name
        return found
    for hint in reversed(hints):  # innermost hint first: openrouter/x-ai/grok -> x-ai
        if found := _lookup(bare, hint):
            return found
    if "openrouter" in hints and "/" in base:  # OpenRouter ids keep the vendor: x-ai/grok-4
        return _lookup(base.split("/", 1)[1], "openrouter")
    return None


@lru_cache(maxsize=8192)
def resolve(name: str) -> Resolved | None:
    """Resolve a model name to its genai-prices id, or None when it is not recognised."""
    name = strip_invisible(name or "")
    if not name.strip():
        return None
    base, effort = split_effort(name)
    found = _match(base.lower())
    if found is None and re.search(r"\s", base.strip()):
        # display names write with spaces what ids write with hyphens: "DeepSeek R1"
        found = _match(re.sub(r"\s+", "-", base.strip().lower()))
    if found is None:
        return None
    provider, info = found
    model = f"{info.id}:{effort.lower()}" if effort else info.id
    display = info.name or info.id
    if effort:
        display = f"{display} ({effort})"
    return Resolved(model=model, provider=provider.id, effort=effort, display_name=display)


@lru_cache(maxsize=8192)
def canonical_id(name: str) -> str:
    """The resolved id, else the name normalised.

    Normalised: lowercased, whitespace runs -> "-", routing prefixes (``openai/``, ``gemini/``,
    ``openrouter/``, ...) dropped, an effort suffix written as ``:effort``.
    """
    name = strip_invisible(name)
    if resolved := resolve(name):
        return resolved.model
    base, effort = split_effort(name)
    normal, _ = _strip_prefixes(re.sub(r"\s+", "-", base.strip().lower()))
    return f"{normal}:{effort.lower()}" if effort else normal


def price_model(model_id: str) -> str:
    """The id prices are kept under: ``model_id`` without a trailing ``:effort``."""
    head, sep, tail = model_id.rpartition(":")
    if sep and head and _EFFORT_ONLY_RE.match(tail):
        return head
    return model_id


@lru_cache(maxsize=1)
def _catalogue_ids() -> frozenset[str]:
    return frozenset(m.id for p in data_snapshot.get_snapshot().providers for m in p.models)


def is_catalogue_id(model_id: str) -> bool:
    """Whether ``model_id`` is exactly the id of a model in genai-prices (any provider): a row
    under it meets that model's prices whatever the matcher makes of the name."""
    return model_id in _catalogue_ids()
