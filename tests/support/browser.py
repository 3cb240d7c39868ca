"""Loading pages in a real browser: Debian's chromium, driven by Playwright, off the network."""

from __future__ import annotations

import shutil
from pathlib import Path

from flows.brief.safety import safe_url

CHROMIUM_MISSING = "Debian's chromium is not installed (.ci/run installs it)"


def find_chromium() -> str | None:
    """The chromium executable on PATH, if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def dialogs_in_chromium(pages: dict[str, str], folder: Path, executable: str) -> list[str]:
    """Load each page (name -> HTML) from a file in headless chromium, off the network, and
    return the messages of every dialog a script opened; links must all be web addresses."""
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.route(
                "**/*",
                lambda route: (
                    route.abort()
                    if not route.request.url.startswith("file:")
                    else route.continue_()
                ),
            )
            for name, html in pages.items():
                path = folder / name
                path.write_text(html, encoding="utf-8")
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                for link in page.query_selector_all("a"):
                    href = link.get_attribute("href") or ""
                    assert safe_url(href) == href, href
                page.wait_for_timeout(200)
                found = page.evaluate("document.querySelectorAll('script, iframe, svg').length")
                assert found == 0, name
        finally:
            browser.close()
    return dialogs
