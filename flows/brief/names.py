"""Readable model names, made in one place for the brief, the chart and the CLI."""

from __future__ import annotations

import re
from functools import lru_cache

from signals.facts import effort_of
from signals.identity import price_model, resolve

# How ids spell words that readers write otherwise ("gpt-4.1" -> "GPT-4.1").
_WORDS = {
    "gpt": "GPT",
    "oss": "OSS",
    "llama": "Llama",
    "qwq": "QwQ",
    "glm": "GLM",
    "r1": "R1",
    "v3": "V3",
    "k2": "K2",
    "ai": "AI",
    "deepseek": "DeepSeek",
    "mini": "mini",
    "nano": "nano",
    "it": "IT",
}
_JOINED = {"GPT", "QwQ"}  # written with a hyphen before the version: GPT-5, QwQ-32B
_FROM_ID = {"openai", "google"}  # whose ids read better than the price list's names
_FIXES = {"Deepseek": "DeepSeek"}


def _from_id(base: str) -> str:
    """A name made from an id: "gemini-2.0-flash" -> "Gemini 2.0 Flash", "gpt-5-mini" ->
    "GPT-5 mini"; OpenAI's o-series ids are their names ("o4-mini")."""
    if re.match(r"^o\d|^gpt-oss", base):
        return base
    out: list[str] = []
    for w in (w for w in re.split(r"[-_\s/]+", base) if w):
        word = _WORDS.get(w.lower()) or (
            w.upper()
            if re.fullmatch(r"\d+[bkm]", w)
            else w
            if re.match(r"^[\d.]+$", w)
            else w.capitalize()
        )
        if out and out[-1] in _JOINED and re.match(r"^[\d.]+", word):
            out[-1] = f"{out[-1]}-{word}"
        else:
            out.append(word)
    return " ".join(out)


@lru_cache(maxsize=4096)
def display_name(base: str) -> str:
    """A model's readable name, made in one place: from the id for labs whose ids are their
    names, else the price list's display name when it is written for readers."""
    found = resolve(base)
    if (
        found
        and found.provider not in _FROM_ID
        and found.display_name[:1].isupper()
        and "(" not in found.display_name
    ):
        name = found.display_name
        for bad, good in _FIXES.items():
            name = name.replace(bad, good)
        return name
    return _from_id(found.model if found else base)


@lru_cache(maxsize=4096)
def model_label(model: str) -> str:
    """A readable model name with any effort setting: "GPT-5 mini (high)"."""
    base = price_model(model)
    effort = effort_of(model)
    name = display_name(base)
    return f"{name} ({effort})" if effort else name
