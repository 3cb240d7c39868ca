"""LMArena / Chatbot Arena leaderboard CSVs -> scores on the ``rating`` scale.

Arena scores are Elo-like ratings: they rank models and are never read as a success rate.
Columns are matched case-insensitively, so the current export (``rank, rank_stylectrl, model,
arena_score, 95_pct_ci, votes, organization, ...``), older ones (``Model, Arena Elo rating,
95% CI, Votes``) and tables that append the arena columns to other data
(``merged_arena_openllm.csv``: arena ``model`` plus Open LLM Leaderboard columns) all read:

- ``value`` = the arena score; ``scale`` = "rating"; ``benchmark`` = option ``benchmark``
  (default "lmarena-text"; pass e.g. "lmarena-vision" for another arena);
- ``stderr`` = half-width of the 95% confidence interval / 1.96 (the normal approximation), the
  half-width being the mean of the two sides of "+5/-4" (or the single figure of "+-5" or "5");
  None when the CI is missing or unreadable;
- ``version`` = the vote count as text (the rating is a moving estimate; more votes, a firmer
  one), or None;
- ``as_of`` = the row's date column when the file has one (``as_of``, ``date``,
  ``leaderboard_date``, ``snapshot_date``, ``last_updated``), else option ``as_of``. These
  exports carry no date: without ``as_of`` every row is rejected ("no date: pass as_of").

Rejected with a reason: rows without a model name, repeats of a model already read (the
merged table repeats an arena row once per matching Open LLM entry) and rows whose name maps to
a model id already scored by a better-named row (see ``base.one_per_key``). A non-numeric
score is passed on for the validator to report.
"""

from __future__ import annotations

import csv
import io
import re

from flows.sources.adapters.base import Format, Parsed, number_or_raw, one_per_key
from flows.sources.budget import excerpt
from signals.identity import canonical_id

DEFAULT_BENCHMARK = "lmarena-text"
EVIDENCE_URL = "https://lmarena.ai/leaderboard"
Z_95 = 1.96
_MODEL = ("model", "model name", "model_name")
_SCORE = ("arena_score", "arena score", "arena elo rating", "elo rating", "rating", "score")
_CI = ("95_pct_ci", "95% ci", "ci", "95_ci")
_VOTES = ("votes", "num_battles", "battles")
_DATE = ("as_of", "date", "leaderboard_date", "snapshot_date", "last_updated")
_NUMBER = r"(\d+(?:\.\d+)?)"


def parse(
    data: bytes,
    source_id: str,
    *,
    benchmark: str = DEFAULT_BENCHMARK,
    as_of: str | None = None,
    evidence_url: str | None = EVIDENCE_URL,
) -> Parsed:
    """Parse one arena leaderboard CSV into ``rating`` scores for ``benchmark``."""
    out = Parsed()
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    columns = {name.strip().lower(): name for name in header}
    # the merged table has both an arena ``model`` and an Open LLM ``model_name``: prefer the first
    model_col = _pick(columns, _MODEL)
    score_col = _pick(columns, _SCORE)
    if model_col is None or score_col is None:
        out.reject(
            "scores",
            "not an arena leaderboard (no model or arena score column; header: "
            f"{','.join(header)})",
            excerpt(text),
        )
        return out
    ci_col, votes_col, date_col = (_pick(columns, c) for c in (_CI, _VOTES, _DATE))
    seen: dict[tuple[str, str], tuple[int, tuple]] = {}
    rows: list[dict] = []
    for line, fields in enumerate(reader, start=2):
        # cells beyond the header come under the key None: name it so the row stays printable
        record = {("(extra)" if k is None else k): v for k, v in fields.items()}
        name = (record.get(model_col) or "").strip()
        if not name:
            out.reject("scores", f"line {line}: row names no model", record)
            continue
        date = ((record.get(date_col) or "").strip()[:10] if date_col else "") or as_of
        if not date:
            out.reject("scores", "no date: pass as_of (the export has no date column)", record)
            continue
        figures = tuple((record.get(c) or "").strip() for c in (score_col, ci_col, votes_col) if c)
        if (name, date) in seen:
            first, before = seen[(name, date)]
            how = "same score, CI and votes" if before == figures else "different figures"
            out.reject(
                "scores",
                f"line {line}: repeats {name!r} of line {first} ({how}); the first is kept",
                record,
            )
            continue
        seen[(name, date)] = (line, figures)
        votes = (record.get(votes_col) or "").strip() if votes_col else ""
        rows.append(
            {
                "model": canonical_id(name),
                "benchmark": benchmark,
                "as_of": date,
                "value": number_or_raw(record.get(score_col)),
                "scale": "rating",
                "stderr": stderr_from_ci(record.get(ci_col) if ci_col else None),
                "version": votes or None,
                "source_name": name,
                "evidence_url": evidence_url,
            }
        )
    one_per_key(out, "scores", rows, ("model", "benchmark", "as_of"))
    return out


def stderr_from_ci(ci: str | None) -> float | None:
    """Standard error from a 95% CI written "+5/-4", "+-5", "±5" or "5": half-width / 1.96."""
    text = (ci or "").strip().replace(" ", "")
    if match := re.fullmatch(rf"\+{_NUMBER}/-{_NUMBER}", text):
        half = (float(match.group(1)) + float(match.group(2))) / 2
    elif match := re.fullmatch(rf"(?:\+-|±|\+/-)?{_NUMBER}", text):
        half = float(match.group(1))
    else:
        return None
    return round(half / Z_95, 9)


def _pick(columns: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((columns[n] for n in names if n in columns), None)


FORMATS = (Format(("lmarena",), ("scores",), parse, expect="csv"),)
