"""Facts read from release text: model names, prices, context windows, scores, cost claims.

``extract`` reads Markdown or plain text (Markdown tables and HTML tables embedded in Markdown
are read as tables); ``extract_html`` reads an HTML page (its tables as tables, the rest as text).
Pure functions: no I/O, no network. The rules favour precision over recall.

What is skipped: YAML front matter (its ``title:`` is used like ``title``), HTML comments,
fenced code, ``<script>``/``<style>``/``<pre>``, Hugo shortcodes, link targets and bare URLs.

Model names (as written, de-duplicated, in order of first mention; names in the title first):

- a known family name followed by at least one version, size or variant token: "Qwen2.5-72B-
  Instruct", "DeepSeek-R1-Distill-Qwen-32B", "Llama 3.1 405B", "GPT-4o", "Claude 3.5 Sonnet",
  "Mistral Medium 3.1", "Grok 2 mini"; a bare family ("Mistral provides ...", "DeepSeek's") is a
  company, not a model. Tokens joined by a space must be a version/size ("3.1", "405B", "0513",
  "R1") or a capitalised variant ("Sonnet", "Medium", "Instruct"), so "Llama 3.1 Community
  License" gives "Llama 3.1";
- OpenAI's o-series ("o1", "o3-mini-high", "o1-1217");
- API ids in backticks or ``<code>`` (lowercase, hyphenated, containing a family name:
  `mistral-medium-2508`, `open-mistral-nemo`; not `simple-evals` or `audio/transcriptions`);
- the model labels of tables (column headers or row labels, below).
Families outside the list are missed.

Tables. The first row is the header; HTML ``rowspan``/``colspan`` are expanded. Orientation:
models as rows when a header reads "Model(s)"/"Name" (every labelled row is a model) or when at
least half of the first-column labels look like model names (only those rows are read); models
as columns when column headers look like model names. In the column orientation the benchmark
is the column headed "Benchmark"/"Dataset"/"Task"/..., else the last label column; "Category",
"# Shots" and "Metric" columns are context (the metric only helps to tell the unit) and any
other label column (e.g. "Language") qualifies the benchmark ("mmlu-portuguese"). A row label
with a size column ("Llama 3.1" + Params "8B") names "Llama 3.1 8B". An "API Endpoints" column
names the same model again, so its ids get the row's claims too. Each cell is read as:

- a context window when its label says context / window / max tokens (not generation/output);
- a price when its label names input/output/cached and a price with a unit ("$/1M tokens");
  without a stated unit the cell is skipped;
- else a score when it is a number (bold, footnote marks, "%", "±" error dropped; "-", "N/A"
  skipped) and its label is a benchmark: a known one, or one not describing the model itself
  (params, layers, version, dates, hours, power, tokens, price, ...).

Score units: "rating" for rating-scale benchmarks (Codeforces rating, arena Elo) or labels saying
rating/Elo; "other" for known 1-10 judged scores (MT-Bench, AlignBench) and for values outside
0-100; "percent" for known percent benchmarks, cells with "%", metric words (pass@k, cons@k,
accuracy, EM, F1, percentile, win rate, resolved), or unknown benchmarks whose values in that
table all lie in 0-100 with at least one above 10; "other" otherwise. A Codeforces percentile is
a percent score ("codeforces-percentile"), apart from the rating ("codeforces").

Prose, one sentence at a time; a fact's model is the nearest model named before it in the
sentence, else the first after it, else the last one named in the two sentences before, else
the title's model when the title names exactly one, else None:

- prices: "$0.14 per million input tokens", "$2.19/M output tokens", "input: $3 / 1M tokens",
  "$0.002 per 1K tokens" (x1000), "$0.000002 per token" (x1e6), "15 cents per million input
  tokens", cache-hit/cached prices. The
  token kind is read after the unit, else just before the amount; a price naming no kind is a
  flat price for all tokens (input = output). Cache writes are skipped. Prices of one sentence
  for the same model merge into one claim;
- context windows: "128K context", "a 1M-token context window", "context length of 131,072
  tokens", "supports up to 32K tokens" (not generation or output lengths). K = 1,000 and
  M = 1,000,000 as labs use them ("128K" -> 128000); when the exact count is given in brackets,
  "128K (131,072) tokens", the exact count wins. Counts under 1,000 are not context windows;
- scores: "(MATH: 83.1)" and "79.8% on AIME 2024", for known benchmarks only, given to the
  model named last before the number in the same sentence (none named before: skipped); a
  prose score repeating a table cell (same model, benchmark and value) is dropped;
- cost claims: "cheaper", "lower cost/price", "less expensive", "more affordable",
  "cost-effective", "cost-/token-/compute-efficient", "fraction of the cost", "half the price",
  "fewer (output/reasoning) tokens", "price-performance", "performance/price", "saves cost".
  "More/most/highly efficient" counts only in a sentence about cost (cost, price, tokens, $,
  budget, spend) and never for "efficient attention/architecture/training/..."; other uses of
  "efficient" ("efficient audio model", "power usage efficiency") are not cost claims. A claim
  right after "not"/"no" is ignored. Description cells of tables are read too.

Evidence: the sentence or table row (cells joined by " | "), at most 300 characters, long rows
shortened around the label and the cell read; ``offset`` is where the fact itself (the matched
phrase or the table cell) starts in the input text, -1 when read from the title.
"""

from __future__ import annotations

import html as htmllib
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from signals.benchmarks import benchmark_scale, benchmark_slug, normalise_benchmark

