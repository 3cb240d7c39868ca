"""Where the tests find the repository, its bundled data and the real third-party files."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"  # the run configuration and the bundled sample sources
REAL = REPO / "tests" / "data" / "real"  # real third-party files, provenance in PROVENANCE.md
