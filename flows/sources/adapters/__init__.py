"""Source adapters: real-world formats -> canonical rows (see ``base.Parsed``).

Each adapter module declares its formats (``FORMATS``); ``REGISTRY`` maps every format name (as
written in ``data/brief.toml``) to its declaration, and ``FORMATS`` to its parse function, called
as ``parse(data, source_id, **options)``.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.sources.adapters import (
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
from flows.sources.adapters.base import Format, Parsed

MODULES = (
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
REGISTRY: dict[str, Format] = {
    name: fmt for module in MODULES for fmt in module.FORMATS for name in fmt.names
}
FORMATS: dict[str, Callable[..., Parsed]] = {name: fmt.parse for name, fmt in REGISTRY.items()}

__all__ = ["FORMATS", "REGISTRY", "Format", "Parsed"]
