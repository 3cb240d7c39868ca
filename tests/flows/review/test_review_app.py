"""The review app end to end: a real `brief run` on the bundled sources plus a hostile feed, the
app served by uvicorn on 127.0.0.1, and editors in Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from flows.brief.safety import safe_url
from flows.config import load_config
from flows.review import state
from flows.review.app import make_app

DAY = date(2025, 8, 8)
HOSTILE_DAY = date(2025, 8, 5)
ARTIFACTS = Path(
    os.environ.get("BRIEF_TEST_ARTIFACTS", Path(__file__).parents[3] / "test-artifacts")
)
FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Hostile lab</title><link>https://hostile.example/</link>
<description>news</description>
<item><title>&lt;script&gt;alert('title')&lt;/script&gt;Introducing GPT-5 mini &lt;img src=x
onerror=alert('img')&gt;</title><link>https://hostile.example/gpt-5-mini</link><guid>h1</guid>
<pubDate>Sat, 02 Aug 2025 00:00:01 GMT</pubDate>
<description>&lt;a href="javascript:alert('summary')"&gt;GPT-5 mini&lt;/a&gt; scores 57.8% on
SWE-bench Verified &lt;script&gt;alert('summary')&lt;/script&gt;</description></item>
<item><title>&lt;a href="javascript:alert('link')" onmouseover="alert('hover')"&gt;Introducing
Claude Opus 4.1&lt;/a&gt;</title><link>javascript:alert('entry-link')</link><guid>h2</guid>
<pubDate>Sat, 02 Aug 2025 00:00:02 GMT</pubDate><description>x</description></item>
</channel></rss>
"""
PAYLOAD = "<script>alert('x')</script><img src=x onerror=alert('y')>"


class Served:
    """The review app on a free loopback port, in a thread of this process."""

    def __init__(self, app) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the review app did not start"
            time.sleep(0.05)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


@pytest.fixture(scope="module")
def site(
    tmp_path_factory, bundled: Path, make_config, brief
) -> Iterator[tuple[Path, object, Served]]:
    """A folder with the bundled sources and a hostile feed, the sample day drafted by a real
    run, and the app serving it."""
    folder = tmp_path_factory.mktemp("review")
    (folder / "hostile.xml").write_text(FEED)
    with (bundled / "brief.toml").open("rb") as fh:
        sources = [dict(s) for s in tomllib.load(fh)["sources"]]
    for s in sources:
        if "path" in s:
            s["path"] = str((bundled / s["path"]).resolve())
    sources.append({"id": "hostile-lab", "kind": "feed", "format": "feed", "path": "hostile.xml"})
    path = make_config(folder, sources)
    done = brief("run", "--config", str(path), "--date", DAY.isoformat(), cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    cfg = load_config(path)
    served = Served(make_app(cfg, default_editor="Ada"))
    try:
        yield folder, cfg, served
    finally:
        served.close()


@pytest.fixture(scope="module")
def browser(chromium: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            yield launched
        finally:
            launched.close()


def _page(browser, editor: str):
    """A fresh browser session (its own cookies) for one editor, off the network."""
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1", "file:"))
            else route.abort()
        ),
    )
    page.dialogs = dialogs  # type: ignore[attr-defined]
    page.editor = editor  # type: ignore[attr-defined]
    return page


def _sign_as(page, base: str, name: str) -> None:
    page.goto(base + "/")
    page.fill("input[name=editor]", name)
    page.click("header button")


def test_a_hostile_feed_and_a_hostile_revision_stay_inert(
    site, browser, assert_inert, brief
) -> None:
    folder, cfg, served = site
    # the feed entry reached the day's edition, its markup stripped at ingest
    content = state.get_revision(cfg.review_database, DAY).content
    assert "Introducing GPT-5 mini" in content and "<script" not in content
    # a machine revision carrying raw markup everywhere (as if a source had kept it)
    drafted = state.get_revision(cfg.review_database, DAY).edition()
    items = [
        item.model_copy(
            update={
                "headline": PAYLOAD + item.headline,
                "model_label": PAYLOAD,
                "sources": [
                    s.model_copy(update={"label": PAYLOAD, "url": "https://ok.example/a"})
                    for s in item.sources
                ],
            }
        )
        for item in drafted.items
    ]
    hostile = drafted.model_copy(update={"edition_date": HOSTILE_DAY, "items": items})
    hostile = hostile.model_copy(update={"lead": PAYLOAD, "title": PAYLOAD})
    state.record_machine(cfg.review_database, hostile, "hostile")
    page = _page(browser, "Ada")
    for day in (DAY, HOSTILE_DAY):
        page.goto(f"{served.url}/editions/{day.isoformat()}")
        page.wait_for_load_state("load")
        assert page.evaluate("document.querySelectorAll('script, svg').length") == 0
        frame = page.frame_locator("iframe.preview")
        assert frame.locator("body").inner_text(timeout=10_000)
        assert_inert(page.content())
        for link in page.query_selector_all("a"):
            href = link.get_attribute("href") or ""
            assert href.startswith("/") or safe_url(href) == href, href
        page.wait_for_timeout(200)
    assert "<script>alert('x')</script>" in page.inner_text("body")  # shown as text
    assert page.dialogs == []
    state.approve(cfg.review_database, HOSTILE_DAY, "Ada")
    done = brief("publish", HOSTILE_DAY.isoformat(), "--config", str(cfg.path), cwd=folder)
    assert done.returncode == 0, done.stderr
    out = folder / "out" / HOSTILE_DAY.isoformat() / "published"
    assert_inert((out / "brief.html").read_text())
    assert "&lt;script&gt;" in (out / "brief.html").read_text()
    assert "<script" not in (out / "brief.md").read_text()
    page.goto((out / "brief.html").as_uri())
    page.wait_for_timeout(200)
    assert page.dialogs == []


