"""Aider leaderboard YAML (aider/website/_data/*.yml) -> scores and run costs.

Each list item is one benchmark run. It yields:

- a score: ``value`` = ``pass_rate_2`` (percent of exercises solved within two tries),
  ``as_of`` = ``date``, ``version`` = the ``versions`` field (the Aider release that ran the
  benchmark, i.e. the harness version; the edit format is a run setting and stays in the raw file);
- a run cost: ``total_cost_usd`` = ``total_cost``, ``tasks`` = ``test_cases``,
  ``solved`` = ``pass_num_2``, and the run's ``prompt_tokens`` and ``completion_tokens`` when it
  reports them (the tokens a model spends per exercise: signal-model section 7.1). A
  ``total_cost`` of 0 or a missing one means "not reported": the run cost is skipped and the
  score kept, with no reject. In ``polyglot_leaderboard.yml`` 18 of the 69 runs give no cost
  (17 report 0, 1 omits it; one is an architect pair, rejected anyway): 66 scores and 49 run
  costs.

The model is the ``--model X`` argument of ``command`` when present (``aider --model
gemini/gemini-2.0-pro-exp-02-05``); when that name does not resolve but the leaderboard's own
``model`` label does (aliases such as ``--model sonnet``), the label is used. A reasoning setting
(``reasoning_effort``, ``--reasoning-effort``, ``thinking_tokens``, ``--thinking-tokens``, else a
label ending in ``(high)``, ``(medium)``, ``(low)`` or ``(minimal)``) becomes the effort part of
the canonical id (``gpt-5:high``, ``claude-sonnet-4-0:32k``). ``source_name`` is the
leaderboard's ``model`` label as spelled. Runs of the same model on the same date (different edit
formats) are all kept; the loader keeps the best.

Rejected with a reason: items without a score field or a date, and architect/editor pairs (the
score belongs to two models working together, not to one).
"""

from __future__ import annotations

import re
import shlex
from datetime import date, datetime
from typing import Any

from flows.sources.adapters.base import Format, Parsed, number_or_raw
from flows.sources.budget import excerpt
from signals.identity import canonical_id, resolve

EVIDENCE_URL = "https://aider.chat/docs/leaderboards/"


def _loader() -> type:
    """The C safe loader (about 10x faster on the larger leaderboards), else the Python one."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_LABEL_NOTE_RE = re.compile(r"\s*\([^)]*\)\s*$")
_LABEL_EFFORT_RE = re.compile(r"\((high|medium|low|minimal)\)\s*$", re.IGNORECASE)


def parse(
    data: bytes,
    source_id: str,
    *,
    benchmark: str = "aider-polyglot",
    score_field: str = "pass_rate_2",
) -> Parsed:
    """Parse an Aider leaderboard YAML document."""
    out = Parsed()
    import yaml  # here, not at import: the configuration's checks import this module

    try:
        items = yaml.load(data, Loader=_loader())  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        out.reject("scores", f"not valid YAML: {exc}", excerpt(data))
        return out
    if not isinstance(items, list):
        out.reject(
            "scores", "not an Aider leaderboard (expected a YAML list of runs)", excerpt(data)
        )
        return out
    solved_field = score_field.replace("rate", "num")
    for item in items:
        if not isinstance(item, dict):
            out.reject("scores", "run is not a mapping", item)
            continue
        _parse_run(out, item, benchmark, score_field, solved_field)
    return out


def _parse_run(out: Parsed, item: dict, benchmark: str, score_field: str, solved: str) -> None:
    label = str(item.get("model") or "").strip()
    command = str(item.get("command") or "")
    if score_field not in item:
        out.reject("scores", f"no {score_field} field: not a leaderboard run", item)
        return
    as_of = _date(item.get("date"))
    if as_of is None:
        out.reject("scores", "run has no date", item)
        return
    args = _args(command)
    if item.get("editor_model") or "--editor-model" in args or "--architect" in args:
        editor = item.get("editor_model") or _flag(args, "--editor-model")
        out.reject(
            "scores",
            f"architect/editor pair ({label} with editor {editor}): "
            "the score belongs to two models together",
            item,
        )
        return
    model_arg = _flag(args, "--model")
    if not model_arg and not label:
        out.reject("scores", "run names no model", item)
        return
    model = _model_id(model_arg, label, _effort(item, args))
    common = {
        "model": model,
        "benchmark": benchmark,
        "as_of": as_of,
        "known_from": as_of,
        "source_name": label or model_arg,
        "evidence_url": EVIDENCE_URL,
    }
    version = item.get("versions")
    out.add(
        "scores",
        {
            **common,
            "value": number_or_raw(item.get(score_field)),
            "scale": "percent",
            "stderr": None,
            "version": str(version) if version is not None else None,
        },
    )
    cost = number_or_raw(item.get("total_cost"))
    if cost is None or cost == 0:
        return  # cost not reported: the score stands alone
    out.add(
        "run_costs",
        {
            **common,
            "total_cost_usd": cost,
            "tasks": number_or_raw(item.get("test_cases")),
            "solved": number_or_raw(item.get(solved)),
            "prompt_tokens": number_or_raw(item.get("prompt_tokens")),
            "completion_tokens": number_or_raw(item.get("completion_tokens")),
        },
    )


def _date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or not str(value).strip():
        return None
    return str(value).strip()[:10]


def _args(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


def _flag(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _effort(item: dict, args: list[str]) -> str | None:
    """The run's reasoning setting as an effort suffix ("high", "32K"), or None."""
    effort = item.get("reasoning_effort") or _flag(args, "--reasoning-effort")
    if effort:
        return str(effort).strip().lower()
    budget = item.get("thinking_tokens")
    if budget is None:
        budget = _flag(args, "--thinking-tokens")
    if budget is not None:
        return _budget(budget)
    label = _LABEL_EFFORT_RE.search(str(item.get("model") or ""))
    return label.group(1).lower() if label else None


def _budget(value: Any) -> str | None:
    """A thinking budget (32000, 32768, "32k") as "32K"; None for none or zero."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text.endswith("k") and text[:-1].isdigit():
        return None if int(text[:-1]) == 0 else f"{int(text[:-1])}K"
    if not text.isdigit() or int(text) == 0:
        return None
    tokens = int(text)
    kilo = tokens // 1000 if tokens % 1000 == 0 else round(tokens / 1024)
    return f"{kilo}K"


def _model_id(model_arg: str | None, label: str, effort: str | None) -> str:
    """Canonical id: the --model argument, else the label, with the effort suffix appended."""
    suffix = f"_{effort}" if effort else ""
    plain_label = _LABEL_NOTE_RE.sub("", label)
    for name in (model_arg, plain_label):
        if name and resolve(name + suffix):
            return canonical_id(name + suffix)
    return canonical_id((model_arg or plain_label or label) + suffix)


FORMATS = (Format(("aider",), ("scores",), parse, expect="yaml"),)
