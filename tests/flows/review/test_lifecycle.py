"""The editorial store on its own: states, append-only revisions, conflicts, publishing twice,
and editors' text made plain on save and escaped again on render."""

from __future__ import annotations

import email
import sqlite3
import threading
from datetime import UTC, date, datetime
from email import policy
from pathlib import Path

import pytest

from flows.brief.render import render_edition
from flows.config import load_config
from flows.review import edits, publish, state

DAY = date(2026, 6, 11)


@pytest.fixture
def cfg(tmp_path: Path, make_config):
    return load_config(make_config(tmp_path))


@pytest.fixture
def drafted(cfg, sample_edition):
    edition = sample_edition().model_copy(update={"edition_date": DAY})
    outcome = state.record_machine(cfg.review_database, edition, "run-1")
    assert (outcome.revision, outcome.state, outcome.current) == (1, "draft", True)
    return edition


def _edit(headline: str, text: str | None = None, included: bool = True):
    def change(ed):
        item = ed.items[0].model_copy(update={"headline": headline, "text": text})
        item = item.model_copy(update={"included": included})
        return ed.model_copy(update={"items": [item, *ed.items[1:]]})

    return change


def test_a_machine_rerun_replaces_only_an_untouched_draft(cfg, drafted) -> None:
    db = cfg.review_database
    again = state.record_machine(db, drafted, "run-2")
    assert (again.revision, again.current) == (2, True)
    state.save_revision(db, DAY, 2, "ada", _edit("Ada's headline"))
    third = state.record_machine(db, drafted, "run-3")
    assert (third.revision, third.current, third.reference) == (4, False, 3)
    assert state.read_state(db, DAY).current_revision == 3
    assert state.get_revision(db, DAY).edition().items[0].headline == "Ada's headline"


def test_approval_publication_and_rejection(cfg, drafted) -> None:
    db = cfg.review_database
    assert state.approve(db, DAY, "ada") == 1
    rerun = state.record_machine(db, drafted, "run-2")
    assert (rerun.state, rerun.current, rerun.reference) == ("approved", False, 1)
    # an edit withdraws the approval; the edition is a draft again
    state.save_revision(db, DAY, 1, "bob", _edit("Bob's headline"))
    assert state.read_state(db, DAY).state == "draft"
    assert state.read_state(db, DAY).approved_revision is None
    state.reject(db, DAY, "ada", "  the price source is stale ")
    found = state.read_state(db, DAY)
    assert (found.state, found.reason) == ("rejected", "the price source is stale")
    with pytest.raises(state.ReviewError, match="reason"):
        state.reject(db, DAY, "ada", "   ")
    # a run after a rejection drafts afresh
    assert state.record_machine(db, drafted, "run-3").current
    assert state.read_state(db, DAY).state == "draft"
    actions = [e.action for e in state.events(db, DAY)]
    assert actions == [
        "drafted",
        "approved",
        "redrafted beside",
        "approval withdrawn",
        "saved",
        "rejected",
        "drafted",
    ]


def test_a_stale_save_is_refused_and_writes_nothing(cfg, drafted) -> None:
    db = cfg.review_database
    state.save_revision(db, DAY, 1, "ada", _edit("Ada's"))
    with pytest.raises(state.Conflict) as caught:
        state.save_revision(db, DAY, 1, "bob", _edit("Bob's"))
    assert (caught.value.based_on, caught.value.current) == (1, 2)
    assert [r.revision for r in state.revisions(db, DAY)] == [1, 2]
    with pytest.raises(state.Conflict):
        state.approve(db, DAY, "bob", revision=1)


