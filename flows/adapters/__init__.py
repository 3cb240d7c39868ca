"""Source adapters: real-world formats -> canonical rows (see ``base.Parsed``).

``FORMATS`` maps a source's ``format`` name (as written in ``data/brief.toml``) to its parse
function, called as ``parse(data, source_id, **options)``.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.adapters import (
    aider,
    azure_trace,
    canonical,
    document,
    epoch,
    feeds,
    genai_prices,
    litellm,
    llm_prices,
    lmarena,
    openrouter,
)
from flows.adapters.base import Parsed

FORMATS: dict[str, Callable[..., Parsed]] = {
    "aider": aider.parse,
    "epoch": epoch.parse,
    "genai-prices": genai_prices.parse,
    "rss": feeds.parse,
    "atom": feeds.parse,
    "feed": feeds.parse,
    "jsonfeed": feeds.parse,
    "litellm": litellm.parse,
    "openrouter": openrouter.parse,
    "llm-prices": llm_prices.parse,
    "lmarena": lmarena.parse,
    "azure-trace": azure_trace.parse,
    "canonical": canonical.parse,
    "markdown": document.parse_markdown,
    "html-document": document.parse_html,
}

__all__ = ["FORMATS", "Parsed"]
