"""The editorial commands of `brief`: list drafts, show, approve, reject, publish, review."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer
from rich.table import Table

from flows.brief.safety import rich_text
from flows.review import state
from flows.terminal import (
    EXIT_RUN_FAILED,
    ConfigOpt,
    JsonOpt,
    config_or_exit,
    err,
    fail,
    out,
    parse_day,
    print_json,
    read_store,
)

DateArg = Annotated[str, typer.Argument(help="Edition date, YYYY-MM-DD.")]
EditorOpt = Annotated[
    str | None,
    typer.Option(
        "--editor",
        help="Who does it, for the audit trail (default: $BRIEF_EDITOR, else your login name).",
    ),
]
RevisionOpt = Annotated[
    int | None, typer.Option("--revision", "-r", min=1, help="A revision number.")
]


def editor_name(given: str | None) -> str:
    """The editor named on the command line, in $BRIEF_EDITOR, or the login name."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry and no $USER
        login = ""
    name = (given or os.environ.get("BRIEF_EDITOR") or login).strip()
    if not name:
        raise fail("name the editor with --editor")
    return name


def _refused(exc: Exception) -> typer.Exit:
    if isinstance(exc, state.Conflict):
        return fail(
            f"edition {exc.edition_date.isoformat()} is at revision {exc.current}, not "
            f"{exc.based_on}: look at it again (brief show {exc.edition_date.isoformat()})"
        )
    return fail(str(exc))


def show(
    date_: DateArg,
    config: ConfigOpt = None,
    revision: RevisionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a date's edition as editors left it (the current revision, or --revision).

    `--json` prints the edition shape of the signal model (section 8), with its state and
    revision; without the review store's record it shows the day's machine draft.

    Example: brief show 2025-08-08 --json
    """
    from flows.brief.content import Edition
    from flows.brief.render import render_edition

    cfg = config_or_exit(config)
    day = parse_day(date_)
    found = state.read_state(cfg.review_database, day)
    if found is not None:
        try:
            rev = state.get_revision(cfg.review_database, day, revision)
        except state.ReviewError as exc:
            raise fail(str(exc)) from None
        edition = rev.edition(found.state)
    else:
        if revision is not None:
            raise fail(f"edition {day.isoformat()} has no revisions in the review store")
        with read_store(cfg) as con:
            rows = con.execute(
                "SELECT content FROM editions WHERE edition_date = ?", [day]
            ).fetchall()
        if not rows:
            raise fail(
                f"no edition for {day.isoformat()}: make it with "
                f"`brief run --date {day.isoformat()}`"
            )
        edition = Edition.model_validate_json(rows[0][0])
    if as_json:
        print_json(edition.to_json())
    else:
        md = render_edition(edition, cfg.templates, kinds=("md",))["md"]
        out.print(md, markup=False, highlight=False)


def drafts(
    config: ConfigOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="How many editions, newest first.")] = 30,
    as_json: JsonOpt = False,
) -> None:
    """List the editions with their state and revisions, newest first.

    Example: brief drafts --limit 10
    """
    cfg = config_or_exit(config)
    rows = state.list_editions(cfg.review_database, limit)
    if as_json:
        print_json(
            [
                {
                    "edition_date": r.edition_date.isoformat(),
                    "state": r.state,
                    "current_revision": r.current_revision,
                    "approved_revision": r.approved_revision,
                    "published_revision": r.published_revision,
                    "revisions": r.revisions,
                    "reason": r.reason,
                    "updated_at": r.updated_at,
                }
                for r in rows
            ]
        )
        return
    table = Table("date", "state", "revision", "revisions", "updated", "reason", title="Editions")
    for r in rows:
        table.add_row(
            r.edition_date.isoformat(),
            r.state,
            str(r.current_revision),
            str(r.revisions),
            r.updated_at,
            rich_text(r.reason or ""),
        )
    out.print(table)
    if not rows:
        out.print("No editions yet: `brief run` drafts one.", highlight=False)


def approve(
    date_: DateArg,
    config: ConfigOpt = None,
    revision: Annotated[
        int | None,
        typer.Option(
            "--revision", "-r", min=1, help="The revision you read; refused if it is not current."
        ),
    ] = None,
    editor: EditorOpt = None,
) -> None:
    """Approve a date's current revision for publishing.

    Example: brief approve 2025-08-08 --revision 3 --editor "Ada"
    """
    cfg = config_or_exit(config)
    day = parse_day(date_)
    try:
        number = state.approve(cfg.review_database, day, editor_name(editor), revision)
    except (state.ReviewError, state.Conflict) as exc:
        raise _refused(exc) from None
    out.print(f"Edition {day.isoformat()} approved at revision {number}.", highlight=False)


def reject(
    date_: DateArg,
    reason: Annotated[str, typer.Option("--reason", help="Why it must not go out.")],
    config: ConfigOpt = None,
    editor: EditorOpt = None,
) -> None:
    """Reject a date's edition, with the reason; the next run drafts it afresh.

    Example: brief reject 2025-08-08 --reason "the price source is stale"
    """
    cfg = config_or_exit(config)
    day = parse_day(date_)
    try:
        number = state.reject(cfg.review_database, day, editor_name(editor), reason)
    except state.ReviewError as exc:
        raise _refused(exc) from None
    out.print(f"Edition {day.isoformat()} rejected (revision {number}).", highlight=False)


def publish(
    date_: DateArg,
    config: ConfigOpt = None,
    editor: EditorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the approved revision's final files (HTML, Markdown, text, .eml) and record who
    published it. Publishing the same revision again writes the same bytes.

    Example: brief publish 2025-08-08 --editor "Ada"
    """
    from flows.review.publish import publish as publish_revision

    cfg = config_or_exit(config)
    day = parse_day(date_)
    try:
        done = publish_revision(cfg, day, editor_name(editor))
    except state.ReviewError as exc:
        raise _refused(exc) from None
    except OSError as exc:
        raise fail(f"the files could not be written: {exc}", EXIT_RUN_FAILED) from None
    if as_json:
        print_json(
            {
                "edition_date": day.isoformat(),
                "revision": done.revision,
                "files": {name: str(path) for name, path in done.paths.items()},
                "warnings": done.warnings,
            }
        )
        return
    out.print(
        f"Edition {day.isoformat()} revision {done.revision} published to {done.folder}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for path in done.paths.values():
        out.print(f"  {path}", markup=False, highlight=False, soft_wrap=True)
    for warning in done.warnings:
        err.print(f"Warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def review(
    config: ConfigOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8765,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="BRIEF_REVIEW_TOKEN",
            help="Access token, required to listen beyond loopback ($BRIEF_REVIEW_TOKEN).",
        ),
    ] = None,
    editor: EditorOpt = None,
) -> None:
    """Serve the review app: editions, previews, edits, evidence, approval and publishing.

    It listens on 127.0.0.1 unless --host says otherwise; any other address needs --token,
    and every visitor then signs in with it once.

    Example: brief review --port 8765
    """
    from flows.review.app import LOOPBACK, make_app, serve

    cfg = config_or_exit(config)
    if host not in LOOPBACK and not token:
        raise fail(f"listening on {host} needs --token (or $BRIEF_REVIEW_TOKEN): editors sign in")
    app = make_app(cfg, token=token, default_editor=editor_name(editor))
    serve(app, host, port)
