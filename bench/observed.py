"""Modelled against observed: the cost model's bill for each published Aider run beside the bill
the run itself reported (signal-model section 7.9), on the agentic-coding workload.

Run on demand: `.venv/bin/python bench/observed.py [--config data/brief.toml]` after a
`brief ingest`. Prints one line per run and the share within 2x of the observed figure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.config import load_config  # noqa: E402
from flows.store.db import open_store  # noqa: E402
from flows.store.facts import load_facts, measured_workloads  # noqa: E402
from signals.observed import check_runs, share_within_2x  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None)
    parser.add_argument("--workload", default="agentic_coding")
    parser.add_argument("--benchmark", default="aider-polyglot")
    args = parser.parse_args()
    cfg = load_config(args.config)
    with open_store(cfg.database, read_only=True) as con:
        workloads = measured_workloads(con, cfg)
        facts = load_facts(con, cfg)
    checks = check_runs(facts, workloads[args.workload], args.benchmark)
    print(f"{'model':42} {'run day':10} {'observed':>9} {'modelled':>9} {'ratio':>6} tokens")
    for c in checks:
        modelled = f"{c.modelled:9.4f}" if c.modelled is not None else "not priced"
        ratio = f"{c.ratio:6.2f}" if c.ratio is not None else "     -"
        later = f" (priced as on {c.priced_later})" if c.priced_later else ""
        print(
            f"{c.model:42} {c.as_of.isoformat():10} {c.observed:9.4f} {modelled:>9} {ratio} "
            f"{c.tokens_basis or '-'}{later}"
        )
    within, priced, total = share_within_2x(checks)
    later = sum(1 for c in checks if c.priced_later)
    print(
        f"\nwithin 2x: {within} of {total} runs that publish their cost "
        f"({within / max(total, 1):.0%}); {later} priced at the first price known after the "
        f"run, {total - priced} never priced"
    )


if __name__ == "__main__":
    main()