# ---------------------------------------------------------------------------------------------
# Public types


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: the sentence or table row (<= 300 chars) and its offset."""

    sentence: str
    offset: int


@dataclass(frozen=True)
class PriceClaim:
    """A price in USD per 1M tokens, converted from the unit as written."""

    model: str | None
    input_per_1m: float | None
    output_per_1m: float | None
    cached_input_per_1m: float | None
    unit_as_written: str
    evidence: Evidence


@dataclass(frozen=True)
class ContextClaim:
    """A context window in tokens (K = 1,000; M = 1,000,000)."""

    model: str | None
    tokens: int
    evidence: Evidence


@dataclass(frozen=True)
class ScoreClaim:
    """One benchmark score of one model."""

    model: str
    benchmark: str
    benchmark_as_written: str
    value: float
    unit: str
    evidence: Evidence


@dataclass(frozen=True)
class Facts:
    """Everything read from one text."""

    models: tuple[str, ...]
    prices: tuple[PriceClaim, ...]
    contexts: tuple[ContextClaim, ...]
    scores: tuple[ScoreClaim, ...]
    claims_cheaper: bool
    cheaper_evidence: Evidence | None


# ---------------------------------------------------------------------------------------------
# Model names


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FAMILIES = _words(
    "GPT Claude Gemini Gemma Llama LLaMA CodeLlama Mistral Mixtral Magistral Codestral "
    "Devstral Ministral Pixtral Voxtral Mathstral Qwen QwQ QVQ DeepSeek Grok Phi Yi Nemotron "
    "Kimi GLM ChatGLM MiniCPM Falcon Jamba OLMo Granite Nova ERNIE Hunyuan Doubao MiniMax "
    "InternLM Baichuan StarCoder"
)
_ID_FAMILIES = frozenset(f.lower() for f in _FAMILIES) | {"o1", "o3", "o4", "chatgpt"}
_VARIANTS = _words(
    "Instruct Chat Base Coder Math Sonnet Opus Haiku Pro Flash Lite Ultra Nano Mini Micro "
    "Small Medium Large Turbo Plus Max Preview Zero Distill IT Embed OCR Moderation Nemo Saba "
    "Mamba Transcribe Vision VL Omni Reasoner Thinking Exp Guard Scout Maverick Air Next "
    "Latest Instant Codex High Low Audio Realtime"
)
_SPACE_VARIANTS = _words(
    "Instruct Chat Base Coder Sonnet Opus Haiku Pro Flash Lite Ultra Nano Mini mini Micro "
    "Small Medium Large Turbo Plus Max Preview Embed OCR Moderation Nemo Saba Mamba "
    "Transcribe Vision VL Omni Thinking Guard Scout Maverick Codex"
)


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_END = r"(?![A-Za-z0-9])"
_DIGIT_TOK = r"\d+(?:\.\d+)*(?:[A-Za-z]+\d*(?:\.\d+)?)*"
_LETTER_TOK = r"[A-Za-z]{1,2}\d+(?:\.\d+)*[A-Za-z0-9]*"
_FAM = f"(?:{_alt(_FAMILIES)})"
_FAM_LOWER = f"(?:{_alt(sorted({f.lower() for f in _FAMILIES}))})(?=-)"
_VERSION_SUFFIX = r"(?:\d+(?:\.\d+)*)?"  # "Large2", "Flash2.0"
_HYPHEN_TOK = (
    rf"[-_](?:{_DIGIT_TOK}|{_LETTER_TOK}|(?i:{_alt(_VARIANTS)}){_VERSION_SUFFIX}"
    rf"|{_FAM}(?:{_DIGIT_TOK})?){_END}"
)
_SPACE_TOK = rf" (?:{_DIGIT_TOK}|{_LETTER_TOK}|(?:{_alt(_SPACE_VARIANTS)}){_VERSION_SUFFIX}){_END}"
_SLASH_TOK = rf"/{_DIGIT_TOK}{_END}"
_MODEL_RE = re.compile(
    rf"(?<![\w/.-])(?:{_FAM}|{_FAM_LOWER})(?P<attached>{_DIGIT_TOK})?"
    rf"(?P<rest>(?:{_HYPHEN_TOK}|{_SPACE_TOK}|{_SLASH_TOK})*){_END}"
)
_O_SERIES_RE = re.compile(
    r"(?<![A-Za-z0-9_])o[1-9](?:-(?:mini|pro|preview|high|low|medium|\d{4}(?:-\d{2}-\d{2})?))*"
    + _END
)
_API_ID_RE = re.compile(r"[a-z][a-z0-9]*(?:[-.:/][a-z0-9]+)+")


@dataclass(frozen=True)
class _Mention:
    offset: int
    name: str


def _find_models(text: str, base: int = 0) -> list[_Mention]:
    """Model names in ``text`` (see the module notes), with offsets shifted by ``base``."""
    found = [
        _Mention(base + m.start(), m.group(0))
        for m in _MODEL_RE.finditer(text)
        if m.group("attached") or m.group("rest")
    ]
    found += [_Mention(base + m.start(), m.group(0)) for m in _O_SERIES_RE.finditer(text)]
    return sorted(found, key=lambda m: m.offset)


def _is_api_id(token: str) -> bool:
    """A lowercase API model id naming a known family: `mistral-medium-2508`."""
    if not _API_ID_RE.fullmatch(token):
        return False
    parts = re.split(r"[-.:/]", token)
    return any(p in _ID_FAMILIES or re.fullmatch(r"o[1-9]|gpt\d.*", p) for p in parts)


def _looks_like_model(label: str) -> bool:
    """A short label that names a model and is not a benchmark name."""
    text = label.strip()
    if not text or len(text.split()) > 8 or normalise_benchmark(text):
        return False
    return bool(_find_models(text)) or _is_api_id(text)


# ---------------------------------------------------------------------------------------------
# Masking: same-length copies of the text with markup blanked, so offsets stay exact


class _Mask:
    """A mutable same-length copy of a text; blanked characters become spaces (not newlines)."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)

    def blank(self, start: int, end: int) -> None:
        for i in range(start, end):
            if self.chars[i] != "\n":
                self.chars[i] = " "

    def put(self, start: int, end: int, replacement: str) -> None:
        """Blank ``[start, end)`` and write ``replacement`` at its end (right-aligned)."""
        self.blank(start, end)
        self.chars[end - len(replacement) : end] = list(replacement)

    def blank_all(self, pattern: re.Pattern[str], text: str | None = None) -> None:
        for m in _finditer(pattern, text if text is not None else self.text()):
            self.blank(m.start(), m.end())

    def text(self) -> str:
        return "".join(self.chars)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.S)
_FM_TITLE = re.compile(r"^title:\s*(['\"]?)(.+?)\1\s*$", re.M)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?(?:^[ \t]*\1[ \t]*$|\Z)", re.S | re.M)
_SHORTCODE = re.compile(r"\{\{[<%].*?[%>]\}\}", re.S)
_RAW_BLOCK = re.compile(r"<(script|style|pre|head)\b.*?</\1\s*>", re.S | re.I)
_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.S | re.I)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_HTML_CODE = re.compile(r"<code\b[^>]*>(.*?)</code\s*>", re.S | re.I)
_HTML_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>|<h1\b[^>]*>(.*?)</h1\s*>", re.S | re.I)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\](\([^)\n]*\))")
_FOOTNOTE = re.compile(r"\[\^[^\]\n]*\]:?")
_TAG = re.compile(r"<[^<>]*>", re.S)
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|hr|li|ul|ol|h[1-6]|tr|td|th|table|section|article|header|footer"
    r"|blockquote|dd|dt|dl|figure|figcaption|main|nav|aside|tbody|thead)\b",
    re.I,
)
_URL = re.compile(r"https?://[^\s)>\]\"']+")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_EMPHASIS = re.compile(r"\*+|__+|~~|\\(?=[^\w\s])")


# "An opener, then anything up to the first closer" patterns: ``finditer`` looks for a closer
# again from every opener, so a text of many openers and no closer costs the square of its
# length (8,000 unclosed <code> tags: 30 s). ``_finditer`` gives the same matches in linear
# time: each opener's closer is looked for once, and a closer missing after one opener is
# missing after every later one. Per pattern: the opener, whether the opener's tag runs to the
# next ">" before the body starts, and the closer ("{}" stands for the opener's group 1).
_LAZY: dict[re.Pattern[str], tuple[re.Pattern[str], bool, str]] = {
    _SHORTCODE: (re.compile(r"\{\{[<%]"), False, r"[%>]\}\}"),
    _RAW_BLOCK: (re.compile(r"<(script|style|pre|head)\b", re.I), False, r"</{}\s*>"),
    _HTML_TABLE: (re.compile(r"<(table)\b", re.I), False, r"</{}\s*>"),
    _HTML_CODE: (re.compile(r"<(code)\b", re.I), True, r"</{}\s*>"),
    _HTML_TITLE: (re.compile(r"<(title|h1)\b", re.I), True, r"</{}\s*>"),
}