def test_two_savers_at_once_one_wins(cfg, drafted) -> None:
    db = cfg.review_database
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def save(name: str) -> None:
        barrier.wait()
        try:
            results[name] = state.save_revision(db, DAY, 1, name, _edit(f"{name}'s"))
        except state.Conflict as exc:
            results[name] = exc

    threads = [threading.Thread(target=save, args=(n,)) for n in ("ada", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [n for n, r in results.items() if r == 2]
    lost = [n for n, r in results.items() if isinstance(r, state.Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert state.get_revision(db, DAY).edition().items[0].headline == f"{won[0]}'s"


def test_revisions_and_the_audit_trail_are_append_only(cfg, drafted) -> None:
    with sqlite3.connect(cfg.review_database) as con:
        for sql in (
            "UPDATE revisions SET author = 'x'",
            "DELETE FROM revisions",
            "UPDATE events SET actor = 'x'",
            "DELETE FROM events",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(sql)


def test_restore_is_a_new_revision(cfg, drafted) -> None:
    db = cfg.review_database
    state.save_revision(db, DAY, 1, "ada", _edit("Ada's"))
    assert state.restore(db, DAY, 1, 2, "bob") == 3
    assert state.get_revision(db, DAY, 3).content == state.get_revision(db, DAY, 1).content
    assert state.events(db, DAY)[-1].detail["restored"] == 1


def test_publishing_twice_gives_the_same_bytes(cfg, drafted, tmp_path: Path) -> None:
    db = cfg.review_database
    with pytest.raises(state.ReviewError, match="approve it first"):
        publish.publish(cfg, DAY, "ada")
    state.approve(db, DAY, "ada")
    first = publish.publish(cfg, DAY, "ada")
    files = {name: path.read_bytes() for name, path in first.paths.items()}
    second = publish.publish(cfg, DAY, "bob")
    assert {name: path.read_bytes() for name, path in second.paths.items()} == files
    assert set(files) == {"brief.html", "brief.md", "brief.txt", "brief.eml", "chart.png"}
    published = [e for e in state.events(db, DAY) if e.action == "published"]
    assert [e.actor for e in published] == ["ada", "bob"]
    with pytest.raises(state.ReviewError, match="published"):
        state.save_revision(db, DAY, 1, "ada", _edit("late"))
    message = email.message_from_bytes(files["brief.eml"], policy=policy.default)
    assert message["Subject"].startswith("Morning Brief")
    assert message.get_body(("plain",)).get_content().startswith("Morning Brief")
    assert "Northwind Mini 3" in message.get_body(("html",)).get_content()


def test_the_chart_is_inline_in_the_html_and_the_email(cfg, sample_edition) -> None:
    from flows.brief.content import Chart, ChartPoint

    chart = Chart(
        workload="support_chat",
        workload_label="support chat",
        benchmark_label="GPQA Diamond",
        points=[
            ChartPoint(model_label="A", score=80, cost_per_success=0.01, role="candidate"),
            ChartPoint(model_label="B", score=70, cost_per_success=0.02, role="incumbent"),
        ],
    )
    edition = sample_edition().model_copy(update={"edition_date": DAY, "chart": chart})
    state.record_machine(cfg.review_database, edition, "run-1")
    out = publish.render_outputs(
        cfg, state.get_revision(cfg.review_database, DAY), datetime(2026, 6, 11, tzinfo=UTC), []
    )
    assert 'src="data:image/png;base64,' in out.files["brief.html"].decode()
    assert out.files["chart.png"].startswith(b"\x89PNG")
    message = email.message_from_bytes(out.files["brief.eml"], policy=policy.default)
    html = message.get_body(("html",))
    assert 'src="cid:chart"' in html.get_content()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<chart>"
    assert images[0].get_content() == out.files["chart.png"]


def test_a_large_brief_warns_before_gmail_clips_it(tmp_path: Path, make_config, sample_edition):
    cfg = load_config(make_config(tmp_path))
    cfg = cfg.model_copy(
        update={"email": cfg.email.model_copy(update={"clip_warning_bytes": 1000})}
    )
    state.record_machine(cfg.review_database, sample_edition(), "run-1")
    day = sample_edition().edition_date
    out = publish.render_outputs(
        cfg, state.get_revision(cfg.review_database, day), datetime(2026, 6, 11, tzinfo=UTC), []
    )
    assert out.warnings and "Gmail clips" in out.warnings[0]


HOSTILE = [
    "<script>alert('lead')</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(2)">click</a>',
    "[x](javascript:alert(3))",
    "- a list? # a heading? > a quote?",
]


def test_editor_text_is_plain_on_save_and_escaped_on_render(sample_edition) -> None:
    assert edits.editor_text("<script>alert(1)</script>Hi <b>there</b>") == "Hi there"
    assert edits.editor_text("a < b & c\u200b") == "a < b & c"
    assert edits.editor_text("   ") is None
    with pytest.raises(ValueError, match="at most"):
        edits.editor_text("x" * 5000)
    base = sample_edition()
    changes = edits.Changes(
        lead="\n\n".join(HOSTILE),
        items=[
            edits.ItemChange(index=0, rank=2, headline="Edited <b>bold</b> head", text=HOSTILE[3]),
            edits.ItemChange(index=1, included=False, rank=1, headline=base.items[1].headline),
            edits.ItemChange(index=2, rank=1, headline="a < b", text="1. not a list"),
        ],
    )
    edited = edits.apply_changes(base, changes)
    assert [i.rank for i in edited.items] == [3, 1, 2]  # ties keep their order
    shown = edited.shown_items()
    assert [i.headline for i in shown] == ["a < b", "Edited bold head"]
    assert edits.describe(base, edited)["excluded"] == [base.items[1].model]
    shape = edited.to_json()
    assert shape["lead"].startswith("click\n\n[x](javascript:alert(3))")
    assert [i.get("text") for i in shape["items"]] == ["1. not a list", "[x](javascript:alert(3))"]
    assert "text" not in base.to_json()["items"][0] and "lead" not in base.to_json()
    out = render_edition(edited)
    assert base.items[1].headline not in out["txt"]
    assert "<script" not in out["html"] and "onerror" not in out["html"]
    assert "a &lt; b" in out["html"] and "a < b" in out["txt"]
    assert r"\[x\](javascript:alert(3))" in out["md"]
    assert r"1\. not a list" in out["md"]
    assert r"\- a list? \# a heading?" in out["md"]


def test_a_rerun_of_an_approved_date_keeps_its_files_and_reports_the_change(
    cfg, sample_edition
) -> None:
    from datetime import datetime

    from flows.pipeline import publish_draft

    edition = sample_edition()
    now = datetime(2026, 6, 11, 6, 15, tzinfo=UTC)
    first = publish_draft(cfg, edition, "run-1", now)
    files = {k: Path(v).read_bytes() for k, v in first.outputs.items()}
    assert (first.state, first.revision, first.kept) == ("draft", 1, None)
    state.approve(cfg.review_database, edition.edition_date, "ada")
    item = edition.items[0].model_copy(update={"headline": "A later source changed this"})
    redone = edition.model_copy(update={"items": [item, *edition.items[1:]]})
    again = publish_draft(cfg, redone, "run-2", now)
    assert (again.state, again.revision, again.kept, again.outputs) == ("approved", 2, 1, {})
    assert {k: Path(v).read_bytes() for k, v in first.outputs.items()} == files
    assert any(line.startswith("+") and "A later source" in line for line in again.changes)
    assert state.get_revision(cfg.review_database, edition.edition_date).revision == 1
