"""The daily run's steps as plain functions; the flow in flows/daily.py sequences them."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

import duckdb

from flows.brief.content import Edition, SourceStatus
from flows.brief.edition import build_edition
from flows.brief.render import render_edition, write_edition
from flows.config import Config
from flows.lifecycle import pause_point
from flows.ops.stages import Stage
from flows.store.db import insert_rows, open_store, run
from flows.store.facts import (
    cheaper_claims,
    last_edition_before,
    load_facts,
    measured_workloads,
    release_posts,
    save_estimates,
    save_signals,
)
from flows.store.load import SourceResult, SourceResults
from signals.daily import day_signals


@dataclass
class RunSummary:
    """What a run did, for the CLI, the Prefect artifact and the `runs` table."""

    run_id: str
    edition_date: date
    sources: SourceResults = field(default_factory=SourceResults)
    signals: int = 0
    items: int = 0
    pending: int = 0
    estimates: int = 0
    outputs: dict[str, str] = field(default_factory=dict)
    edition_status: str = "draft"
    revision: int = 0  # the machine revision this run added
    kept_revision: int | None = None  # the editor's revision kept current instead
    changes: list[str] = field(default_factory=list)  # its diff against the kept revision
    snapshot: str = ""  # the analysts' snapshot this run published
    price_checks: list[str] = field(default_factory=list)  # price lists that disagree
    warnings: list[str] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)  # each stage's time and counts

    @property
    def failed(self) -> list[SourceResult]:
        return [s for s in self.sources if not s.ok]

    @property
    def status(self) -> str:
        return "partial" if self.failed else "ok"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sources"] = [asdict(s) for s in self.sources]
        d["edition_date"] = self.edition_date.isoformat()
        d["status"] = self.status
        return d


ABANDONED = "abandoned: its process ended before the run finished"


def start_run(cfg: Config, run_id: str, day: date, now: datetime) -> None:
    """Record the run as running. Called with the store held open by this process (no other
    can open it meanwhile), so a run still marked running was left by a process that died."""
    with open_store(cfg.database) as con:
        run(
            con,
            "UPDATE runs SET status = 'failed', error = ?, finished_at = ? "
            "WHERE status = 'running'",
            [ABANDONED, now],
        )
        run(
            con,
            "INSERT INTO runs (run_id, edition_date, config_path, started_at, status) "
            "VALUES (?, ?, ?, ?, 'running')",
            [run_id, day, str(cfg.path), now],
        )


def describe_stop(error: BaseException) -> str:
    """Why a run stopped, in words: the error, or the signal that stopped it (Prefect raises
    its own TerminationSignal, without a message, for SIGTERM inside a flow)."""
    signum = getattr(error, "signal", None)
    if isinstance(signum, int):
        try:
            return f"KeyboardInterrupt: stopped by {signal.Signals(signum).name}"
        except ValueError:
            return f"KeyboardInterrupt: stopped by signal {signum}"
    return f"{type(error).__name__}: {error}"


def fail_run(cfg: Config, run_id: str, error: BaseException, now: datetime) -> None:
    """Record why a run stopped."""
    with open_store(cfg.database) as con:
        run(
            con,
            "UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE run_id = ?",
            [describe_stop(error), now, run_id],
        )


def failing_days(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per source, the days in a row, up to its latest, on which it was read and its last read
    of the day failed (a source never read on a day neither breaks nor extends the run)."""
    return dict(
        con.execute(
            "WITH days AS (SELECT source_id, CAST(fetched_at AS DATE) AS day, "
            "arg_max(ok, fetched_at) AS ok FROM source_runs GROUP BY ALL), "
            "last_ok AS (SELECT source_id, max(day) FILTER (WHERE ok) AS day FROM days "
            "GROUP BY ALL) "
            "SELECT d.source_id, count(*) FROM days d JOIN last_ok l USING (source_id) "
            "WHERE NOT d.ok AND (l.day IS NULL OR d.day > l.day) GROUP BY ALL"
        ).fetchall()
    )