def _finditer(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, in linear time for the patterns of ``_LAZY``."""
    if pattern not in _LAZY:
        yield from pattern.finditer(text)
        return
    opener, to_gt, closer = _LAZY[pattern]
    missing: set[str] = set()  # closers absent after the current position
    closers: dict[str, re.Pattern[str]] = {}
    pos = 0
    while (o := opener.search(text, pos)) is not None:
        pos = o.start() + 1
        key = (o.group(1) or "").lower() if opener.groups else ""
        if key in missing:
            continue
        body = o.end()
        if to_gt:
            body = text.find(">", body) + 1
            if body == 0:
                return  # no ">" left: no opener's tag ends
        if key not in closers:
            closers[key] = re.compile(closer.replace("{}", re.escape(key)), re.I | re.S)
        c = closers[key].search(text, body)
        if c is None:
            missing.add(key)
            continue
        m = pattern.match(text, o.start(), c.end())
        if m is not None and m.end() == c.end():
            yield m
            pos = max(m.end(), pos)


def _mask_tags_and_entities(mask: _Mask, text: str) -> None:
    for m in _TAG.finditer(text):
        mask.blank(m.start(), m.end())
        if _BLOCK_TAG.match(m.group(0)) and mask.chars[m.start()] != "\n":
            mask.chars[m.start()] = "\n"
    for m in _ENTITY.finditer(text):
        char = htmllib.unescape(m.group(0))
        mask.put(m.start(), m.end(), char if len(char) == 1 and char.strip() else " ")
    mask.blank_all(_URL, text)


def _mask_markdown_inline(mask: _Mask) -> None:
    text = mask.text()
    mask.blank_all(_INLINE_CODE, text)
    mask.blank_all(_IMAGE, text)
    for m in _LINK.finditer(text):
        mask.blank(m.start(), m.start() + 1)
        mask.blank(m.end(1), m.end())
    mask.blank_all(_FOOTNOTE, text)
    _mask_tags_and_entities(mask, text)
    text = mask.text()
    for m in _EMPHASIS.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        is_bullet = m.group(0) == "*" and not text[line_start : m.start()].strip()
        if not is_bullet:
            mask.blank(m.start(), m.end())


# ---------------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class _Cell:
    text: str  # cleaned for reading
    raw: str  # as in the source
    offset: int


@dataclass
class _Table:
    rows: list[list[_Cell]]
    start: int
    end: int


def _clean_cell(raw: str) -> str:
    """Cell text without markup: links -> their text, bold/footnotes/tags dropped."""
    s = re.sub(r"<br\s*/?>", " ", raw, flags=re.I)
    s = re.sub(r"<sup\b.*?</sup\s*>", " ", s, flags=re.I | re.S)
    s = _TAG.sub(" ", s)
    s = _IMAGE.sub(" ", s)
    s = _LINK.sub(lambda m: m.group(1), s)
    s = _FOOTNOTE.sub(" ", s)
    s = re.sub(r"\*+|__+|~~|`|:[a-z][a-z0-9_+-]*:", "", s)
    return " ".join(htmllib.unescape(s).split())


_MD_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")
_PIPE = re.compile(r"(?<!\\)\|")


def _md_cells(line: str, offset: int) -> list[_Cell]:
    content = line.rstrip("\r\n")
    cuts = [m.start() for m in _PIPE.finditer(content)]
    bounds = list(zip([-1, *cuts], [*cuts, len(content)], strict=True))
    if content.lstrip().startswith("|"):
        bounds = bounds[1:]
    if content.rstrip().endswith("|") and bounds:
        bounds = bounds[:-1]
    cells = []
    for left, right in bounds:
        raw = content[left + 1 : right]
        lead = len(raw) - len(raw.lstrip())
        cells.append(_Cell(_clean_cell(raw), raw.strip(), offset + left + 1 + lead))
    return cells


def _markdown_tables(text: str) -> list[_Table]:
    """Pipe tables: a header row, a separator row, then rows containing "|"."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, line))
        pos += len(line)
    tables, i = [], 0
    while i < len(lines) - 1:
        start, line = lines[i]
        if "|" in line and line.strip() and _MD_SEPARATOR.match(lines[i + 1][1]):
            rows = [_md_cells(line, start)]
            j = i + 2
            while j < len(lines) and "|" in lines[j][1] and lines[j][1].strip():
                rows.append(_md_cells(lines[j][1], lines[j][0]))
                j += 1
            last_start, last = lines[j - 1]
            tables.append(_Table(rows, start, last_start + len(last)))
            i = j
        else:
            i += 1
    return tables


@dataclass
class _RawCell:
    tag_offset: int
    rowspan: int = 1
    colspan: int = 1
    parts: list[str] = field(default_factory=list)
    offset: int | None = None


@dataclass
class _TableBuilder:
    start: int
    rows: list[list[_RawCell]] = field(default_factory=list)
    row: list[_RawCell] | None = None
    cell: _RawCell | None = None

    def close_cell(self) -> None:
        if self.cell is not None:
            if self.row is None:
                self.row = []
            self.row.append(self.cell)
            self.cell = None

    def close_row(self) -> None:
        self.close_cell()
        if self.row is not None:
            self.rows.append(self.row)
            self.row = None


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    value = dict(attrs).get(name) or "1"
    return min(max(int(value), 1), 500) if value.strip().isdigit() else 1


def _grid(raw_rows: list[list[_RawCell]]) -> list[list[_Cell]]:
    """Rows of cells with rowspan and colspan expanded (the spanned cell repeated)."""
    grid: list[list[_Cell]] = []
    pending: dict[int, tuple[int, _Cell]] = {}
    for raw_row in raw_rows:
        row: list[_Cell] = []

        def fill_pending(row: list[_Cell] = row) -> None:
            while len(row) in pending:
                left, cell = pending.pop(len(row))
                if left > 1:
                    pending[len(row)] = (left - 1, cell)
                row.append(cell)

        for raw in raw_row:
            fill_pending()
            joined = "".join(raw.parts)
            offset = raw.offset if raw.offset is not None else raw.tag_offset
            cell = _Cell(_clean_cell(joined), " ".join(joined.split()), offset)
            for _ in range(min(raw.colspan, 50)):
                if raw.rowspan > 1:
                    pending[len(row)] = (raw.rowspan - 1, cell)
                row.append(cell)
        fill_pending()
        grid.append(row)
    return grid


class _HTMLTables(HTMLParser):
    """Collects the tables of an HTML fragment with the offsets of their cells."""

    def __init__(self, source: str, base: int = 0) -> None:
        super().__init__(convert_charrefs=True)
        self._base = base
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self._stack: list[_TableBuilder] = []
        self._skip = 0  # inside <sup>: footnote marks are not part of a value
        self.tables: list[_Table] = []
        self.feed(source)
        self.close()

    def _pos(self) -> int:
        line, col = self.getpos()
        return self._base + self._line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append(_TableBuilder(self._pos()))
            return
        if not self._stack:
            return
        table = self._stack[-1]
        if tag == "tr":
            table.close_row()
            table.row = []
        elif tag in ("td", "th"):
            table.close_cell()
            table.cell = _RawCell(self._pos(), _span(attrs, "rowspan"), _span(attrs, "colspan"))
        elif tag == "sup":
            self._skip += 1
        elif tag in ("br", "p", "div", "li") and table.cell is not None:
            table.cell.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "sup":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            return
        table = self._stack[-1]
        if tag in ("td", "th"):
            table.close_cell()
        elif tag == "tr":
            table.close_row()
        elif tag == "sup":
            self._skip = max(self._skip - 1, 0)
        elif tag == "table":
            table.close_row()
            self._stack.pop()
            self.tables.append(
                _Table(_grid(table.rows), table.start, self._pos() + len("</table>"))
            )

    def handle_data(self, data: str) -> None:
        if not self._stack or self._stack[-1].cell is None or self._skip:
            return
        cell = self._stack[-1].cell
        if cell.offset is None and data.strip():
            cell.offset = self._pos() + len(data) - len(data.lstrip())
        cell.parts.append(data)


# ---------------------------------------------------------------------------------------------
# Reading tables

_MODEL_HEADER = re.compile(r"^(?:models?|model name|name|llm|system|checkpoint)$", re.I)
_BENCH_HEADER = re.compile(r"benchmark|dataset|task|\beval|\btest", re.I)
_META_HEADER = re.compile(
    r"categor|domain|^type$|group|area|shots?\b|^#|metric|setting|^mode$|capabilit", re.I
)
_METRIC_HEADER = re.compile(r"metric", re.I)
_SIZE_HEADER = re.compile(r"^#?\s*(?:params|parameters|size|model size)$", re.I)
_SIZE = re.compile(r"^\d+(?:\.\d+)?[BMT]$")
_HAS_SIZE = re.compile(r"(?<![\d.])\d++(?:\.\d++)?[BbMm](?![A-Za-z])")
_ALIAS_HEADER = re.compile(r"endpoint|api\s*(?:id|name|model)|model\s*id|identifier|\bslug\b", re.I)
_CONTEXT_LABEL = re.compile(r"context|window|max(?:imum)?\.?\s*(?:input\s*)?tokens", re.I)
_NOT_CONTEXT_LABEL = re.compile(r"generat|output|completion", re.I)
_NOT_BENCHMARK = re.compile(  # labels that describe the model or the setting, not a test
    r"param|layer|\bheads?\b|licen[cs]e|download|token|length|context|window|cutoff|embedding"
    r"|modalit|hour|power|emission|co2|price|cost|\$|latency|speed|throughput|ttft|release"
    r"|vocab|dimension|expert|activated|weight|endpoint|description|architecture|training|flops"
    r"|memory|\bgpu|^(?:#.*|version|size|date|type|category|metric|shots?|language|prompt|rank"
    r"|year|tps|gqa|score|total|average|model|name)$",
    re.I,
)
_PERCENT_HINT = re.compile(
    r"%|percent|pass@|cons@|maj@|\bacc\b|acc\.|accuracy|acc_|\bem\b|_em\b|\bf1\b|win[- ]?rate"
    r"|resolved|correct|exact match",
    re.I,
)
_RATING_HINT = re.compile(r"\brating\b|\belo\b", re.I)
_NUMBER_CELL = re.compile(
    r"^[~≈]?\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<pct>%)?"
    r"\s*(?:\(?\s*±\s*\d+(?:\.\d+)?\s*\)?)?$"
)
_TOKENS_CELL = re.compile(
    r"^(?:up to\s+)?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?P<mult>[kKmM])?"
    r"\s*(?:\((?P<exact>\d{1,3}(?:,\d{3})+|\d{4,})\))?\s*(?:tokens?)?$"
)
_PRICE_KIND = (
    ("cached", re.compile(r"cached|cache[- ]?hit|cache[- ]?read", re.I)),
    ("input", re.compile(r"\binput|\bprompt", re.I)),
    ("output", re.compile(r"\boutput|\bcompletion", re.I)),
)
_PRICE_MARK = re.compile(
    r"\$|price|cost|usd|/\s*(?:1\s*)?[mk]\b|per\s+(?:1\s*)?[mk]\b|million", re.I
)
_UNIT = re.compile(
    r"(?:/|per)\s*(?P<scale>1\s?M|1\s?K|M|K|MTok|KTok|(?:one\s+)?million|(?:one\s+)?thousand"
    r"|1,000,000|1,000|1000000|1000|token)(?![A-Za-z0-9])(?:\s*(?:input\s+|output\s+)?tokens?)?",
    re.I,
)
_FOOTNOTE_MARKS = re.compile(r"[*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰]+$")


def _number(cell: _Cell) -> tuple[float, bool] | None:
    """(value, written with %) of a numeric cell, else None."""
    text = _FOOTNOTE_MARKS.sub("", cell.text).strip()
    if not (m := _NUMBER_CELL.match(text)):
        return None
    return float(m.group("num").replace(",", "")), bool(m.group("pct"))


def _token_count(text: str) -> int | None:
    """Tokens in "128K", "1M", "131,072", "128K (131,072)"; None under 1,000 or unreadable."""
    if not (m := _TOKENS_CELL.match(text.strip())):
        return None
    if m.group("exact"):
        return int(m.group("exact").replace(",", ""))
    value = float(m.group("num").replace(",", ""))
    mult = (m.group("mult") or "").lower()
    tokens = int(round(value * {"k": 1_000, "m": 1_000_000}.get(mult, 1)))
    return tokens if tokens >= 1000 else None


def _scale_factor(scale: str) -> float:
    """Multiplier from a price's token unit to per 1M tokens."""
    s = re.sub(r"[\s,]", "", scale.lower())
    if s == "token":
        return 1_000_000.0
    if s in ("1k", "k", "ktok", "1ktok", "thousand", "onethousand", "1000"):
        return 1_000.0
    return 1.0


def _unit(slug: str, hint: str, value: float, had_percent: bool, siblings: list[float]) -> str:
    """The unit of one score: percent, rating or other (rules in the module notes)."""
    scale = benchmark_scale(slug)
    if scale == "rating" or _RATING_HINT.search(hint):
        return "rating"
    if scale == "other" or not 0 <= value <= 100:
        return "other"
    if had_percent or scale == "percent" or _PERCENT_HINT.search(hint):
        return "percent"
    if siblings and all(0 <= v <= 100 for v in siblings) and max(siblings) > 10:
        return "percent"
    return "other"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _row_evidence(row: list[_Cell], keep: set[int]) -> str:
    """The row's cells joined by " | ", shortened to 300 chars around the ``keep`` cells."""
    cells: list[tuple[int, _Cell]] = []
    for i, cell in enumerate(row):
        if cell.text and not (cells and cells[-1][1] is cell):
            cells.append((i, cell))
    for limit in (None, 40, 12, 0):
        parts = [
            c.text if i in keep or limit is None else _shorten(c.text, limit) if limit else "…"
            for i, c in cells
        ]
        parts = [p for j, p in enumerate(parts) if p != "…" or (j and parts[j - 1] != "…")]
        text = " | ".join(parts)
        if len(text) <= 300:
            return text
    return _shorten(" | ".join(c.text for i, c in cells if i in keep), 300)


@dataclass
class _Read:
    """One cell read against its model(s) and attribute (benchmark, context, price label)."""

    models: list[str]
    attribute: str
    qualifier: str
    hint: str
    cell: _Cell
    row: list[_Cell]
    keep: set[int]
    siblings: list[float]
    label_offset: int  # the cell naming the attribute (a benchmark label is not a model mention)


@dataclass
class _TableFacts:
    models: list[_Mention] = field(default_factory=list)
    scores: list[ScoreClaim] = field(default_factory=list)
    contexts: list[ContextClaim] = field(default_factory=list)
    prices: list[PriceClaim] = field(default_factory=list)
    cells: list[_Cell] = field(default_factory=list)  # every cell, for names and cost claims
    label_offsets: set[int] = field(default_factory=set)  # header and benchmark-label cells


def _numbers(cells: Iterable[_Cell]) -> list[float]:
    return [n[0] for c in cells if (n := _number(c)) is not None]


def _row_model(row: list[_Cell], col: int, header: list[str]) -> str:
    """The row's model label; a bare family/version label takes the size column's value."""
    label = row[col].text
    if _HAS_SIZE.search(label):
        return label
    for j, head in enumerate(header):
        if j != col and _SIZE_HEADER.match(head) and _SIZE.match(row[j].text):
            mentions = _find_models(label)
            return f"{mentions[0].name if mentions else label} {row[j].text}"
    return label


def _rows_reads(
    header: list[str], body: list[list[_Cell]], col: int, accept_all: bool
) -> Iterator[_Read]:
    """Reads of a table with one model per row (label column ``col``)."""
    rows = [r for r in body if r[col].text and (accept_all or _looks_like_model(r[col].text))]
    alias_cols = [j for j, h in enumerate(header) if j != col and _ALIAS_HEADER.search(h)]
    columns = {j: _numbers(r[j] for r in rows) for j in range(len(header)) if j != col}
    for row in rows:
        names = [_row_model(row, col, header)]
        for j in alias_cols:
            names += [t for t in _INLINE_CODE.findall(row[j].raw) if _is_api_id(t.strip())]
        for j, head in enumerate(header):
            if j != col and head and row[j].text:
                keep = {col, j, *alias_cols}
                yield _Read(names, head, "", head, row[j], row, keep, columns[j], -1)


def _columns_reads(
    header: list[str], body: list[list[_Cell]], model_cols: list[int]
) -> Iterator[_Read]:
    """Reads of a table with one model per column (benchmarks as rows)."""
    label_cols = list(range(model_cols[0]))
    if not label_cols:
        return
    bench = next((i for i in label_cols if _BENCH_HEADER.search(header[i])), None)
    if bench is None:
        plain = [i for i in label_cols if not _META_HEADER.search(header[i])]
        bench = plain[-1] if plain else label_cols[-1]
    metric = [i for i in label_cols if _METRIC_HEADER.search(header[i])]
    qualifiers = [
        i
        for i in label_cols
        if i != bench
        and not _META_HEADER.search(header[i])
        and 2 * len(_numbers(r[i] for r in body)) < len(body)  # a missed model column
    ]
    for row in body:
        name = row[bench].text
        if not name:
            continue
        qualifier = ", ".join(row[i].text for i in qualifiers if row[i].text)
        hint = " ".join([name, *(row[i].text for i in metric)])
        siblings = _numbers(row[j] for j in model_cols)
        for j in model_cols:
            if row[j].text:
                keep = {bench, j, *qualifiers}
                yield _Read(
                    [header[j]],
                    name,
                    qualifier,
                    hint,
                    row[j],
                    row,
                    keep,
                    siblings,
                    row[bench].offset,
                )


def _table_reads(table: _Table) -> tuple[list[_Read], list[_Mention]]:
    """Cell reads and the model labels of a table (see the module notes on orientation)."""
    rows = [r for r in table.rows if any(c.text for c in r)]
    if len(rows) < 2:
        return [], []
    width = max(len(r) for r in rows)
    rows = [r + [_Cell("", "", r[-1].offset)] * (width - len(r)) for r in rows]
    header, body = [c.text for c in rows[0]], rows[1:]
    model_col = next((i for i, h in enumerate(header) if _MODEL_HEADER.match(h)), None)
    model_cols = [i for i in range(1, width) if _looks_like_model(header[i])]
    if model_col is None and not model_cols:
        first = [r[0].text for r in body if r[0].text]
        if first and 2 * sum(map(_looks_like_model, first)) >= len(first):
            model_col = 0
    if model_col is not None:
        accept_all = bool(_MODEL_HEADER.match(header[model_col]))
        reads = list(_rows_reads(header, body, model_col, accept_all))
    elif model_cols:
        reads = list(_columns_reads(header, body, model_cols))
    else:
        return [], []
    if model_col is not None:
        names = {id(read.row): read.models for read in reads}
        labels: list[_Mention] = [
            _Mention(r[model_col].offset, n)
            for r in body
            if r[model_col].text
            # a row with cells read: its model names; else only model names inside its label
            for n in names.get(id(r)) or [m.name for m in _find_models(r[model_col].text)]
        ]
    else:
        labels = [_Mention(rows[0][j].offset, header[j]) for j in model_cols]
    return reads, labels


def _read_score(read: _Read) -> list[ScoreClaim]:
    parsed = _number(read.cell)
    if parsed is None:
        return []
    value, had_percent = parsed
    known = normalise_benchmark(read.attribute)
    base = re.sub(r"\([^)]*\)", " ", read.attribute).strip()
    if known is None and (_NOT_BENCHMARK.search(base) or not re.search(r"[A-Za-z]", base)):
        return []
    slug = known or benchmark_slug(read.attribute)
    written = read.attribute
    if read.qualifier:
        slug = f"{slug}-{benchmark_slug(read.qualifier)}"
        written = f"{read.attribute}, {read.qualifier}"
    unit = _unit(known or "", read.hint, value, had_percent, read.siblings)
    evidence = Evidence(_row_evidence(read.row, read.keep), read.cell.offset)
    return [ScoreClaim(m, slug, written, value, unit, evidence) for m in read.models]


def _read_context(read: _Read) -> list[ContextClaim]:
    tokens = _token_count(read.cell.text)
    if tokens is None:
        return []
    evidence = Evidence(_row_evidence(read.row, read.keep), read.cell.offset)
    return [ContextClaim(m, tokens, evidence) for m in read.models]


def _price_kind(label: str) -> str | None:
    return next((kind for kind, pattern in _PRICE_KIND if pattern.search(label)), None)


def _read_prices(reads: list[_Read]) -> list[PriceClaim]:
    """Price cells grouped per model and unit into claims."""
    groups: dict[tuple[str, float], dict[str | None, Any]] = {}
    for read in reads:
        unit = _UNIT.search(read.attribute) or _UNIT.search(read.cell.text)
        amount = re.fullmatch(r"\$?\s*(\d+(?:\.\d+)?)(?:\s*/.*)?", read.cell.text.replace(",", ""))
        if unit is None or amount is None:
            continue
        factor = _scale_factor(unit.group("scale"))
        kind = _price_kind(read.attribute)
        for model in read.models:
            slot = groups.setdefault((model, factor), {"unit": unit.group(0), "read": read})
            slot.setdefault(kind, round(float(amount.group(1)) * factor, 10))
    claims = []
    for (model, _), slot in groups.items():
        read = slot["read"]
        evidence = Evidence(_row_evidence(read.row, read.keep), read.cell.offset)
        claims.append(
            PriceClaim(
                model,
                slot.get("input"),
                slot.get("output"),
                slot.get("cached"),
                " ".join(slot["unit"].split()),
                evidence,
            )
        )
    return claims


def _is_price_read(read: _Read) -> bool:
    label = read.attribute
    return _price_kind(label) is not None and bool(
        _PRICE_MARK.search(label) or "$" in read.cell.raw
    )


def _read_table(table: _Table) -> _TableFacts:
    """Scores, context windows, prices and model labels of one table."""
    facts = _TableFacts(cells=[c for row in table.rows for c in row])
    reads, facts.models = _table_reads(table)
    if reads:
        facts.label_offsets = {c.offset for c in table.rows[0]} | {r.label_offset for r in reads}
    price_reads = []
    for read in reads:
        label = f"{read.attribute} {read.qualifier}"
        if _CONTEXT_LABEL.search(label) and not _NOT_CONTEXT_LABEL.search(label):
            facts.contexts += _read_context(read)
        elif _is_price_read(read):
            price_reads.append(read)
        else:
            facts.scores += _read_score(read)
    facts.prices = _read_prices(price_reads)
    return facts


# ---------------------------------------------------------------------------------------------
# Prose

_PARAGRAPH_START = re.compile(r"^[ \t]*(?:#|[-*+•][ \t]|\d+[.)][ \t]|>|\|)")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s+[^\sa-z])")


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: paragraphs split at blank lines, headings and list items,
    then at sentence-ending punctuation followed by a non-lowercase word."""
    paragraphs: list[list[int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        if not line.strip():
            paragraphs.append([])
        elif _PARAGRAPH_START.match(line) or not paragraphs or not paragraphs[-1]:
            paragraphs.append([pos, pos + len(line)])
        else:
            paragraphs[-1][1] = pos + len(line)
        if line.lstrip().startswith("#"):
            paragraphs.append([])
        pos += len(line)
    spans = []
    for para in paragraphs:
        if not para:
            continue
        start, end = para
        for m in _SENTENCE_END.finditer(text, start, end):
            spans.append((start, m.end()))
            start = m.end()
        spans.append((start, end))
    out = []
    for start, end in spans:
        chunk = text[start:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            out.append((start + lead, start + len(chunk.rstrip())))
    return out


def _snippet(text: str, start: int, end: int, focus: int, focus_end: int) -> str:
    """The sentence ``text[start:end]`` with whitespace collapsed, cut to 300 chars around the
    focus."""
    whole = " ".join(text[start:end].split()).lstrip("#>-+• ")
    if len(whole) <= 300:
        return whole
    left = max(start, focus - 140)
    right = min(end, max(focus_end, focus) + 140)
    part = " ".join(text[left:right].split())
    part = ("… " if left > start else "") + part + (" …" if right < end else "")
    return _shorten(part, 300)


_AMOUNT = (
    r"(?:(?:US\s?\$|\$|USD\s?)\s*(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?<![\d.,])(?P<cents>\d++(?:\.\d++)?)\s*(?:cents?|¢))"
)
_PRICE_RE = re.compile(
    _AMOUNT + r"(?P<unit>\s*(?:/|per|for\s+(?:every|each))\s*(?:(?:a|one)\s+)?"
    r"(?P<scale>1\s?M(?:\s?tok)?|1\s?K(?:\s?tok)?|M(?:\s?tok)?|K(?:\s?tok)?|million|thousand"
    r"|1,000,000|1,000|1000000|1000|token)(?![A-Za-z0-9])"
    r"(?P<tail>(?:\s+(?P<kind>input|output|prompt|completion|cached(?:\s+input)?|cache[- ]hit"
    r"|cache[- ]miss|reasoning))?(?:\s*tokens?)?))",
    re.I,
)
_KIND_WORD = re.compile(
    r"cache[ds]?[- ]?hits?|cached(?:\s+input)?|cach(?:e|ing)[- ]?reads?|cache[- ]?miss(?:es)?"
    r"|cach(?:e|ing)[- ]?writes?|cache[- ]?storage|\binput|\bprompt|\boutput|\bcompletion"
    r"|\breasoning",
    re.I,
)


def _kind_of(word: str | None) -> str | None:
    """The token kind a word names: input, output, cached, "skip" (cache writes) or None."""
    if not word:
        return None
    w = word.lower()
    if "write" in w or "storage" in w:
        return "skip"
    if "miss" in w:
        return "input"
    if "cache" in w:
        return "cached"
    if w.startswith(("input", "prompt")):
        return "input"
    return "output"


def _prices_in(text: str, span: tuple[int, int], near: _Near) -> list[PriceClaim]:
    """Price claims of one sentence (rules in the module notes)."""
    start, end = span
    claims: list[dict[str, Any]] = []
    previous_end = start
    for m in _PRICE_RE.finditer(text, start, end):
        kind = _kind_of(m.group("kind"))
        after = _KIND_WORD.match(text[m.end() : m.end() + 30].lstrip(" (:"))
        if after and "cache" in after.group(0).lower():
            kind = _kind_of(after.group(0))
        if kind is None:
            before = list(_KIND_WORD.finditer(text[max(previous_end, m.start() - 40) : m.start()]))
            kind = _kind_of(before[-1].group(0)) if before else None
        previous_end = m.end()
        if kind == "skip":
            continue
        amount = (
            float(m.group("amount").replace(",", ""))
            if m.group("amount")
            else float(m.group("cents")) / 100
        )
        value = round(amount * _scale_factor(m.group("scale")), 10)
        model = near.model(m.start())
        kinds = ["input", "output"] if kind is None else [kind]
        current = claims[-1] if claims else None
        if (
            current is None
            or current["model"] != model
            or any(k in current for k in kinds)
            or current["factor"] != _scale_factor(m.group("scale"))
        ):
            current = {
                "model": model,
                "factor": _scale_factor(m.group("scale")),
                "unit": " ".join(m.group("unit").split()),
                "at": m.start(),
                "end": m.end(),
            }
            claims.append(current)
        for k in kinds:
            current[k] = value
        current["end"] = m.end()
    return [
        PriceClaim(
            c["model"],
            c.get("input"),
            c.get("output"),
            c.get("cached"),
            c["unit"],
            Evidence(_snippet(text, start, end, c["at"], c["end"]), c["at"]),
        )
        for c in claims
    ]


_N = r"(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3})+|\d++(?:\.\d++)?)"
_MULT = r"(?:\s*(?P<mult>[KkMm]|thousand|million)(?![A-Za-z0-9]))?"
_CONTEXT_RES = (
    re.compile(
        _N + _MULT + r"(?P<tok>\s*-?\s*tokens?)?(?:\s*-\s*|\s+)(?:token[- ])?(?:long[- ])?"
        r"context(?:[- ](?:window|length|size))?\b",
        re.I,
    ),
    re.compile(
        r"\bcontext(?:[- ](?:window|length|size)s?)?(?:\s+(?:of|is|to|at|reaching|supports?"
        r"|extends?\s+to|extended\s+to|increased\s+to|expanded\s+to|length\s+of))*\s*"
        r"(?:up\s+to\s+|over\s+|at\s+least\s+|a\s+)?"
        + _N
        + _MULT
        + r"(?:\s*\((?P<exact>\d{1,3}(?:,\d{3})+|\d{4,})\))?(?P<tok>\s*-?\s*tokens?)?",
        re.I,
    ),
    re.compile(
        r"\b(?:supports?|supporting|handles?|handling|accepts?|accepting|process(?:es|ing)?"
        r"|takes?|reads?|ingests?)\s+(?:inputs?\s+of\s+|contexts?\s+of\s+|prompts?\s+of\s+)?"
        r"(?:up\s+to\s+|as\s+many\s+as\s+|over\s+|more\s+than\s+)?"
        + _N
        + _MULT
        + r"(?P<tok>\s*-?\s*tokens?)\b(?!\s+(?:of\s+)?(?:output|generat))",
        re.I,
    ),
)
_MULTIPLIER = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}


def _contexts_in(text: str, span: tuple[int, int], near: _Near) -> list[ContextClaim]:
    start, end = span
    seen: set[int] = set()
    claims = []
    for pattern in _CONTEXT_RES:
        for m in pattern.finditer(text, start, end):
            groups = m.groupdict()
            mult = (groups.get("mult") or "").lower()
            if not (mult or groups.get("tok") or groups.get("exact")):
                continue
            if groups.get("exact"):
                tokens = int(groups["exact"].replace(",", ""))
            else:
                tokens = int(
                    round(float(m.group("num").replace(",", "")) * _MULTIPLIER.get(mult, 1))
                )
            at = m.start("num")
            if tokens < 1000 or at in seen:
                continue
            seen.add(at)
            snippet = _snippet(text, start, end, m.start(), m.end())
            claims.append(ContextClaim(near.model(at), tokens, Evidence(snippet, at)))
    return sorted(claims, key=lambda c: c.evidence.offset)


_SCORE_COLON = re.compile(
    r"(?<![\w.+'-])(?P<bench>[A-Za-z][\w.+'-]{0,40}(?: [\w.+'-]{1,40}){0,3}?)\s*:\s*"
    r"(?P<val>\d{1,3}(?:\.\d+)?)"
    r"(?P<pct>\s?%)?(?![\d.]*[\w/-])"
)
_SCORE_ON = re.compile(  # the benchmark is read ahead without consuming it
    r"(?<![\d.])(?P<val>\d{1,3}(?:\.\d+)?)\s?(?P<pct>%)(?: [\w@]{1,20}){0,2}? on (?:the )?"
    r"(?=(?P<bench>[A-Za-z][\w.+'-]{0,40}(?: (?!and\b|or\b|with\b|vs\b)[\w.+'-]{1,40}){0,4}))"
)


def _known_words(words: list[str], suffixes: bool) -> tuple[str, str] | None:
    """(slug, name) for the longest run of ``words`` (suffix or prefix) naming a known
    benchmark."""
    for n in range(len(words), 0, -1):
        name = " ".join(words[-n:] if suffixes else words[:n]).strip(".,;:")
        if slug := normalise_benchmark(name):
            return slug, name
    return None


def _scores_in(text: str, span: tuple[int, int], near: _Near) -> list[ScoreClaim]:
    """Scores written in prose for known benchmarks, given to the model named last before the
    number in the same sentence."""
    start, end = span
    claims = []
    for pattern, suffixes in ((_SCORE_COLON, True), (_SCORE_ON, False)):
        for m in pattern.finditer(text, start, end):
            before = [n for n in near.mentions if n.offset + len(n.name) <= m.start("val")]
            found = _known_words(m.group("bench").split(), suffixes)
            if found is None or not before:
                continue
            slug, name = found
            value = float(m.group("val"))
            unit = _unit(slug, name, value, bool(m.group("pct")), [])
            snippet = _snippet(text, start, end, m.start(), m.end())
            evidence = Evidence(snippet, m.start("val"))
            claims.append(ScoreClaim(before[-1].name, slug, name, value, unit, evidence))
    return claims


_CHEAPER = re.compile(
    r"\bcheaper\b|\b(?:lower|lowest|reduced?|reduces|reducing|cut|cuts|cutting|slash(?:ed|es)?)"
    r"[\s-]+(?:the\s+|its\s+|our\s+|api\s+)?(?:costs?|prices?|pricing)\b"
    r"|\b(?:cost|price|pricing)\s+(?:cuts?|drops?|reductions?|savings?)\b"
    r"|\bless\s+(?:expensive|costly)\b"
    r"|\b(?:more\s+)?affordab(?:le|ility)\b|\bcost[- ](?:efficien(?:t|cy)|effective(?:ness)?)\b"
    r"|\b(?:token|compute|price)[- ]efficien(?:t|cy)\b"
    r"|\bfraction\s+of\s+the\s+(?:cost|price)\b"
    r"|\b(?:half|a\s+third|a\s+quarter|one[- ]\w+)\s+(?:of\s+)?the\s+(?:cost|price)\b"
    r"|\bfewer\s+(?:\w+\s+)?tokens\b|\bless\s+compute\b"
    r"|\bperformance\s*[/-]\s*price\b|\bprice\s*[/-]\s*performance\b"
    r"|\bperformance\s+per\s+dollar\b|\bsav(?:e|es|ing)\s+(?:\w+\s+){0,2}?(?:costs?|money)\b",
    re.I,
)
_EFFICIENT = re.compile(
    r"\b(?:more|most|highly|very|extremely|far\s+more|much\s+more)\s+efficient\b"
    r"(?!\s+(?:attention|architecture|implementation|kernels?|training|fine-tuning|design"
    r"|layers?|transformer|encoder|decoder|mixture|moe|vision|audio)\b)",
    re.I,
)
_COST_WORD = re.compile(
    r"\b(?:costs?|price[sd]?|pricing|cheap\w*|tokens?|budget|spend\w*|dollars?|usd"
    r"|per\s+task)\b|\$",
    re.I,
)
_NEGATION = re.compile(r"\b(?:not|no|never|isn't|aren't|wasn't|without)\s+(?:\w+\s+)?$", re.I)


def _cheaper_at(sentence: str) -> re.Match[str] | None:
    """The first cost/efficiency claim in a sentence (rules in the module notes), or None."""
    hits = list(_CHEAPER.finditer(sentence))
    if _COST_WORD.search(sentence):
        hits += list(_EFFICIENT.finditer(sentence))
    hits = [m for m in hits if not _NEGATION.search(sentence[max(0, m.start() - 20) : m.start()])]
    return min(hits, key=lambda m: m.start()) if hits else None


class _Near:
    """Finds the model a fact in one sentence is about."""

    def __init__(self, mentions: list[_Mention], fallback: str | None) -> None:
        self.mentions = mentions
        self.fallback = fallback

    def model(self, pos: int) -> str | None:
        before = [m for m in self.mentions if m.offset < pos]
        if before:
            return before[-1].name
        after = [m for m in self.mentions if m.offset >= pos]
        return after[0].name if after else self.fallback


# ---------------------------------------------------------------------------------------------
# Assembly


@dataclass
class _Doc:
    prose: str  # same length as the input, markup blanked
    tables: list[_Table]
    code_mentions: list[_Mention]  # API ids in backticks / <code>
    titles: list[str]


def _first_cheaper(
    titles: list[str], prose: str, spans: list[tuple[int, int]], cells: list[_Cell]
) -> Evidence | None:
    for title in titles:
        if _cheaper_at(title):
            return Evidence(_shorten(" ".join(title.split()), 300), -1)
    found: list[Evidence] = []
    for start, end in spans:
        if m := _cheaper_at(prose[start:end]):
            at = start + m.start()
            found.append(Evidence(_snippet(prose, start, end, at, start + m.end()), at))
            break
    for cell in cells:
        if len(cell.text.split()) >= 4 and (m := _cheaper_at(cell.text)):
            found.append(Evidence(_shorten(cell.text, 300), cell.offset))
            break
    return min(found, key=lambda e: e.offset) if found else None


def _cell_mentions(cell: _Cell) -> list[_Mention]:
    ids = [
        _Mention(cell.offset, t.strip())
        for t in _INLINE_CODE.findall(cell.raw)
        if _is_api_id(t.strip())
    ]
    text = _clean_cell(_INLINE_CODE.sub(" ", cell.raw)) if "`" in cell.raw else cell.text
    return ids + [_Mention(cell.offset, m.name) for m in _find_models(text)]


def _assemble(doc: _Doc) -> Facts:
    title_mentions = [_Mention(-1, m.name) for t in doc.titles for m in _find_models(t)]
    title_names = {m.name for m in title_mentions}
    fallback = next(iter(title_names)) if len(title_names) == 1 else None

    mentions = sorted(_find_models(doc.prose) + doc.code_mentions, key=lambda m: m.offset)
    starts = [m.offset for m in mentions]
    spans = _sentences(doc.prose)
    prices: list[PriceClaim] = []
    contexts: list[ContextClaim] = []
    scores: list[ScoreClaim] = []
    table_models: list[_Mention] = []
    cells: list[_Cell] = []
    for table in doc.tables:
        read = _read_table(table)
        prices += read.prices
        contexts += read.contexts
        scores += read.scores
        table_models += read.models
        labelled = {m.offset for m in read.models} | read.label_offsets
        cells += read.cells
        for cell in read.cells:
            if cell.offset not in labelled:
                table_models += _cell_mentions(cell)
    table_keys = {(s.model, s.benchmark, s.value) for s in scores}
    recent: list[list[_Mention]] = [[], []]  # the two sentences before
    for span in spans:
        inside = mentions[bisect_left(starts, span[0]) : bisect_left(starts, span[1])]
        before = recent[0] + recent[1]
        near = _Near(inside, before[-1].name if before else fallback)
        recent = [recent[1], inside]
        prices += _prices_in(doc.prose, span, near)
        contexts += _contexts_in(doc.prose, span, near)
        scores += [
            s
            for s in _scores_in(doc.prose, span, near)
            if (s.model, s.benchmark, s.value) not in table_keys
        ]
    cheaper = _first_cheaper(doc.titles, doc.prose, spans, cells)

    names: dict[str, None] = {}
    everything = title_mentions + mentions + table_models
    for mention in sorted(everything, key=lambda m: m.offset):
        if mention.name.strip():
            names.setdefault(mention.name.strip(), None)

    def by_offset(claims: list[Any]) -> tuple[Any, ...]:
        return tuple(sorted(claims, key=lambda c: c.evidence.offset))

    return Facts(
        models=tuple(names),
        prices=by_offset(prices),
        contexts=by_offset(contexts),
        scores=by_offset(scores),
        claims_cheaper=cheaper is not None,
        cheaper_evidence=cheaper,
    )


def _titles(title: str | None, *more: str | None) -> list[str]:
    out = []
    for t in (title, *more):
        if t and t.strip() and t.strip() not in out:
            out.append(" ".join(t.split()))
    return out


def extract(text: str, *, title: str | None = None) -> Facts:
    """Facts of a Markdown or plain-text release note (Markdown and HTML tables read as tables)."""
    mask = _Mask(text)
    front_title = None
    if fm := _FRONT_MATTER.match(text):
        if found := _FM_TITLE.search(fm.group(1)):
            front_title = found.group(2)
        mask.blank(fm.start(), fm.end())
    for pattern in (_COMMENT, _RAW_BLOCK, _FENCE, _SHORTCODE):
        mask.blank_all(pattern)
    structural = mask.text()

    tables: list[_Table] = []
    for m in _finditer(_HTML_TABLE, structural):
        tables += _HTMLTables(m.group(0), m.start()).tables
        mask.blank(m.start(), m.end())
    for table in _markdown_tables(mask.text()):
        tables.append(table)
        mask.blank(table.start, table.end)
    code = [
        _Mention(m.start(1), m.group(1).strip())
        for m in _INLINE_CODE.finditer(mask.text())
        if _is_api_id(m.group(1).strip())
    ]
    _mask_markdown_inline(mask)
    doc = _Doc(mask.text(), tables, code, _titles(title, front_title))
    return _assemble(doc)


def extract_html(html: str, *, title: str | None = None) -> Facts:
    """Facts of an HTML release page: tables read as tables, the rest as text."""
    page_title = None
    if found := next(_finditer(_HTML_TITLE, html), None):
        page_title = _clean_cell(found.group(1) or found.group(2) or "") or None
    mask = _Mask(html)
    for pattern in (_COMMENT, _RAW_BLOCK):
        mask.blank_all(pattern)
    structural = mask.text()
    tables = _HTMLTables(structural).tables
    for table in tables:
        mask.blank(table.start, min(table.end, len(html)))
    code = []
    for m in _finditer(_HTML_CODE, mask.text()):
        token = _clean_cell(m.group(1))
        if _is_api_id(token):
            code.append(_Mention(m.start(1), token))
        mask.blank(m.start(), m.end())
    _mask_tags_and_entities(mask, mask.text())
    doc = _Doc(mask.text(), tables, code, _titles(title, page_title))
    return _assemble(doc)