def test_writes_need_the_csrf_token_and_far_listeners_a_sign_in(site) -> None:
    _, cfg, served = site
    with httpx.Client(base_url=served.url) as client:
        client.get("/")
        refused = client.post(f"/editions/{DAY.isoformat()}/approve", data={"based_on": "1"})
        assert refused.status_code == 403
    assert state.read_state(cfg.review_database, DAY).state == "draft"
    guarded = Served(make_app(cfg, token="s3cret-token"))
    try:
        with httpx.Client(base_url=guarded.url) as client:
            first = client.get("/")
            assert first.status_code == 303 and first.headers["location"].startswith("/signin")
            csrf = client.cookies["brief_csrf"]
            bad = client.post("/signin", data={"token": "nope", "csrf": csrf})
            assert bad.status_code == 401
            good = client.post("/signin", data={"token": "s3cret-token", "csrf": csrf})
            assert good.status_code == 303
            assert client.get("/").status_code == 200
    finally:
        guarded.close()
    from flows.cli import app

    result = CliRunner().invoke(app, ["review", "--config", str(cfg.path), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--token" in result.output


def test_two_editors_saving_from_one_revision(site, browser) -> None:
    _, cfg, served = site
    number = state.read_state(cfg.review_database, DAY).current_revision
    ada, bob = _page(browser, "Ada"), _page(browser, "Bob")
    for page in (ada, bob):
        _sign_as(page, served.url, page.editor)
        page.goto(f"{served.url}/editions/{DAY.isoformat()}")
        page.fill("textarea[name=item-0-text]", f"{page.editor}'s paragraph, written at once.")
    ada.click("#save")
    assert f"Saved as revision {number + 1}" in ada.inner_text("#note")
    bob.click("#save")
    assert "changed while you edited it" in bob.inner_text("h1")
    assert "Bob's paragraph" in bob.inner_text("#mine")
    assert "Ada's paragraph" in bob.inner_text("#theirs")
    current = state.get_revision(cfg.review_database, DAY)
    assert current.revision == number + 1 and current.author == "Ada"
    assert current.edition().items[0].text == "Ada's paragraph, written at once."


def test_a_daily_run_while_an_editor_saves(site, brief) -> None:
    folder, cfg, served = site
    saves: list[int] = []
    stop = threading.Event()

    def edit() -> None:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            client.get("/")
            while not stop.is_set():
                current = state.read_state(cfg.review_database, DAY).current_revision
                edition = state.get_revision(cfg.review_database, DAY).edition()
                form = {"csrf": client.cookies["brief_csrf"], "based_on": str(current)}
                form["lead"] = f"Lead number {len(saves)}"
                for i, item in enumerate(edition.items):
                    form |= {
                        f"item-{i}-included": "on",
                        f"item-{i}-rank": str(item.rank),
                        f"item-{i}-headline": item.headline,
                        f"item-{i}-text": item.text or "",
                    }
                reply = client.post(f"/editions/{DAY.isoformat()}/save", data=form)
                saves.append(reply.status_code)
                time.sleep(0.2)

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        done = brief("run", "--config", str(cfg.path), "--date", "2025-08-07", cwd=folder)
    finally:
        stop.set()
        editor.join(timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(saves) >= 5 and set(saves) == {303}, saves
    assert state.read_state(cfg.review_database, date(2025, 8, 7)).state == "draft"


def test_an_editor_excludes_edits_approves_and_publishes(site, browser, brief) -> None:
    folder, cfg, served = site
    page = _page(browser, "Grace")
    _sign_as(page, served.url, "Grace")
    page.goto(f"{served.url}/editions/{DAY.isoformat()}")
    excluded = page.input_value("input[name=item-1-headline]")
    page.uncheck("input[name=item-1-included]")
    page.fill("input[name=item-0-headline]", "GPT-5 mini halves the coding bill")
    page.fill("textarea[name=item-0-text]", "Read the bill, not the grade.")
    page.fill("textarea[name=lead]", "Four signals; one is worth acting on.")
    page.click("#save")
    assert "Saved as revision" in page.inner_text("#note")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.screenshot(path=str(ARTIFACTS / "review-page.png"))
    assert (ARTIFACTS / "review-page.png").stat().st_size > 10_000
    page.click("#approve")
    assert page.inner_text("#state") == "APPROVED" or "approved" in page.inner_text("#state")
    page.click("#publish")
    assert "Published revision" in page.inner_text("#note")
    out = folder / "out" / DAY.isoformat() / "published"
    for name in ("brief.html", "brief.md", "brief.txt", "brief.eml"):
        text = (out / name).read_text(errors="replace")
        assert "GPT-5 mini halves the coding bill" in text.replace("=\n", ""), name
    txt = (out / "brief.txt").read_text()
    assert "Read the bill, not the grade." in txt and "Four signals; one is worth" in txt
    assert excluded not in txt
    audit = page.inner_text("#audit")
    for action in ("saved", "approved", "published"):
        assert re.search(rf"Grace\s+{action}", audit), (action, audit)
    # a rerun of the published date leaves every file as it was and adds a machine revision
    files = {
        p: p.read_bytes() for p in (folder / "out" / DAY.isoformat()).rglob("*") if p.is_file()
    }
    before = len(state.revisions(cfg.review_database, DAY))
    done = brief("run", "--config", str(cfg.path), "--date", DAY.isoformat(), cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "is kept, with its files" in " ".join(done.stdout.split())
    after = {
        p: p.read_bytes() for p in (folder / "out" / DAY.isoformat()).rglob("*") if p.is_file()
    }
    assert after == files
    revisions = state.revisions(cfg.review_database, DAY)
    assert len(revisions) == before + 1 and revisions[-1].kind == "machine"
    assert state.read_state(cfg.review_database, DAY).state == "published"