def statuses(
    con: duckdb.DuckDBPyConnection, results: Sequence[SourceResult], flag_after_days: int = 3
) -> list[SourceStatus]:
    """Each source as the brief shows it: today's outcome, what the store holds from it (so a
    rerun that finds nothing new shows the same figures), and, when it has failed on
    `flag_after_days` days in a row or more, how many."""
    # facts are never deleted and each key is new once: what a source holds is the sum of
    # the new keys its runs stored (read from `source_runs`, not by scanning the history)
    held = dict(
        con.execute("SELECT source_id, sum(rows_new) FROM source_runs GROUP BY ALL").fetchall()
    )
    # rows set aside by each source's latest full read (an unchanged source's stay current)
    rejected = dict(
        con.execute(
            "WITH last_read AS (SELECT source_id, run_id FROM source_runs "
            "WHERE ok AND fetch_status = 'fetched' QUALIFY row_number() OVER ("
            "PARTITION BY source_id ORDER BY fetched_at DESC, run_id DESC) = 1) "
            "SELECT r.source_id, count(*) FROM rejects r JOIN last_read l "
            "ON l.source_id = r.source_id AND l.run_id = r.last_run_id GROUP BY ALL"
        ).fetchall()
    )
    streaks = failing_days(con)
    return [
        SourceStatus(
            source_id=r.source_id,
            kind=r.kind,
            ok=r.ok,
            fetch_status={"not_modified": "unchanged"}.get(r.fetch_status, r.fetch_status),
            rows=int(held.get(r.source_id, 0)),
            rejected=int(rejected.get(r.source_id, 0)),
            reason=r.reason,
            failing_days=(
                streaks.get(r.source_id, 0)
                if not r.ok and streaks.get(r.source_id, 0) >= flag_after_days
                else 0
            ),
        )
        for r in results
    ]


def failing_lines(sources: list[dict]) -> list[str]:
    """The run summary's line for each source flagged as failing day after day."""
    return [
        f"source {s['source_id']} has failed {s['failing_days']} days in a row: {s['reason']}"
        for s in sources
        if s.get("failing_days")
    ]


def compute_edition(
    cfg: Config, day: date, run_id: str, results: Sequence[SourceResult]
) -> tuple[Edition, int, int, int]:
    """Estimates, signals and the edition for `day`; stores estimates and signals."""
    with open_store(cfg.database) as con:
        cfg = cfg.model_copy(update={"workloads": measured_workloads(con, cfg)})
        last = last_edition_before(con, day)
        window_start = last or day - timedelta(days=cfg.edition.lookback_days)
        # only what the day can use: its own facts, the day before (incumbents) and the
        # window's start (repricings, news)
        facts = load_facts(con, cfg, [day, day - timedelta(days=1), window_start])
        sig = day_signals(
            facts,
            cfg.workloads,
            day,
            window_start,
            cfg.capability_words(),
            cfg.noise_floors(),
            claims_cheaper=cheaper_claims(con),
            lineage=cfg.lineage,
            min_age_days=cfg.edition.incumbent_min_age_days,
        )
        run(con, "BEGIN TRANSACTION")
        n_est = save_estimates(con, sig, run_id)
        pause_point("estimates")  # test hook: killed with the transaction open
        n_sig = save_signals(con, day, sig.comparisons, run_id)
        run(con, "COMMIT")
        sources = statuses(con, results, cfg.edition.flag_failing_source_days)
        posts = release_posts(con, window_start, day, [i.model for i in sig.items])
    edition = build_edition(cfg, facts, sig, sources, posts)
    return edition, n_est, n_sig, len(sig.comparisons)


def publish_draft(cfg: Config, edition: Edition, run_id: str, now: datetime) -> DraftOutcome:
    """Add the run's draft to the edition's revisions; write the brief's files only when it
    became the current revision (an edition an editor changed, approved or published keeps
    its revision and its files untouched, and the diff against it is reported)."""
    from flows.review import edits, state

    outcome = state.record_machine(cfg.review_database, edition, run_id)
    edition = edition.model_copy(update={"revision": outcome.revision})
    changes: list[str] = []
    paths: dict[str, str] = {}
    if outcome.current:
        out_dir = cfg.output / edition.edition_date.isoformat()
        written = write_edition(edition, out_dir, cfg.templates)
        paths = {k: str(v) for k, v in written.items()}
        texts = {k: written[k].read_text(encoding="utf-8") for k in ("html", "md", "txt")}
    else:
        assert outcome.reference is not None
        kept = state.get_revision(cfg.review_database, edition.edition_date, outcome.reference)
        changes = edits.diff_lines(kept.edition(), edition, cfg.templates)
        texts = render_edition(edition, cfg.templates)
    with open_store(cfg.database) as con:
        run(con, "DELETE FROM editions WHERE edition_date = ?", [edition.edition_date])
        insert_rows(
            con,
            "INSERT INTO editions BY NAME",
            [
                {
                    "edition_date": edition.edition_date,
                    "content": edition.model_dump_json(),
                    "html": texts["html"],
                    "markdown": texts["md"],
                    "text": texts["txt"],
                    "run_id": run_id,
                    "updated_at": now,
                }
            ],
        )
    return DraftOutcome(paths, outcome.state, outcome.revision, outcome.reference, changes)


