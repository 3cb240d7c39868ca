"""Shared fixtures. Test modules get every helper from here, never by importing another test
module; the helpers themselves live in tests/support/ (see each fixture).

- where things are: `repo_root`, `bundled` (the repository's data/ folder), `real` (the real
  third-party files of tests/data/real), `real_file` (one test per file matching the pattern of
  ``@pytest.mark.real_files("benchmarks/epoch_ai/*.csv")``);
- a run: `make_config` (writes a brief.toml), `config_path`, `prefect_server`, `brief`
  (the installed command in its own process), `scheduling_server` (a real Prefect server
  whose scheduler fires scheduled runs), `many_feeds` (thousands of small feed files);
- fetching: `fault_server` (one per test), `module_fault_server` (one per module);
- notifications: `notify_receiver` (keeps the JSON posted to it, as apprise's json:// sends);
- mail: `smtp_sink` (a real SMTP server on loopback that keeps what it is sent);
- sources: `check_contract`, `one_named`;
- the brief: `sample_edition`, `metric_keys`, `comparison_keys`;
- hostile text: `assert_safe_html`, `assert_inert`, `rendered_markdown`, `html_tags`, `md_tags`,
  `chromium`, `dialogs_in_chromium`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flows.environment import configure

configure()
pytest.register_assert_rewrite("tests.support")  # their asserts explain failures too

from tests.support import (  # noqa: E402
    browser,
    commands,
    contracts,
    editions,
    feeds,
    holding,
    safety,
    shapes,
    smtp,
)
from tests.support.config import write_config  # noqa: E402
from tests.support.faultserver import FaultServer  # noqa: E402
from tests.support.paths import DATA, REAL, REPO  # noqa: E402
from tests.support.prefectserver import PrefectServer  # noqa: E402
from tests.support.receiver import Receiver  # noqa: E402

# --- where things are ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's folder."""
    return REPO


@pytest.fixture(scope="session")
def bundled() -> Path:
    """The repository's data/ folder: run configuration, workloads, bundled sample sources."""
    return DATA


