"""Benchmark-name normalisation: the many spellings in release notes -> stable slugs.

Release notes write one benchmark many ways ("GPQA-Diamond (Pass@1)", "GPQA Diamond pass@1",
"GPQA_Diamond"). ``normalise_benchmark`` maps a known benchmark to its slug; the slugs of the
project's taxonomy (``data/capabilities.toml``: ``gpqa-diamond``, ``swe-bench-verified``,
``aider-polyglot``, ``livebench``, ``frontiermath``, ``math-level-5``, ...) are produced for their
benchmarks. Rules, in order:

1. The whole name, with case, spaces, hyphens, underscores and brackets ignored ("+" reads
   "plus"), is looked up: "SWE-bench (Verified)", "Codeforces (Percentile)".
2. Metric and setting qualifiers are dropped, in brackets or trailing: ``pass@1``, ``EM``,
   ``F1``, ``Acc.``, ``5-shot``, ``CoT``, ``Prompt Strict``, ``Resolved``, ``Correct``,
   ``macro_avg/acc``, the judge of Arena-Hard (``GPT-4-1106``), ``rating``/``Elo``. Voting
   qualifiers change the metric and stay in the slug: "AIME 2024 cons@64" -> ``aime-2024-cons64``.
   Any other qualifier ("(multilingual)", "(Arabic)") makes the name unknown: it is a different
   test set, not a different spelling.
3. A trailing dataset version is dropped last: a release range or date ("2305-2409", "0831",
   "2024-08-31") or ``v1.1``; a year is kept ("AIME 2024" is not "AIME").

Unknown names give None; ``benchmark_slug`` then slugifies the name without its metric
qualifiers. ``benchmark_scale`` tells whether a known benchmark's scores are percentages.
"""

from __future__ import annotations

import re

# slug -> spellings (compared by ``_key``); one slug per benchmark.
_SPELLINGS: dict[str, tuple[str, ...]] = {
    # the project's taxonomy (data/capabilities.toml)
    "gpqa-diamond": ("GPQA Diamond", "GPQA-D", "GPQA Diamond set"),
    "swe-bench-verified": (
        "SWE-bench Verified",
        "SWE Verified",
        "SWE-bench-V",
        "SWE-V",
        "SWE-bench (Verified)",
        "SWEBench Verified",
    ),
    "aider-polyglot": ("Aider Polyglot", "Aider's polyglot", "Aider polyglot benchmark"),
    "fictionlivebench": (
        "Fiction.LiveBench",
        "Fiction.LiveBench (120k tokens)",
        "FictionLiveBench",
    ),
    "livebench": ("LiveBench",),
    "frontiermath": ("FrontierMath",),
    "math-level-5": ("MATH level 5", "MATH lvl 5", "MATH-L5", "MATH Level-5"),
    "otis-mock-aime": ("OTIS Mock AIME", "OTIS Mock AIME 2024-2025"),
    "terminal-bench": ("Terminal-Bench", "TerminalBench", "tbench"),
    "simplebench": ("SimpleBench",),
    "webdev-arena": ("WebDev Arena", "WebDevArena"),
    # other common release-note benchmarks
    "gpqa": ("GPQA",),
    "swe-bench": ("SWE-bench",),
    "swe-bench-lite": ("SWE-bench Lite",),
    "mmlu": ("MMLU",),
    "mmlu-pro": ("MMLU-Pro",),
    "mmlu-redux": ("MMLU-Redux",),
    "mmlu-stem": ("MMLU-STEM",),
    "mmmlu": ("MMMLU",),
    "mmmu": ("MMMU",),
    "humaneval": ("HumanEval",),
    "humaneval-plus": ("HumanEval+", "HumanEval Plus"),
    "mbpp": ("MBPP",),
    "mbpp-plus": ("MBPP+", "MBPP Plus"),
    "multipl-e": ("MultiPL-E",),
    "livecodebench": ("LiveCodeBench", "LCB"),
    "codeforces": ("Codeforces", "Codeforces Rating", "Codeforces Elo"),
    "codeforces-percentile": ("Codeforces Percentile",),
    "math": ("MATH",),
    "math-500": ("MATH-500", "MATH500"),
    "aime-2024": ("AIME 2024", "AIME24", "AIME'24"),
    "aime-2025": ("AIME 2025", "AIME25", "AIME'25"),
    "aime": ("AIME",),
    "cnmo-2024": ("CNMO 2024",),
    "gsm8k": ("GSM8K", "GSM-8K"),
    "mgsm": ("MGSM",),
    "arena-hard": ("Arena-Hard", "ArenaHard", "Arena-Hard-Auto", "Arena Hard Auto"),
    "arena-hard-v2": ("Arena-Hard v2", "Arena-Hard v2.0", "Arena-Hard-Auto v2"),
    "ifeval": ("IFEval", "IF-Eval", "IFEval strict-prompt"),
    "bbh": ("BBH", "BIG-Bench Hard", "Big Bench Hard"),
    "alpacaeval-2": ("AlpacaEval 2.0", "AlpacaEval2.0", "AlpacaEval 2", "AlpacaEval2"),
    "mt-bench": ("MT-Bench", "MTBench"),
    "alignbench": ("AlignBench",),
    "simpleqa": ("SimpleQA",),
    "c-simpleqa": ("C-SimpleQA", "Chinese SimpleQA"),
    "c-eval": ("C-Eval",),
    "cluewsc": ("CLUEWSC",),
    "drop": ("DROP",),
    "frames": ("FRAMES",),
    "hellaswag": ("HellaSwag",),
    "winogrande": ("Winogrande", "WinoGrande"),
    "arc-challenge": ("ARC-C", "ARC-Challenge", "ARC Challenge"),
    "truthfulqa": ("TruthfulQA",),
    "theoremqa": ("TheoremQA", "Theorem QA"),
    "triviaqa": ("TriviaQA",),
    "hle": ("HLE", "Humanity's Last Exam", "Humanitys Last Exam"),
    "browsecomp": ("BrowseComp",),
    "tau-bench": ("TAU-bench", "tau-bench", "τ-bench"),
    "tau2-bench": ("tau2-bench", "τ2-bench", "TAU2-bench"),
    "bfcl": ("BFCL", "Berkeley Function Calling Leaderboard"),
    "lmarena": ("LMArena", "Chatbot Arena", "LMSYS Chatbot Arena", "Arena Elo", "LMArena Elo"),
    "osworld": ("OSWorld",),
    "healthbench": ("HealthBench",),
    "mathvista": ("MathVista",),
}

# Scales other than "percent" (every other known benchmark reports a 0-100 share).
_RATING = frozenset({"codeforces", "lmarena", "webdev-arena"})
_OTHER = frozenset({"mt-bench", "alignbench"})  # judged 1-10 scores

# Qualifiers that name a metric or a setting, not a different test set.
_IGNORABLE = re.compile(
    r"""(?:pass@\d+(?:-cot)?|avg@\d+|mean@\d+|\d+-?shots?|zero-?shot|few-?shot|shots?|cot|no-?cot
    |em|exact[-_ ]?match|f1|acc\.?|accuracy|acc_(?:char|norm)|(?:macro|micro)_avg/[\w@]+
    |average/[\w@]+|average|avg|overall|final_em|em_maj\d@\d|correct|resolved|strict|prompt
    |loose|(?:prompt|instruction|inst)[-_ ]?(?:strict|loose|level)|(?:strict|loose)[-_ ]?prompt
    |lc|lc-?win-?rate|win-?rate|length[-_ ]controlled|score|metric|%|percent|rating|elo
    |gpt-?4[\w.-]*|judge|judged|0-?cot|maj@1|sc@1)""",
    re.IGNORECASE | re.VERBOSE,
)
_VOTING = re.compile(r"(cons|maj)@(\d+)", re.IGNORECASE)
_VERSION = re.compile(
    r"(?:\d{4}-\d{4}|\d{4}-\d{2}-\d{2}|\d{4}\.\d{2}(?:\.\d{2})?|(?!19|20)\d{4}|v\d+(?:\.\d+)*)",
    re.IGNORECASE,
)
_NOISE = re.compile(r"\[\^[^\]]*\]|<[^>]+>|[*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰]|\\")
_PAREN = re.compile(r"[(\[]([^()\[\]]*)[)\]]")


def _key(name: str) -> str:
    """Comparison key: lowercase letters and digits only, with "+" read as "plus"."""
    return re.sub(r"[^a-z0-9]", "", name.lower().replace("+", "plus").replace("τ", "tau"))


_ALIASES: dict[str, str] = {
    _key(spelling): slug for slug, spellings in _SPELLINGS.items() for spelling in spellings
}
_ALIASES.update({_key(slug): slug for slug in _SPELLINGS})


def slugify(name: str) -> str:
    """Lowercase words joined by "-": "MBPP ++ base version" -> "mbpp-plus-plus-base-version"."""
    text = name.lower().replace("+", " plus ").replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "unnamed"


def _clean(name: str) -> str:
    """The name without footnote marks, HTML tags and emphasis, whitespace collapsed."""
    return " ".join(_NOISE.sub(" ", name).split())


def _split(name: str) -> tuple[str, list[str], list[str]]:
    """(base, kept qualifiers, voting suffixes): metric qualifiers dropped from ``name``."""
    kept: list[str] = []
    voting: list[str] = []

    def sort(token: str) -> None:
        if match := _VOTING.fullmatch(token):
            voting.append(f"{match.group(1).lower()}{match.group(2)}")
        elif not _IGNORABLE.fullmatch(token):
            kept.append(token)

    for group in _PAREN.findall(name):
        tokens = [t for t in re.split(r"[,;\s]+", group) if t]
        if all(_VOTING.fullmatch(t) or _IGNORABLE.fullmatch(t) for t in tokens):
            for token in tokens:
                sort(token)
        else:
            kept.append(group)
    words = _PAREN.sub(" ", name).split()
    while len(words) > 1 and (_IGNORABLE.fullmatch(words[-1]) or _VOTING.fullmatch(words[-1])):
        sort(words.pop())
    return " ".join(words), kept, voting


def normalise_benchmark(name: str) -> str | None:
    """The stable slug of a known benchmark, or None: "GPQA-Diamond (Pass@1)" -> "gpqa-diamond"."""
    text = _clean(name)
    if not text:
        return None
    if slug := _ALIASES.get(_key(text)):
        return slug
    base, kept, voting = _split(text)
    if kept:
        return None
    slug = _ALIASES.get(_key(base))
    if slug is None:
        words = base.split()
        if len(words) > 1 and _VERSION.fullmatch(words[-1]):
            slug = _ALIASES.get(_key(" ".join(words[:-1])))
    if slug is None:
        return None
    return "-".join([slug, *voting])


def benchmark_slug(name: str) -> str:
    """``normalise_benchmark(name)``, else a slug of the name without its metric qualifiers."""
    if known := normalise_benchmark(name):
        return known
    text = _clean(name)
    base, kept, voting = _split(text)
    return slugify(" ".join([base, *kept, *voting]) or text)


def benchmark_scale(slug: str) -> str | None:
    """The scale of a known benchmark slug: percent, rating or other; None when unknown."""
    base = re.sub(r"-(?:cons|maj)\d+$", "", slug)
    if base in _RATING:
        return "rating"
    if base in _OTHER:
        return "other"
    return "percent" if base in _SPELLINGS else None
