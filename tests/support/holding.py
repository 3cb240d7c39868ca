"""A store held by another process, as a run holds it: open in DuckDB for writing, or its
lock file taken (flows/runlock.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOW = {
    "open": "import duckdb; c = duckdb.connect(sys.argv[1])",
    "locked": "from pathlib import Path; from flows.runlock import hold_store; "
    "hold_store(Path(sys.argv[1]), sys.argv[2])",
}


@contextmanager
def held(
    database: Path, how: str = "open", command: str = "brief run --date 2025-08-08"
) -> Iterator[subprocess.Popen]:
    """Another process holds `database` (`how`: "open" or "locked", the lock naming `command`)
    while the block runs; it is killed after."""
    code = f"import sys, time; {_HOW[how]}; print('held', flush=True); time.sleep(600)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(database), command], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.kill()
        proc.wait()