@pytest.fixture(scope="session")
def real() -> Path:
    """The real third-party files copied unchanged into tests/data/real (PROVENANCE.md there)."""
    return REAL


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_files(*patterns): run the test once per file of tests/data/real matching a glob "
        "pattern, the path in its `real_file` argument (test ids: the file names)",
    )
    config.addinivalue_line(
        "markers",
        "packaging: the slow packaging test, a wheel built and installed in a new virtualenv "
        "(skip it with -m 'not packaging')",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("real_files")
    if marker is None:
        return
    paths = sorted({p for pattern in marker.args for p in REAL.glob(pattern) if p.is_file()})
    if not paths:
        raise ValueError(f"no file of {REAL} matches {marker.args}")
    metafunc.parametrize("real_file", paths, ids=[p.name for p in paths])


# --- a run -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def make_config() -> Callable[..., Path]:
    """``make_config(folder, sources=None, *, fetch=None, allow_paths=None, **settings)``: a
    brief.toml in `folder` on the bundled data (tests/support/config.py says the rest)."""
    return write_config


@pytest.fixture(scope="session")
def brief() -> Callable[..., object]:
    """``brief(*args, cwd=folder)``: the installed `brief` in its own process (output kept)."""
    return commands.run_brief


@pytest.fixture(scope="session")
def many_feeds() -> Callable[..., list[dict]]:
    """``many_feeds(folder, count)``: `count` small feed files cut from the real feeds, written in
    `folder`; returns their `[[sources]]` entries (tests/support/feeds.py)."""
    return feeds.write_feeds


@pytest.fixture
def config_path(tmp_path: Path, make_config: Callable[..., Path]) -> Path:
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def prefect_server():
    """One Prefect test server for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def scheduling_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A real `prefect server start` on 127.0.0.1 with its scheduler on, for a module
    (`prefect_server` runs ephemeral, where nothing scheduled fires): `.api_url`, `.env()`,
    `.deployment(flow, name)`, `.runs(deployment_id)`, `.wait_for(what, check, timeout)`
    (tests/support/prefectserver.py)."""
    server = PrefectServer(tmp_path_factory.mktemp("prefect-server"))
    try:
        yield server
    finally:
        server.close()


# --- fetching --------------------------------------------------------------------------------


def _serve() -> Iterator[FaultServer]:
    server = FaultServer()
    try:
        yield server
    finally:
        server.close()
    assert not server.errors, f"fault server handler errors: {server.errors!r}"


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh misbehaving HTTP server on 127.0.0.1 for one test (tests/support/faultserver.py
    lists its routes); fails the test if a handler itself broke."""
    yield from _serve()


@pytest.fixture(scope="module")
def module_fault_server() -> Iterator[FaultServer]:
    """The same server, one for a whole module (for module-scoped fixtures)."""
    yield from _serve()


@pytest.fixture
def notify_receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 keeping every JSON body posted to it: `.url(path)` is
    an apprise `json://` URL for [notify], `.posts` the (path, body) pairs received."""
    receiver = Receiver()
    try:
        yield receiver
    finally:
        receiver.close()


# --- sources ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def check_contract() -> Callable[[object], None]:
    """``check_contract(parsed)``: an adapter's output keeps the adapters' contract."""
    return contracts.check_contract


@pytest.fixture(scope="session")
def one_named() -> Callable[[list[dict], str], dict]:
    """``one_named(rows, source_name)``: the single row a source wrote under that name."""
    return contracts.one_named


# --- the brief -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_edition() -> Callable[..., object]:
    """``sample_edition(model_label="Northwind Mini 3")``: a new copy of the fixed edition the
    golden files hold (tests/support/editions.py)."""
    return editions.make_edition


@pytest.fixture
def metric_keys() -> list[str]:
    """The section-5 metric names of one side, in order (flags and extras follow them)."""
    return list(shapes.METRIC_KEYS)


@pytest.fixture
def comparison_keys() -> list[str]:
    """A comparison's section-5 keys in order, then its section-7 ones."""
    return list(shapes.COMPARISON_KEYS)


# --- hostile text ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def assert_safe_html() -> Callable[..., None]:
    """``assert_safe_html(html, allowed_tags)``: nothing a reader could be attacked with."""
    return safety.assert_safe_html


@pytest.fixture(scope="session")
def assert_inert() -> Callable[[str], None]:
    """Checks a served page or a published file runs nothing (`tests/support/safety.py`)."""
    return safety.assert_inert


@pytest.fixture(scope="session")
def rendered_markdown() -> Callable[[str], str]:
    """``rendered_markdown(md)``: the HTML a CommonMark viewer makes (no raw HTML allowed)."""
    return safety.rendered_markdown


@pytest.fixture(scope="session")
def html_tags() -> frozenset[str]:
    """The tags the HTML brief may hold."""
    return safety.HTML_TAGS


@pytest.fixture(scope="session")
def md_tags() -> frozenset[str]:
    """The tags the Markdown brief may render to."""
    return safety.MD_TAGS


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium executable; the test is skipped when it is not installed."""
    path = browser.find_chromium()
    if path is None:
        pytest.skip(browser.CHROMIUM_MISSING)
    return path


@pytest.fixture(scope="session")
def dialogs_in_chromium(chromium: str) -> Callable[[dict[str, str], Path], list[str]]:
    """``dialogs_in_chromium(pages, folder)``: the dialogs scripts opened when each page
    (name -> HTML, written in `folder`) loads in headless chromium, off the network."""
    return functools.partial(browser.dialogs_in_chromium, executable=chromium)


# --- mail --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def held_store() -> Callable[..., object]:
    """``with held_store(db, how="open" | "locked"):`` another process holds the store."""
    return holding.held


@pytest.fixture
def smtp_sink() -> Iterator[smtp.SmtpSink]:
    """A real SMTP server on 127.0.0.1 for one test; `.messages` holds what it was sent."""
    sink, server = smtp.serve()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
