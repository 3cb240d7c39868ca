"""A corpus of hostile sources through `brief run`: feeds, tables, names, links, reason phrases and
content types served by the loopback fault server or written as files. The run exits 0 or 3
without a traceback, and no script, event handler, `javascript:`/`data:` link or raw HTML reaches
the HTML, the Markdown or the text, checked by parsing the outputs and in headless chromium.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from signals.text import INVISIBLE

if TYPE_CHECKING:
    from tests.support.faultserver import FaultServer

SVG = "<svg/onload=alert('name')>"
MATH = "acme-$\\notacommand$-9"
PRICES = f"""model,provider,effective_from,input,output,known_from,evidence_url
base-model,house,2025-06-01,0.5,1,2025-06-01,https://house.example/prices
"{SVG}",house,2025-08-07,1,2,2025-08-07,javascript:alert('price')
"{MATH}",house,2025-08-07,1,2,2025-08-07,data:text/html,x
gpt\u200b-5 [/],house,2025-08-07,1,2,2025-08-07,https://ok.example/a_(b)
"""
SCORES = f"""model,benchmark,as_of,value,scale,evidence_url,known_from
base-model,gpqa-diamond,2025-06-01,60,percent,https://house.example/scores,2025-06-01
"{SVG}",gpqa-diamond,2025-08-07,90,percent,javascript:alert('score'),2025-08-07
"{MATH}",gpqa-diamond,2025-08-07,85,percent,https://ok.example/x,2025-08-07
gpt\u200b-5 [/],gpqa-diamond,2025-08-07,88,percent,vbscript:x,2025-08-07
"<img src=x onerror=alert('pending')>",gpqa-diamond,2025-08-07,70,percent,,2025-08-07
"""


@pytest.fixture(scope="module")
def outputs(make_config, module_fault_server: FaultServer, tmp_path_factory) -> dict[str, str]:
    """The run's exit code, console output, what the deep feed left in the store, and the
    three outputs."""
    server = module_fault_server
    tmp_path = tmp_path_factory.mktemp("hostile")
    # one entry of 200,000 nested <div>s (2.2 MB) beside a normal one: set aside within its
    # budget, the other entry goes in, and the run goes on
    nested = "<div>" * 200_000 + "x" + "</div>" * 200_000
    server.state["changing"] = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>deep</title>'
        "<link>https://deep.example/</link><description>d</description>"
        f"<item><title>Deep</title><guid>deep-1</guid><description><![CDATA[{nested}]]>"
        "</description></item><item><title>Fine</title><guid>deep-2</guid>"
        "<link>https://deep.example/fine</link><description>fine</description></item>"
        "</channel></rss>"
    ).encode()
    (tmp_path / "prices.csv").write_text(PRICES, encoding="utf-8")
    (tmp_path / "scores.csv").write_text(SCORES, encoding="utf-8")
    sources = [
        {
            "id": "evil-feed",
            "kind": "feed",
            "format": "feed",
            "url": server.url("/hostile.xml"),
        },
        {
            "id": "evil-reason",
            "kind": "feed",
            "format": "feed",
            "url": server.url("/hostile-reason"),
        },
        {
            "id": "evil-type",
            "kind": "feed",
            "format": "feed",
            "url": server.url("/hostile-type"),
        },
        {"id": "not-a-feed", "kind": "feed", "format": "feed", "url": server.url("/html")},
        {
            "id": "deep-feed",
            "kind": "feed",
            "format": "feed",
            "url": server.url("/changing.xml"),
        },
        {
            "id": "house-prices",
            "kind": "prices",
            "format": "canonical",
            "path": str(tmp_path / "prices.csv"),
            "as_of": "2025-08-07",
        },
        {
            "id": "house-scores",
            "kind": "scores",
            "format": "canonical",
            "path": str(tmp_path / "scores.csv"),
            "as_of": "2025-08-07",
        },
    ]
    cfg = make_config(
        tmp_path, sources=sources, fetch={"allow_private_hosts": ["127.0.0.1"], "retries": 0}
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    brief = Path(sys.executable).with_name("brief")
    proc = subprocess.run(
        [str(brief), "run", "--date", "2025-08-08", "--config", str(cfg)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    folder = tmp_path / "out" / "2025-08-08"
    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        deep = con.execute("SELECT reason FROM rejects WHERE source_id = 'deep-feed'").fetchall()
        kept = con.execute("SELECT title FROM entries WHERE source_id = 'deep-feed'").fetchall()
    return {
        "rc": str(proc.returncode),
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "deep_rejects": "\n".join(r[0] for r in deep),
        "deep_kept": repr(kept),
        **{
            kind: (folder / f"brief.{kind}").read_text(encoding="utf-8")
            for kind in ("html", "md", "txt")
        },
    }


def test_the_run_finishes_without_a_traceback(outputs: dict[str, str]) -> None:
    assert outputs["rc"] in ("0", "3"), outputs["stderr"]
    assert "Traceback" not in outputs["stdout"] + outputs["stderr"], outputs["stderr"][-4000:]
    # the reason phrase is shown as written, brackets included, in the console too
    assert "[/]" in " ".join(outputs["stdout"].split())


def test_the_nested_entry_is_set_aside_and_the_other_goes_in(outputs: dict[str, str]) -> None:
    assert "set aside" in outputs["deep_rejects"], outputs["deep_rejects"]
    assert outputs["deep_kept"] == "[('Fine',)]"


def test_the_hostile_names_made_the_brief(outputs: dict[str, str]) -> None:
    # the corpus did reach the outputs (as text): the checks below are not vacuous
    assert "&lt;svg" in outputs["html"] and "&lt;script&gt;" in outputs["html"]
    assert "<svg " in outputs["txt"] and "<script>alert('reason')</script>" in outputs["txt"]
    assert "GPT-5 [ ]" in outputs["txt"]  # the zero-width space is gone: read as it looks
    assert "not-a-feed" in outputs["txt"]  # a page that is not a feed is a failed source


def test_no_markup_from_sources_in_any_output(
    outputs: dict[str, str], assert_safe_html, rendered_markdown, html_tags, md_tags
) -> None:
    assert_safe_html(outputs["html"], html_tags)
    assert_safe_html(rendered_markdown(outputs["md"]), md_tags)
    for kind in ("html", "md", "txt"):
        assert not INVISIBLE.search(outputs[kind]), kind
    assert "javascript:" not in outputs["md"].lower().replace("\\", "") or all(
        "](javascript:" not in line.lower() for line in outputs["md"].splitlines()
    )


def test_no_dialog_fires_in_chromium(
    outputs: dict[str, str], tmp_path: Path, rendered_markdown, dialogs_in_chromium
) -> None:
    pages = {
        "brief.html": outputs["html"],
        "markdown.html": f"<html><body>{rendered_markdown(outputs['md'])}</body></html>",
    }
    assert dialogs_in_chromium(pages, tmp_path) == []