@dataclass
class DraftOutcome:
    """Where a run's draft went: its files (none when an editor's revision was kept), the
    edition's state, the machine revision, and the kept revision with the diff against it."""

    outputs: dict[str, str]
    state: str
    revision: int
    kept: int | None = None
    changes: list[str] = field(default_factory=list)


def finish_run(cfg: Config, summary: RunSummary, now: datetime) -> None:
    with open_store(cfg.database) as con:
        run(
            con,
            "UPDATE runs SET finished_at = ?, status = ?, sources_ok = ?, sources_failed = ?, "
            "rows_new = ?, rows_rejected = ?, signals = ? WHERE run_id = ?",
            [
                now,
                summary.status,
                len(summary.sources) - len(summary.failed),
                len(summary.failed),
                sum(s.rows_new for s in summary.sources),
                sum(s.rejected for s in summary.sources),
                summary.signals,
                summary.run_id,
            ],
        )


def refresh_snapshot(cfg: Config) -> tuple[str, list[str]]:
    """Publish the analysts' snapshot of the store (flows/store/snapshot.py): its path, or a
    warning when it could not be written (the run's work is kept either way)."""
    from flows.store.snapshot import publish_snapshot

    try:
        with open_store(cfg.database) as con:
            snap = publish_snapshot(con, cfg.snapshot, cfg.review_database)
    except (duckdb.Error, sqlite3.Error, OSError) as exc:
        return "", [f"the analysts' snapshot was not refreshed: {type(exc).__name__}: {exc}"]
    return str(snap.path), []


def price_check_line(check: dict) -> str:
    """One disagreement between price lists, for the run summary."""
    return (
        f"{check['model']}: {check['field']} ${check['used']:.4g} per 1M tokens "
        f"({check['used_source']}) against ${check['other']:.4g} ({check['other_source']})"
    )


def summary_markdown(summary: RunSummary) -> str:
    """The run summary as Markdown, for the Prefect UI."""
    lines = [
        f"# Morning Brief {summary.edition_date.isoformat()}",
        f"{summary.items} signal items, {summary.pending} releases without a bill, "
        f"{summary.signals} comparisons stored.",
        "",
        "| source | fetch | rows | new | updated | rejected | unresolved | reason |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {s.source_id} | {s.fetch_status} | {s.rows_read} | {s.rows_new} | "
        f"{s.rows_updated} | {s.rejected} | {len(s.unresolved)} | {s.reason or ''} |"
        for s in summary.sources
    ]
    for s in summary.sources:
        if s.unresolved:
            more = f" and {len(s.unresolved) - 20} more" if len(s.unresolved) > 20 else ""
            lines.append(
                f"- {s.source_id}: names matching no known model: "
                f"{', '.join(s.unresolved[:20])}{more}"
            )
    lines += [
        f"- {s.source_id}: {s.meaning_changed} stored value(s) changed meaning "
        "(scale percent <-> rating)"
        for s in summary.sources
        if s.meaning_changed
    ]
    if summary.price_checks:
        lines += ["", "Price lists disagreeing by more than the tolerance:"]
        lines += [f"- {line}" for line in summary.price_checks]
    lines += [f"- Warning: {w}" for w in summary.warnings]
    if summary.stages:
        lines += ["", "| stage | seconds | count | detail |", "|---|---|---|---|"]
        lines += [
            f"| {st.stage} | {st.seconds:.2f} | {'' if st.count is None else st.count} | "
            f"{st.detail} |"
            for st in summary.stages
        ]
    if summary.kept_revision is not None:
        lines += [
            "",
            f"The edition is {summary.edition_status}: revision {summary.kept_revision} and its "
            f"files are kept; this run's draft is revision {summary.revision}.",
        ]
        if summary.changes:
            lines += ["", "```diff", *summary.changes, "```"]
    else:
        lines += ["", "Files: " + ", ".join(summary.outputs.values())]
    return "\n".join(lines)
