"""The installed `brief` command run in its own process, as a scheduler or a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_brief(
    *args: str, cwd: Path, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`brief ARGS...` from the running interpreter's environment (or `env`); output captured as
    text."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("brief")), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
