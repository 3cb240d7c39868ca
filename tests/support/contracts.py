"""What every source adapter's output keeps to, and picking one source row by its name."""

from __future__ import annotations


def check_contract(parsed) -> None:
    """An adapter's output keeps the contract of ``flows/sources/adapters/base.py``."""
    from flows.sources.adapters import azure_trace
    from flows.sources.adapters.base import KINDS, Parsed

    assert isinstance(parsed, Parsed)
    assert set(parsed.rows) <= {*KINDS, azure_trace.KIND}
    for reject in parsed.rejects:
        assert set(reject) == {"kind", "reason", "raw"}
        assert reject["reason"] and isinstance(reject["raw"], str)


def one_named(rows: list[dict], source_name: str) -> dict:
    """The single row a source wrote under ``source_name``."""
    matches = [r for r in rows if r["source_name"] == source_name]
    assert len(matches) == 1, (source_name, matches)
    return matches[0]
