"""Build dated price-history CSVs from the git history of two public LLM price lists.

Sources (local bare git mirrors, read-only):

* pydantic/genai-prices: ``prices/data.json`` (all providers and models, built JSON).
* simonw/llm-prices: JS object literals in ``index.html`` (or ``llm-prices.html``) until the
  data moved to ``data/<vendor>.json`` files on 2025-10-10.

Every commit that touched the price data is read oldest first and the prices of each
(provider, model id) are parsed. One CSV row is written per distinct price *version*, i.e. per
run of consecutive commits in which exactly the same values were listed for that model:

* ``known_from``: UTC day of the first commit whose list showed those values;
* ``effective_to``: the day they changed or the model left the list (exclusive), or the end
  date the source gives for them (genai-prices: the next ``start_date`` of a conditional price
  list; llm-prices: ``to_date``), whichever is earlier; empty while still current;
* ``effective_from``: the date the source gives for the price (genai-prices ``start_date``
  constraint, llm-prices ``from_date``), else ``known_from``.

A version whose ``effective_to`` is not after its ``effective_from`` never applied and is
skipped (and counted). Only text-token prices are kept, all in USD per 1M tokens: input,
cached input, cache write, output, reasoning, and a request fee in USD per request. Tiered
prices keep the base price; the first tier's start goes to ``tier_threshold_tokens`` with the
tier's input/output prices in ``input_above``/``output_above``. llm-prices long-context models
(``<base>-<N>k`` whose name contains ``>``) are folded into the base model's row. Time-of-day
prices, price variants, dynamic (function) entries and models without any text-token price are
skipped and counted in the printed summary.

Usage::

    python build_history.py --genai-repo PATH --llm-prices-repo PATH --out DIR
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

HEADER = [
    "model",
    "provider",
    "effective_from",
    "effective_to",
    "known_from",
    "input",
    "cached_input",
    "cache_write",
    "output",
    "reasoning",
    "request",
    "tier_threshold_tokens",
    "input_above",
    "output_above",
    "source_name",
    "evidence_url",
]

GENAI_URL = "https://github.com/pydantic/genai-prices/blob/{commit}/{path}"
LLM_URL = "https://github.com/simonw/llm-prices/blob/{commit}/{path}"
GENAI_PATH = "prices/data.json"
LLM_HTML_PATHS = ("index.html", "llm-prices.html")
LLM_DATA_DIR = "data"

# Providers kept when the genai-prices file would exceed the size limit.
MAJOR_PROVIDERS = frozenset(
    {
        "openai",
        "anthropic",
        "google",
        "x-ai",
        "deepseek",
        "mistral",
        "moonshotai",
        "aws",
        "azure",
        "groq",
        "together",
        "fireworks",
        "cerebras",
        "deepinfra",
        "openrouter",
        "novita",
        "nebius",
        "ovhcloud",
    }
)

# llm-prices vendor (data/<vendor>.json) -> genai-prices provider id.
LLM_VENDOR_MAP = {
    "amazon": "aws",
    "xai": "x-ai",
    "moonshot-ai": "moonshotai",
    "meta-ai": "meta",
}

# HTML era: model id prefix -> provider id (first match wins).
LLM_PREFIX_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("gpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("chatgpt", "openai"),
    ("text-davinci", "openai"),
    ("claude", "anthropic"),
    ("gemini", "google"),
    ("gemma", "google"),
    ("amazon-nova", "aws"),
    ("mistral", "mistral"),
    ("magistral", "mistral"),
    ("pixtral", "mistral"),
    ("codestral", "mistral"),
    ("ministral", "mistral"),
    ("open-mistral", "mistral"),
    ("open-mixtral", "mistral"),
    ("devstral", "mistral"),
    ("grok", "x-ai"),
    ("deepseek", "deepseek"),
    ("qwen", "qwen"),
)

TIER_ID_RE = re.compile(r"^(?P<base>.+)-(?P<n>\d+)k$")
JS_KEY_RE = re.compile(r"""['"](?P<key>[^'"]+)['"]\s*:\s*\{""")
JS_FIELD_RE = re.compile(r"""(\w+)\s*:\s*('[^']*'|"[^"]*"|-?\d+(?:\.\d+)?|null)""")
JS_SKIP_RE = re.compile(r"(?:\s|,|//[^\n]*)*")


class Prices(NamedTuple):
    """Text-token prices in USD per 1M tokens (request: USD per request)."""

    input: Decimal | None = None
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    output: Decimal | None = None
    reasoning: Decimal | None = None
    request: Decimal | None = None
    tier_threshold_tokens: Decimal | None = None
    input_above: Decimal | None = None
    output_above: Decimal | None = None


@dataclass(frozen=True)
class Commit:
    sha: str
    day: str  # UTC date, YYYY-MM-DD
    changed: tuple[str, ...] = ()


@dataclass
class Entry:
    """One price entry of one model at one commit."""

    provider: str
    model: str
    prices: Prices
    path: str
    source_from: str | None = None
    source_to: str | None = None


@dataclass
class Version:
    provider: str
    model: str
    prices: Prices
    known_from: str
    commit: str
    path: str
    source_from: str | None
    source_to: str | None


@dataclass
class Skips:
    """Skipped entries: distinct items per reason, and how many commit-level occurrences."""

    items: dict[str, set[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(set))
    seen: Counter[str] = field(default_factory=Counter)

    def add(self, reason: str, *item: str) -> None:
        self.items[reason].add(item)
        self.seen[reason] += 1

    def lines(self) -> list[str]:
        return [
            f"  {reason}: {len(self.items[reason])} distinct ({self.seen[reason]} occurrences)"
            for reason in sorted(self.items)
        ]


# ---------------------------------------------------------------------------- git helpers


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def git_show(repo: Path, sha: str, path: str) -> str | None:
    result = subprocess.run(
        ["git", "--git-dir", str(repo), "show", f"{sha}:{path}"], capture_output=True, text=True
    )
    return result.stdout if result.returncode == 0 else None


def utc_day(epoch: str) -> str:
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()


def list_commits(repo: Path, paths: Iterable[str]) -> list[Commit]:
    """Commits touching ``paths``, oldest first, with the files each one changed."""
    out = git(repo, "log", "--reverse", "--format=@%H %ct", "--name-only", "--", *paths)
    commits: list[Commit] = []
    sha, day, changed = "", "", []
    for line in out.splitlines():
        if line.startswith("@"):
            if sha:
                commits.append(Commit(sha, day, tuple(changed)))
            sha, epoch = line[1:].split()
            day, changed = utc_day(epoch), []
        elif line.strip():
            changed.append(line.strip())
    if sha:
        commits.append(Commit(sha, day, tuple(changed)))
    return commits


def ls_tree(repo: Path, sha: str, folder: str) -> list[str]:
    return git(repo, "ls-tree", "--name-only", sha, f"{folder}/").split()


def commit_date(repo: Path, ref: str) -> str:
    return git(repo, "log", "-1", "--format=%H %cI", ref).strip()


# ---------------------------------------------------------------------------- numbers


def to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return None
    return None


def fmt_decimal(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def has_text_price(prices: Prices) -> bool:
    priced = (prices.input, prices.cached_input, prices.cache_write, prices.output)
    return any(v is not None for v in (*priced, prices.reasoning, prices.request))


# ---------------------------------------------------------------------------- version tracking


class Tracker:
    """Follows price versions across commits and turns them into rows."""

    def __init__(self, url_template: str, skips: Skips) -> None:
        self.url_template = url_template
        self.skips = skips
        self.open: dict[tuple[str, str, Prices], Version] = {}
        self.rows: list[dict[str, str]] = []

    def observe(self, commit: Commit, entries: Iterable[Entry]) -> None:
        current: dict[tuple[str, str, Prices], Entry] = {}
        for entry in entries:
            key = (entry.provider, entry.model, entry.prices)
            seen = current.get(key)
            if seen is None:
                current[key] = entry
            else:  # same values listed twice: keep any dates either gives
                seen.source_from = seen.source_from or entry.source_from
                seen.source_to = seen.source_to or entry.source_to
        for key in [k for k in self.open if k not in current]:
            self._close(self.open.pop(key), commit.day)
        for key, entry in current.items():
            version = self.open.get(key)
            if version is None:
                self.open[key] = Version(
                    entry.provider,
                    entry.model,
                    entry.prices,
                    commit.day,
                    commit.sha,
                    entry.path,
                    entry.source_from,
                    entry.source_to,
                )
            else:
                version.source_from = entry.source_from or version.source_from
                version.source_to = entry.source_to

    def finish(self) -> list[dict[str, str]]:
        for key in list(self.open):
            self._close(self.open.pop(key), None)
        self.rows.sort(
            key=lambda r: (r["provider"], r["model"], r["effective_from"], r["known_from"])
        )
        return self.rows

    def _close(self, version: Version, end_day: str | None) -> None:
        effective_from = version.source_from or version.known_from
        ends = [d for d in (end_day, version.source_to) if d]
        effective_to = min(ends) if ends else ""
        if effective_to and effective_to <= effective_from:
            if version.source_to and version.source_to <= effective_from:
                reason = "superseded before it was first listed (source end date <= first day)"
            else:
                reason = "never in force (replaced or removed before its effective date)"
            self.skips.add(reason, version.provider, version.model, str(version.prices))
            return
        self.rows.append(row_for(version, effective_from, effective_to, self.url_template))


def row_for(version: Version, effective_from: str, effective_to: str, url: str) -> dict[str, str]:
    prices = version.prices
    row = {
        "model": version.model,
        "provider": version.provider,
        "effective_from": effective_from,
        "effective_to": effective_to,
        "known_from": version.known_from,
        "source_name": version.model,
        "evidence_url": url.format(commit=version.commit, path=version.path),
    }
    for name, value in prices._asdict().items():
        row[name] = fmt_decimal(value)
    return row


# ---------------------------------------------------------------------------- genai-prices


def genai_tier(value: Any, skips: Skips, where: tuple[str, str]) -> tuple[Any, Any, Any]:
    """Split a genai price into (base, first tier start, first tier price)."""
    if not isinstance(value, dict):
        return value, None, None
    tiers = value.get("tiers") or []
    if len(tiers) > 1:
        skips.add("tiers beyond the first dropped", *where)
    if not tiers:
        return value.get("base"), None, None
    return value.get("base"), tiers[0].get("start"), tiers[0].get("price")


def genai_prices(raw: dict[str, Any], skips: Skips, where: tuple[str, str]) -> Prices:
    inp, in_start, in_above = genai_tier(raw.get("input_mtok"), skips, where)
    out, out_start, out_above = genai_tier(raw.get("output_mtok"), skips, where)
    if in_start is not None and out_start is not None and in_start != out_start:
        skips.add("input/output tiers start at different sizes (input's start kept)", *where)
    cached = raw.get("cache_read_mtok")
    write = raw.get("cache_write_mtok")
    for name, value in (("cache_read_mtok", cached), ("cache_write_mtok", write)):
        if isinstance(value, dict) and value.get("tiers"):
            skips.add(f"tiered {name}: base price kept, tier dropped", *where)
    kcount = to_decimal(raw.get("requests_kcount"))
    return Prices(
        input=to_decimal(inp),
        cached_input=to_decimal(genai_tier(cached, skips, where)[0]),
        cache_write=to_decimal(genai_tier(write, skips, where)[0]),
        output=to_decimal(out),
        reasoning=to_decimal(genai_tier(raw.get("output_reasoning_mtok"), skips, where)[0]),
        request=None if kcount is None else kcount / 1000,
        tier_threshold_tokens=to_decimal(in_start if in_start is not None else out_start),
        input_above=to_decimal(in_above),
        output_above=to_decimal(out_above),
    )


def _minute(text: str) -> int:
    hours, minutes = str(text).rstrip("Z").split(":")[:2]
    return int(hours) * 60 + int(minutes)


def day_weighted(
    base: Prices, windows: list[dict[str, Any]], skips: Skips, where: tuple[str, str]
) -> Prices:
    """`base` with each price averaged over the 24 hours of a day (UTC), the windows' prices
    during their hours: DeepSeek lists its off-peak price as the default and its standard
    price as a window, so neither alone is what a day's traffic pays."""
    covering: list[Prices | None] = [None] * 1440
    for window in windows:
        constraint = window["constraint"]
        price = genai_prices(window.get("prices") or {}, skips, where)
        start, end = _minute(constraint["start_time"]), _minute(constraint["end_time"])
        minutes = range(start, end) if start < end else [*range(start, 1440), *range(0, end)]
        for m in minutes:
            covering[m] = price
    blended = {}
    for name in ("input", "cached_input", "cache_write", "output", "reasoning", "request"):
        value = getattr(base, name)
        if value is None:
            blended[name] = None
            continue
        total = sum(
            (value if w is None or getattr(w, name) is None else getattr(w, name)) for w in covering
        )
        blended[name] = (total / 1440).quantize(Decimal("0.000000001")).normalize()
    return base._replace(**blended)


def genai_providers(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        data = data.get("providers", list(data.values()))
    return [p for p in data if isinstance(p, dict)]


def genai_model_entries(provider: str, model: dict[str, Any], skips: Skips) -> Iterator[Entry]:
    model_id = str(model.get("id"))
    where = (provider, model_id)
    raw = model.get("prices")
    if isinstance(raw, dict):
        candidates: list[dict[str, Any]] = [{"prices": raw}]
    elif isinstance(raw, list):
        candidates = [c for c in raw if isinstance(c, dict)]
    else:
        skips.add("model without prices", *where)
        return
    starts = sorted(
        str(c["constraint"]["start_date"])
        for c in candidates
        if isinstance(c.get("constraint"), dict) and "start_date" in c["constraint"]
    )
    windows = [
        c for c in candidates if {"start_time", "end_time"} <= set(c.get("constraint") or {})
    ]
    for cand in candidates:
        constraint = cand.get("constraint") or {}
        if constraint and set(constraint) != {"start_date"}:
            if {"start_time", "end_time"} & set(constraint):
                skips.add(
                    "time-of-day price: averaged over the day into the price before it", *where
                )
            else:
                skips.add(f"price variant (constraint {sorted(constraint)})", *where)
            continue
        start = constraint.get("start_date")
        start = str(start) if start else None
        later = [s for s in starts if start is None or s > start]
        prices = genai_prices(cand.get("prices") or {}, skips, where)
        if windows:
            prices = day_weighted(prices, windows, skips, where)
        if not has_text_price(prices):
            skips.add("no text-token price (empty, e.g. ':free' models; or audio only)", *where)
            continue
        yield Entry(provider, model_id, prices, GENAI_PATH, start, later[0] if later else None)


def genai_entries(data: Any, skips: Skips) -> list[Entry]:
    entries: list[Entry] = []
    for provider in genai_providers(data):
        for model in provider.get("models") or []:
            if isinstance(model, dict):
                entries.extend(genai_model_entries(str(provider.get("id")), model, skips))
    return entries


def build_genai(repo: Path) -> tuple[list[dict[str, str]], Skips, list[Commit]]:
    skips = Skips()
    tracker = Tracker(GENAI_URL, skips)
    commits = list_commits(repo, [GENAI_PATH])
    for commit in commits:
        text = git_show(repo, commit.sha, GENAI_PATH)
        try:
            data = json.loads(text or "", parse_float=Decimal, parse_int=Decimal)
        except json.JSONDecodeError:
            skips.add("unreadable data.json (commit skipped)", commit.sha)
            continue
        tracker.observe(commit, genai_entries(data, skips))
    return tracker.finish(), skips, commits


# ---------------------------------------------------------------------------- llm-prices


def html_provider(model_id: str) -> str | None:
    lowered = model_id.lower()
    if lowered.startswith("llama"):
        return "meta"
    for prefix, provider in LLM_PREFIX_PROVIDERS:
        if lowered.startswith(prefix):
            return provider
    return None


def js_entries(text: str) -> Iterator[tuple[str, str]]:
    """(key, body) of each ``'key': { ... }`` entry of the ``presets`` object literal."""
    marker = text.find("const presets")
    if marker < 0:
        return
    pos = text.index("{", marker) + 1
    while True:
        skipped = JS_SKIP_RE.match(text, pos)
        match = JS_KEY_RE.match(text, skipped.end() if skipped else pos)
        if not match:
            return
        depth, end = 1, match.end()
        while depth and end < len(text):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        yield match.group("key"), text[match.end() : end - 1]
        pos = end


@dataclass
class LlmModel:
    """A model of llm-prices at one commit, before long-context tiers are folded."""

    provider: str
    model: str
    name: str
    path: str
    history: list[dict[str, Any]]


def html_models(text: str, path: str, skips: Skips) -> list[LlmModel]:
    models: list[LlmModel] = []
    for key, body in js_entries(text):
        provider = html_provider(key)
        if provider is None:
            skips.add("vendor not inferable from the model id", key)
            continue
        if re.search(r"getPrice|=>|function", body):
            skips.add("dynamic (function) price entry", provider, key)
            continue
        fields = {k: v.strip("'\"") for k, v in JS_FIELD_RE.findall(body)}
        price = {k: fields.get(k) for k in ("input", "output", "input_cached")}
        models.append(LlmModel(provider, key, fields.get("name", key), path, [price]))
    return models


def json_models(data: Any, path: str, skips: Skips) -> list[LlmModel]:
    vendor = str(data.get("vendor") or Path(path).stem)
    provider = LLM_VENDOR_MAP.get(vendor, vendor)
    models: list[LlmModel] = []
    for model in data.get("models") or []:
        history = [h for h in model.get("price_history") or [] if isinstance(h, dict)]
        if not history:
            skips.add("model without price_history", provider, str(model.get("id")))
            continue
        models.append(
            LlmModel(provider, str(model["id"]), str(model.get("name", "")), path, history)
        )
    return models


def find_base(model: LlmModel, by_key: dict[tuple[str, str], LlmModel]) -> LlmModel | None:
    match = TIER_ID_RE.match(model.model)
    if not match:
        return None
    base = match.group("base")
    # 'gemini-2.5-pro--200k' (a typo in the source) also folds into 'gemini-2.5-pro'.
    for candidate in (base, base.rstrip("-")):
        found = by_key.get((model.provider, candidate))
        if found is not None and found is not model:
            return found
    return None


def pair_tier(base: dict[str, Any], tiers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The tier price whose from_date/to_date equal those of the base price."""
    dates = (base.get("from_date"), base.get("to_date"))
    same = [t for t in tiers if (t.get("from_date"), t.get("to_date")) == dates]
    return same[0] if same else None


def llm_entries(models: list[LlmModel], skips: Skips) -> list[Entry]:
    by_key = {(m.provider, m.model): m for m in models}
    tiers: dict[tuple[str, str], tuple[int, list[dict[str, Any]]]] = {}
    for model in models:
        if ">" not in model.name or not TIER_ID_RE.match(model.model):
            continue
        base = find_base(model, by_key)
        if base is None:
            skips.add("long-context tier without its base model", model.provider, model.model)
            continue
        size = int(model.model.rsplit("-", 1)[1][:-1]) * 1000
        if (base.provider, base.model) in tiers:
            skips.add("second long-context tier of one model", model.provider, model.model)
            continue
        tiers[(base.provider, base.model)] = (size, model.history)
        model.history = []  # folded: no row of its own
    entries: list[Entry] = []
    for model in models:
        size, tier_history = tiers.get((model.provider, model.model), (0, []))
        for price in model.history:
            tier = pair_tier(price, tier_history) if tier_history else None
            if tier_history and tier is None:
                reason = "base price with no long-context tier price of the same dates"
                skips.add(reason, model.provider, model.model)
            prices = Prices(
                input=to_decimal(price.get("input")),
                cached_input=to_decimal(price.get("input_cached")),
                output=to_decimal(price.get("output")),
                tier_threshold_tokens=Decimal(size) if tier else None,
                input_above=to_decimal(tier.get("input")) if tier else None,
                output_above=to_decimal(tier.get("output")) if tier else None,
            )
            if not has_text_price(prices):
                skips.add("no text-token price", model.provider, model.model)
                continue
            entries.append(
                Entry(
                    model.provider,
                    model.model,
                    prices,
                    model.path,
                    price.get("from_date") or None,
                    price.get("to_date") or None,
                )
            )
    return entries


def llm_commit_models(
    repo: Path, commit: Commit, last_good: dict[str, Any], skips: Skips
) -> list[LlmModel] | None:
    """Models listed at ``commit``, or None when the commit did not touch the price data."""
    data_files = [f for f in ls_tree(repo, commit.sha, LLM_DATA_DIR) if f.endswith(".json")]
    if not data_files:
        for path in LLM_HTML_PATHS:
            text = git_show(repo, commit.sha, path)
            if text and "const presets" in text:
                return html_models(text, path, skips)
        return []
    if not any(c.startswith(f"{LLM_DATA_DIR}/") for c in commit.changed):
        return None
    models: list[LlmModel] = []
    for path in data_files:
        try:
            last_good[path] = json.loads(
                git_show(repo, commit.sha, path) or "", parse_float=Decimal, parse_int=Decimal
            )
        except json.JSONDecodeError:
            skips.add("invalid JSON file at a commit (its previous version kept)", commit.sha, path)
        if path in last_good:
            models.extend(json_models(last_good[path], path, skips))
    return models


def build_llm(repo: Path) -> tuple[list[dict[str, str]], Skips, list[Commit]]:
    skips = Skips()
    tracker = Tracker(LLM_URL, skips)
    last_good: dict[str, Any] = {}
    read: list[Commit] = []
    for commit in list_commits(repo, [*LLM_HTML_PATHS, LLM_DATA_DIR]):
        models = llm_commit_models(repo, commit, last_good, skips)
        if models is None:
            continue
        read.append(commit)
        tracker.observe(commit, llm_entries(models, skips))
    return tracker.finish(), skips, read


# ---------------------------------------------------------------------------- output


def csv_bytes(rows: list[dict[str, str]]) -> int:
    return sum(len(",".join(r.values()).encode()) + 1 for r in rows)


def filter_major(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    keep = {r["model"] for r in rows if r["provider"] in MAJOR_PROVIDERS}
    return [r for r in rows if r["model"] in keep]


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def suspicious(rows: list[dict[str, str]]) -> list[str]:
    """Rows with a per-token-looking (< 0.001) or huge (> 1000) per-1M-token price."""
    found = []
    for row in rows:
        for name in ("input", "cached_input", "cache_write", "output", "reasoning"):
            value = Decimal(row[name]) if row[name] else None
            if value is not None and (0 < value < Decimal("0.001") or value > 1000):
                found.append(f"{row['provider']}/{row['model']} {name}={row[name]}")
    return found


def report(
    label: str, repo: Path, commits: list[Commit], rows: list[dict[str, str]], skips: Skips
) -> None:
    print(f"== {label} ({repo})")
    print(f"  HEAD: {commit_date(repo, 'HEAD')}")
    if commits:
        newest = commits[-1]
        print(f"  commits read: {len(commits)} (newest {newest.sha} on {newest.day} UTC)")
    print(f"  rows emitted: {len(rows)}")
    print("  skipped:" if skips.items else "  skipped: none")
    for line in skips.lines():
        print(line)
    odd = suspicious(rows)
    print(f"  rows with a value < 0.001 or > 1000 per 1M tokens: {len(odd)}")
    for line in odd[:20]:
        print(f"    {line}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--genai-repo", type=Path, required=True, help="bare git dir")
    parser.add_argument("--llm-prices-repo", type=Path, required=True, help="bare git dir")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--max-genai-bytes",
        type=int,
        default=3_000_000,
        help="above this size keep only models seen on a major provider (default 3000000)",
    )
    args = parser.parse_args(argv)

    genai_rows, genai_skips, genai_commits = build_genai(args.genai_repo)
    size = csv_bytes(genai_rows)
    if size > args.max_genai_bytes:
        before = len(genai_rows)
        genai_rows = filter_major(genai_rows)
        print(
            f"genai-prices: {size} bytes > {args.max_genai_bytes}: kept models seen on "
            f"{', '.join(sorted(MAJOR_PROVIDERS))} ({before} -> {len(genai_rows)} rows)"
        )
    write_csv(args.out / "genai_prices_history.csv", genai_rows)
    report("genai-prices", args.genai_repo, genai_commits, genai_rows, genai_skips)

    llm_rows, llm_skips, llm_commits = build_llm(args.llm_prices_repo)
    write_csv(args.out / "llm_prices_history.csv", llm_rows)
    report("llm-prices", args.llm_prices_repo, llm_commits, llm_rows, llm_skips)


if __name__ == "__main__":
    main()
