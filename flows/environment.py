"""Process settings applied before Prefect or matplotlib is imported, from any working folder.

Prefect reads `[tool.prefect]` of pyproject.toml only when started in the project folder; the CLI
and the tests call `configure()` first so the same settings (project-local home, no analytics)
hold everywhere, and matplotlib keeps its font cache inside the project rather than in HOME.
Variables already set in the environment win.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


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
    """`[tool.prefect]` as PREFECT_* variables; `home` resolved inside the project."""
    with (PROJECT_DIR / "pyproject.toml").open("rb") as fh:
        table = tomllib.load(fh).get("tool", {}).get("prefect", {})
    env = {
        k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in _flatten(table).items()
    }
    if "PREFECT_HOME" in env:
        env["PREFECT_HOME"] = str((PROJECT_DIR / env["PREFECT_HOME"]).resolve())
    return env


# Services of the ephemeral Prefect server (the one a run starts inside its own process when no
# PREFECT_API_URL is set) that are switched off, each with what that costs: none. The task-run
# recorder once printed tracebacks at exit ("Error flushing 1 events", CancelledError): it writes
# each task-run event in its own transaction, and with one task per source a run left it
# thousands of events behind, so the server's stop cancelled a write in flight. With one task per
# batch of sources a run sends a few dozen events, written long before the server stops.
EPHEMERAL_SERVER: dict[str, str] = {}


def configure() -> None:
    """Apply the project's settings as environment defaults, before Prefect is imported."""
    for key, value in {**EPHEMERAL_SERVER, **prefect_settings()}.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("MPLCONFIGDIR", str(PROJECT_DIR / ".cache" / "matplotlib"))
