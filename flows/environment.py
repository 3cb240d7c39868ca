"""Process settings applied before Prefect or matplotlib is imported, from any working folder.

Prefect's settings are kept here, once: the CLI and the tests call `configure()` first, so the
same settings hold wherever the program runs, checkout or installed. Prefect's home and
matplotlib's cache go under the program's home (flows/locations.py): the checkout, or the user's
data folder once installed, never the installed package. `[tool.prefect]` in pyproject.toml
repeats `PREFECT` for the `prefect` command run in the checkout (`prefect server start`); a test
keeps the two equal. Variables already set in the environment win.
"""

from __future__ import annotations

import os

from flows.locations import home

# Prefect's settings as `[tool.prefect]` writes them; `home` is relative to the program's home.
PREFECT: dict[str, object] = {
    "home": ".prefect",
    "logging": {"level": "WARNING"},
    "server": {"analytics_enabled": False, "ephemeral": {"startup_timeout_seconds": 90}},
}


def _flatten(table: dict, prefix: str = "PREFECT") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}_{key.upper()}"
        if isinstance(value, dict):
            out.update(_flatten(value, name))
        else:
            out[name] = value
    return out


def prefect_settings() -> dict[str, str]:
    """`PREFECT` as PREFECT_* variables; `home` resolved under the program's home."""
    env = {
        k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in _flatten(PREFECT).items()
    }
    env["PREFECT_HOME"] = str(home() / env["PREFECT_HOME"])
    return env


# The temporary Prefect server a run starts when no PREFECT_API_URL is set is flows/apiserver.py's:
# its two settings of its own, and why it is stopped only once it has recorded the run, are there.


def configure() -> None:
    """Apply the program's settings as environment defaults, before Prefect is imported."""
    for key, value in prefect_settings().items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("MPLCONFIGDIR", str(home() / ".cache" / "matplotlib"))
