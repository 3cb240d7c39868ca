"""What leaves the review store: editors' own templates, test sends (to a file or a real SMTP
server on loopback) and the review app served by `brief review` as its own process."""

from __future__ import annotations

import email
import signal
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from flows.brief.render import TEMPLATES, write_edition
from flows.config import ConfigError, load_config
from flows.review import publish, state


def _with(config: Path, top: str = "", tables: str = "") -> Path:
    """The configuration with top-level keys put first and tables added at the end."""
    config.write_text(top + config.read_text() + tables)
    return config


@pytest.fixture
def house_templates(tmp_path: Path) -> Path:
    """A folder replacing one bundled template: each item's HTML starts with a house mark."""
    folder = tmp_path / "house" / "brief"
    folder.mkdir(parents=True)
    item = (TEMPLATES / "brief" / "item.html.j2").read_text()
    marked = item.replace('<tr><td class="section">', '<tr><td class="section">HOUSE STYLE ', 1)
    assert marked != item
    (folder / "item.html.j2").write_text(marked)
    return folder.parent


def test_editors_templates_replace_the_bundled_ones(
    tmp_path: Path, make_config, sample_edition, house_templates: Path
) -> None:
    cfg = load_config(_with(make_config(tmp_path), top=f'templates = "{house_templates}"\n'))
    assert cfg.templates == house_templates.resolve()
    edition = sample_edition()
    draft = write_edition(edition, tmp_path / "draft", cfg.templates)
    assert draft["html"].read_text().count("HOUSE STYLE") == len(edition.items)
    assert "HOUSE STYLE" not in draft["md"].read_text()  # only the HTML item was replaced
    state.record_machine(cfg.review_database, edition, "run-1")
    state.approve(cfg.review_database, edition.edition_date, "ada")
    done = publish.publish(cfg, edition.edition_date, "ada")
    assert "HOUSE STYLE" in done.paths["brief.html"].read_text()


def test_a_templates_path_that_is_no_folder_is_a_configuration_error(
    tmp_path: Path, make_config
) -> None:
    (tmp_path / "not-a-folder.txt").write_text("x")
    path = _with(make_config(tmp_path), top='templates = "not-a-folder.txt"\n')
    with pytest.raises(ConfigError, match="`templates`.*is not a folder"):
        load_config(path)
    from flows.cli import app

    result = CliRunner().invoke(app, ["drafts", "--config", str(path)])
    assert result.exit_code == 2 and "templates" in result.output


def test_a_test_send_without_smtp_is_written_as_a_file(
    tmp_path: Path, make_config, sample_edition
) -> None:
    cfg = load_config(make_config(tmp_path))
    edition = sample_edition()
    state.record_machine(cfg.review_database, edition, "run-1")
    sent = publish.test_send(cfg, edition.edition_date, None, "ada")
    path = Path(sent.where)
    assert path.name == "revision-1.eml" and path.parent.name == "test-sends"
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("[TEST] Morning Brief")
    last = state.events(cfg.review_database, edition.edition_date)[-1]
    assert (last.actor, last.action, last.revision) == ("ada", "test sent", 1)


def test_a_test_send_goes_to_the_test_recipients_by_smtp(
    tmp_path: Path, make_config, sample_edition, smtp_sink
) -> None:
    tables = (
        "\n[email]\n"
        'sender = "Morning Brief <brief@news.example>"\n'
        'recipients = ["readers@news.example"]\n'
        'test_recipients = ["desk@news.example", "ada@news.example"]\n'
        f'smtp_host = "{smtp_sink.host}"\nsmtp_port = {smtp_sink.port}\n'
    )
    cfg = load_config(_with(make_config(tmp_path), tables=tables))
    edition = sample_edition()
    state.record_machine(cfg.review_database, edition, "run-1")
    sent = publish.test_send(cfg, edition.edition_date, 1, "ada")
    assert sent.where == f"{smtp_sink.host}:{smtp_sink.port}"
    [received] = smtp_sink.messages
    assert received.sender == "brief@news.example"
    assert received.recipients == ["desk@news.example", "ada@news.example"]
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert message["To"] == "desk@news.example, ada@news.example"
    assert "Northwind Mini 3" in message.get_body(("html",)).get_content()
    # publishing addresses the readers, not the test desk
    state.approve(cfg.review_database, edition.edition_date, "ada")
    done = publish.publish(cfg, edition.edition_date, "ada")
    published = email.message_from_bytes(done.paths["brief.eml"].read_bytes())
    assert published["To"] == "readers@news.example"
    assert published["Message-ID"] == f"<morning-brief-{edition.edition_date}-r1@news.example>"


def test_brief_review_serves_until_sigterm(tmp_path: Path, make_config, sample_edition) -> None:
    config = make_config(tmp_path)
    state.record_machine(load_config(config).review_database, sample_edition(), "run-1")
    brief = Path(sys.executable).with_name("brief")
    proc = subprocess.Popen(
        [str(brief), "review", "--config", str(config), "--port", "0", "--editor", "ada"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("Review app on http://127.0.0.1:"), line
        url = line.split()[3]
        day = sample_edition().edition_date.isoformat()
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"{url}editions/{day}", timeout=10)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert page.status_code == 200 and "Northwind Mini 3" in page.text
        assert "script-src" not in page.headers["content-security-policy"]
        assert "default-src 'none'" in page.headers["content-security-policy"]
        proc.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then ends by the signal it caught, as a daemon should
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert "Traceback" not in stderr, stderr
