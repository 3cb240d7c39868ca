"""Where the program finds what it ships and where it writes what it makes.

What it ships: `templates/` (the brief's and the review app's) and `data/` (the default run
configuration, workloads, bundled sources). In a checkout, and in an editable install, they are
the repository's top-level folders; a wheel carries them as package data in `flows/_bundled/`
(pyproject.toml maps them there), so an installed program finds them wherever it runs.

Where it writes: the home. `$BRIEF_HOME` when set; otherwise, in a checkout, the repository's
folder; once installed, the user's data folder (`platformdirs.user_data_dir("morning-brief")`:
`~/.local/share/morning-brief` on Linux), never the installed package. Under the home the layout
is a checkout's: `data/` (the default configuration's store, review store and snapshot), `out/`
(its briefs), `.prefect/` (Prefect's home) and `.cache/matplotlib`. A configuration of one's own
writes where its paths say, relative to its own folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_WHEEL = PACKAGE / "_bundled"  # present only in an installed wheel
APP_NAME = "morning-brief"
HOME_VARIABLE = "BRIEF_HOME"


def installed() -> bool:
    """True when running from an installed wheel, False in a checkout (or editable install)."""
    return _WHEEL.is_dir()


def bundled_root() -> Path:
    """The folder holding the shipped `templates/` and `data/`."""
    return _WHEEL if installed() else PACKAGE.parent


def templates_dir() -> Path:
    """The shipped Jinja templates (brief/ and review/)."""
    return bundled_root() / "templates"


def default_config() -> Path:
    """The shipped run configuration, used when no `--config` is given."""
    return bundled_root() / "data" / "brief.toml"


def home() -> Path:
    """Where the program writes by default: $BRIEF_HOME, the checkout, or the user's data
    folder once installed."""
    given = os.environ.get(HOME_VARIABLE, "").strip()
    if given:
        return Path(given).expanduser().resolve()
    if not installed():
        return PACKAGE.parent
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).resolve()


def writable(path: Path) -> Path:
    """Where a writable path of the shipped configuration goes: the same place under the home as
    it sits under the shipped folder (data/brief.duckdb, out/). Paths elsewhere are kept."""
    root = bundled_root().resolve()
    if path == root or path.is_relative_to(root):
        return home() / path.relative_to(root)
    return path
