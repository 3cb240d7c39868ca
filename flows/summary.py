"""The run summary on the console: one line per source for a few sources; above that, the failed
sources first (each with its reason), then counts by kind and outcome, so that thousands of
sources fit a screen (`--json` keeps every source)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from rich.console import Group
from rich.table import Table

from flows.brief.safety import rich_text
from flows.store.load import SourceResult

# above this many sources the summary is grouped
ONE_LINE_EACH = 20
# failed sources listed by name in a grouped summary (the rest are counted)
FAILED_SHOWN = 12
OUTCOMES = {"fetched": "fetched", "not_modified": "unchanged"}


def sources_summary(
    results: Sequence[SourceResult],
    cross_checks: frozenset[str] = frozenset(),
    more: str = "--json",
) -> Table | Group:
    """The summary a run or an ingest prints: a table of every source, or grouped above
    ONE_LINE_EACH sources (`more` says where the whole list is)."""
    if len(results) <= ONE_LINE_EACH:
        return sources_table(results, cross_checks)
    return sources_grouped(results, cross_checks, more)


def sources_grouped(
    results: Sequence[SourceResult], cross_checks: frozenset[str], more: str = "--json"
) -> Group:
    """The failed sources with their reasons, then one line per kind and outcome."""
    failed = [s for s in results if not s.ok]
    parts: list[Table] = []
    if failed:
        listed = Table(title=f"Failed sources ({len(failed)} of {len(results)})")
        listed.add_column("source", overflow="fold")
        listed.add_column("kind", no_wrap=True)
        listed.add_column("reason", overflow="fold")
        for s in failed[:FAILED_SHOWN]:
            listed.add_row(rich_text(s.source_id), s.kind, rich_text(s.reason or ""))
        if len(failed) > FAILED_SHOWN:
            listed.caption = rich_text(
                f"and {len(failed) - FAILED_SHOWN} more failed sources ({more} lists every "
                "source with its reason; so does table source_runs)"
            )
        parts.append(listed)
    groups: dict[tuple[str, str], list[SourceResult]] = defaultdict(list)
    for s in results:
        groups[(s.kind, OUTCOMES.get(s.fetch_status, "failed") if s.ok else "failed")].append(s)
    counts = Table(title=f"Sources: {len(results)}, by kind and outcome")
    counts.add_column("kind", no_wrap=True)
    counts.add_column("outcome", no_wrap=True)
    for name in ("sources", "rows", "new", "updated", "rejected", "unresolved"):
        counts.add_column(name, justify="right", min_width=len(name))
    order = Counter({"failed": 0, "fetched": 1, "unchanged": 2})
    for (kind, outcome), members in sorted(groups.items(), key=lambda g: (g[0][0], order[g[0][1]])):
        counts.add_row(
            kind,
            "[red]failed[/]" if outcome == "failed" else outcome,
            str(len(members)),
            str(sum(s.rows_read for s in members)),
            str(sum(s.rows_new for s in members)),
            str(sum(s.rows_updated for s in members)),
            str(sum(s.rejected for s in members)),
            str(sum(len(s.unresolved) for s in members)),
        )
    counts.caption = notes(results, cross_checks, failures=False)
    if failed:
        kept = "their earlier facts are kept"
        counts.caption = f"{counts.caption}; {kept}" if counts.caption else kept
    parts.append(counts)
    return Group(*parts)


def sources_table(
    results: Sequence[SourceResult], cross_checks: frozenset[str] = frozenset()
) -> Table:
    """The run summary: one line per source, with what it gave and why anything failed. Names
    that only cross-check price lists use are counted apart: they never price a model."""
    table = Table(title="Sources")
    table.add_column("source", overflow="fold")
    table.add_column("fetch", no_wrap=True)
    for name in ("rows", "new", "updated", "rejected", "unresolved"):
        table.add_column(name, justify="right", min_width=len(name))
    for s in results:
        fetch = {"fetched": "fetched", "not_modified": "[dim]unchanged[/]"}.get(
            s.fetch_status, "[red]failed[/]"
        )
        table.add_row(
            rich_text(s.source_id),
            fetch,
            str(s.rows_read),
            str(s.rows_new),
            str(s.rows_updated),
            str(s.rejected),
            str(len(s.unresolved)),
        )
    table.caption = notes(results, cross_checks)
    return table


def notes(
    results: Sequence[SourceResult], cross_checks: frozenset[str], failures: bool = True
) -> str | None:
    """What the summary says under its table: failures (unless listed above it), names no known
    model matched, values whose meaning changed."""
    failed = [s for s in results if not s.ok]
    unresolved = sum(len(s.unresolved) for s in results if s.source_id not in cross_checks)
    checked = sum(len(s.unresolved) for s in results if s.source_id in cross_checks)
    found: list[str] = []
    if failed and failures:
        why = "; ".join(f"{s.source_id}: {s.reason}" for s in failed)
        found.append(f"{len(failed)} source(s) failed ({why}); their earlier facts are kept")
    if unresolved:
        names = sorted(
            {n for s in results if s.source_id not in cross_checks for n in s.unresolved}
        )
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        found.append(
            f"{unresolved} model name(s) matched no known model and are kept under their "
            f"own names ({shown}; all in table `aliases`, resolved = false)"
        )
    if checked:
        found.append(f"{checked} more in cross-check price lists, which price no model")
    changed = [s for s in results if s.meaning_changed]
    if changed:
        found.append(
            "stored values changed meaning (a score's scale moved between percent and "
            "rating): "
            + ", ".join(f"{s.source_id} ({s.meaning_changed})" for s in changed[:8])
            + (f" and {len(changed) - 8} more sources" if len(changed) > 8 else "")
        )
    return rich_text("; ".join(found)) if found else None
