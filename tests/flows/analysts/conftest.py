"""The analysts' tests share one store the bundled sources were read into."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="package")
def ingested(tmp_path_factory, make_config, brief) -> Path:
    """A folder whose store holds the bundled sources, read once by `brief ingest` (as users
    do); tests copy the store before writing to it."""
    folder = tmp_path_factory.mktemp("ingested")
    path = make_config(folder)
    done = brief("ingest", "--config", str(path), cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder
