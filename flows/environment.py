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
    env = {k: (str(v).lower() if isinstance(v, bool) else str(v))
           for k, v in _flatten(table).items()}
    if "PREFECT_HOME" in env:
        env["PREFECT_HOME"] = str((PROJECT_DIR / env["PREFECT_HOME"]).resolve())
    return env


def configure() -> None:
    """Apply the project's settings as environment defaults, before Prefect is imported."""
    for key, value in prefect_settings().items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("MPLCONFIGDIR", str(PROJECT_DIR / ".cache" / "matplotlib"))
