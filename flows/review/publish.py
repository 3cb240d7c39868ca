"""The files that go out: one stored revision rendered as HTML (chart embedded), Markdown,
text and an e-mail ready to send; the same revision always gives the same bytes."""

from __future__ import annotations

import base64
import hashlib
import os
import smtplib
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path

from flows.brief.content import Chart, Edition
from flows.brief.render import long_date, render_edition
from flows.config import Config
from flows.review import state
from flows.review.state import Revision

CHART_CID = "chart"
GMAIL_CLIP_BYTES = 102 * 1024


def chart_png(edition: Edition) -> bytes | None:
    """The edition's chart as PNG bytes (deterministic), or None when it has no points."""
    if edition.chart is None or not edition.chart.points:
        return None
    return _drawn(edition.chart.model_copy(update={"image": None}).model_dump_json())


@lru_cache(maxsize=16)
def _drawn(chart_json: str) -> bytes:
    """A chart drawn once per process (previews of one revision redraw nothing)."""
    from flows.brief.chart import draw_chart

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chart.png"
        draw_chart(Chart.model_validate_json(chart_json), path)
        return path.read_bytes()


def preview_html(cfg: Config, revision: Revision) -> str:
    """The revision as the e-mail's HTML, its chart embedded as data."""
    edition = revision.edition()
    png = chart_png(edition)
    embedded = f"data:image/png;base64,{base64.b64encode(png).decode()}" if png else None
    return render_edition(_with_image(edition, embedded), cfg.templates, kinds=("html",))["html"]


def _with_image(edition: Edition, image: str | None) -> Edition:
    if edition.chart is None:
        return edition
    return edition.model_copy(update={"chart": edition.chart.model_copy(update={"image": image})})


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def email_message(
    cfg: Config,
    edition: Edition,
    html: str,
    text: str,
    png: bytes | None,
    sent_at: datetime,
    to: list[str],
    subject_prefix: str = "",
) -> bytes:
    """The brief as a MIME message: a plain-text part and the HTML with its chart attached
    inline (cid:), boundaries and ids derived from the content so it is byte-stable."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = f"{subject_prefix}{edition.title} — {long_date(edition.edition_date)}"
    msg["From"] = cfg.email.sender
    if to:
        msg["To"] = ", ".join(to)
    msg["Date"] = format_datetime(sent_at)
    day = edition.edition_date.isoformat()
    domain = _domain(cfg.email.sender)
    msg["Message-ID"] = (
        f"<morning-brief-{day}-r{edition.revision}{subject_prefix and '-test'}@{domain}>"
    )
    msg.set_content(text, subtype="plain", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    if png is not None:
        html_part = next(p for p in msg.iter_parts() if p.get_content_type() == "text/html")
        html_part.add_related(png, "image", "png", cid=f"<{CHART_CID}>", filename="chart.png")
    digest = hashlib.sha256(html.encode() + text.encode() + (png or b"")).hexdigest()[:24]
    for number, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_brief_{digest}_{number}")
    return msg.as_bytes()


@dataclass
class Outputs:
    """The rendered files of one revision, and what a sender should know about them."""

    files: dict[str, bytes]
    warnings: list[str] = field(default_factory=list)


def render_outputs(
    cfg: Config,
    revision: Revision,
    sent_at: datetime,
    to: list[str],
    subject_prefix: str = "",
) -> Outputs:
    """brief.html (chart embedded as data), brief.md and chart.png, brief.txt and brief.eml."""
    edition = revision.edition()
    png = chart_png(edition)
    local = render_edition(
        _with_image(edition, "chart.png" if png else None), cfg.templates, kinds=("md", "txt")
    )
    mailed = render_edition(
        _with_image(edition, f"cid:{CHART_CID}" if png else None), cfg.templates, kinds=("html",)
    )
    files = {
        "brief.html": preview_html(cfg, revision).encode(),
        "brief.md": local["md"].encode(),
        "brief.txt": local["txt"].encode(),
        "brief.eml": email_message(
            cfg, edition, mailed["html"], local["txt"], png, sent_at, to, subject_prefix
        ),
    }
    if png is not None:
        files["chart.png"] = png
    warnings = []
    size = len(mailed["html"].encode())
    if size >= cfg.email.clip_warning_bytes:
        warnings.append(
            f"the e-mail's HTML is {size / 1024:.0f} KB: Gmail clips a message past about "
            f"{GMAIL_CLIP_BYTES // 1024} KB and hides the rest behind a link"
        )
    return Outputs(files, warnings)


def write_files(folder: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """Each file written beside its place, then renamed into it."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in files.items():
        path = folder / name
        tmp = path.with_name(f".{name}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        out[name] = path
    return out


@dataclass
class Published:
    revision: int
    folder: Path
    paths: dict[str, Path]
    warnings: list[str]


def published_folder(cfg: Config, revision: Revision) -> Path:
    return cfg.output / revision.edition_date.isoformat() / "published"


def publish(cfg: Config, day, author: str) -> Published:
    """Write the approved revision's files to out/<date>/published/ and record who published;
    publishing the same revision again writes the same bytes (its first date is kept)."""
    revision = state.to_publish(cfg.review_database, day)
    first = state.first_published_at(cfg.review_database, day, revision.revision)
    at = datetime.fromisoformat(first) if first else datetime.now(UTC).replace(microsecond=0)
    outputs = render_outputs(cfg, revision, at, cfg.email.recipients)
    folder = published_folder(cfg, revision)
    paths = write_files(folder, outputs.files)
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in outputs.files.items()}
    state.mark_published(
        cfg.review_database, day, revision.revision, author, at.isoformat(), hashes
    )
    return Published(revision.revision, folder, paths, outputs.warnings)


@dataclass
class TestSend:
    revision: int
    where: str  # the SMTP host, or the .eml file written
    warnings: list[str]


def test_send(cfg: Config, day, revision: int | None, author: str) -> TestSend:
    """Send one stored revision to the test recipients: by SMTP when a host is configured,
    else as an .eml under out/<date>/test-sends/. Recorded in the audit trail."""
    rev = state.get_revision(cfg.review_database, day, revision)
    now = datetime.now(UTC).replace(microsecond=0)
    to = cfg.email.test_recipients
    outputs = render_outputs(cfg, rev, now, to, subject_prefix="[TEST] ")
    eml = outputs.files["brief.eml"]
    if cfg.email.smtp_host:
        if not to:
            raise state.ReviewError("no test_recipients in [email]: nobody to send the test to")
        with smtplib.SMTP(cfg.email.smtp_host, cfg.email.smtp_port, timeout=30) as smtp:
            smtp.sendmail(parseaddr(cfg.email.sender)[1], to, eml)
        where = f"{cfg.email.smtp_host}:{cfg.email.smtp_port}"
    else:
        folder = cfg.output / day.isoformat() / "test-sends"
        where = str(write_files(folder, {f"revision-{rev.revision}.eml": eml}).popitem()[1])
    state.log_event(cfg.review_database, day, rev.revision, author, "test sent", to=to, where=where)
    return TestSend(rev.revision, where, outputs.warnings)
