"""The `brief` command line: help with examples, compare/costs output and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.config import load_config
from flows.store.load import ingest_source

runner = CliRunner()
DAY = "2025-08-08"


@pytest.fixture(scope="module")
def store(make_config, tmp_path_factory) -> Path:
    """A store holding every bundled source, ingested with the plain functions (no Prefect)."""
    folder = tmp_path_factory.mktemp("cli")
    cfg_path = make_config(folder)
    cfg = load_config(cfg_path)
    now = datetime(2025, 8, 8, tzinfo=UTC)
    for src in cfg.sources:
        assert ingest_source(cfg.database, src, "test-run", now).ok
    return cfg_path


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    "command", ["run", "ingest", "compare", "costs", "names", "show", "serve", "check-missed"]
)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example: brief " + command in " ".join(result.output.split())


def test_compare_json_has_the_section_5_shape(
    store: Path, comparison_keys: list[str], metric_keys: list[str]
) -> None:
    result = invoke(
        "compare",
        "gpt-5:medium",
        "--vs",
        "gpt-4.1",
        "--workload",
        "support_chat",
        "--date",
        DAY,
        "--config",
        str(store),
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == comparison_keys
    cm, bm = data["candidate_metrics"], data["baseline_metrics"]
    assert list(cm)[: len(metric_keys)] == list(bm)[: len(metric_keys)] == metric_keys
    assert data["as_of"] == DAY and data["candidate"] == "gpt-5:medium"
    assert cm["cost_per_success"] == pytest.approx(cm["cost_per_attempt"] / cm["p"])
    assert data["cost_ratio"] == pytest.approx(cm["cost_per_success"] / bm["cost_per_success"])
    change = cm["cost_per_success"] - bm["cost_per_success"]
    assert sum(data["attribution"].values()) == pytest.approx(change)


def test_compare_accepts_names_as_sources_spell_them(store: Path) -> None:
    result = invoke(
        "compare",
        "gpt-5-2025-08-07_medium",
        "--vs",
        "gpt-4.1",
        "--workload",
        "support_chat",
        "--date",
        DAY,
        "--config",
        str(store),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["candidate"] == "gpt-5:medium"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["compare", "no-such-model", "--vs", "gpt-4.1", "--workload", "support_chat"],
            "unknown model 'no-such-model'",
        ),
        (
            ["compare", "gpt-5:medium", "--vs", "gpt-4.1", "--workload", "nope"],
            "unknown workload 'nope'",
        ),
        (
            [
                "compare",
                "gpt-5:medium",
                "--vs",
                "gpt-4.1",
                "--workload",
                "support_chat",
                "--date",
                "2025-02-30",
            ],
            "unknown date '2025-02-30'",
        ),
        (
            [
                "compare",
                "gpt-5:medium",
                "--vs",
                "gpt-4.1",
                "--workload",
                "support_chat",
                "--date",
                "2024-01-01",
            ],
            "has no price in force on 2024-01-01",
        ),
        (
            ["costs", "--workload", "support_chat", "--date", "2020-01-01"],
            "no model has both a price and a score",
        ),
    ],
)
def test_clear_errors_exit_2(store: Path, args: list[str], message: str) -> None:
    extra = [] if "--date" in args else ["--date", DAY]
    result = invoke(*args, *extra, "--config", str(store))
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_costs_lists_models_cheapest_first(store: Path) -> None:
    result = invoke(
        "costs", "--workload", "agentic_coding", "--date", DAY, "--config", str(store), "--json"
    )
    assert result.exit_code == 0, result.output
    models = json.loads(result.output)["models"]
    costs = [m["cost_per_success"] for m in models]
    assert len(models) > 5 and costs == sorted(costs)
    table = invoke(
        "costs", "-w", "agentic_coding", "--date", DAY, "--config", str(store), "--limit", "3"
    )
    assert table.exit_code == 0, table.output
    rows = [line for line in table.output.splitlines() if line.startswith("│")]
    assert len(rows) == 3 and rows[0].split("│")[1].strip()[:8] == models[0]["model"][:8]
    assert f"the cheapest 3 of {len(models)} models" in " ".join(table.output.split())


def test_bad_config_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "brief.toml"
    bad.write_text('[[sources]]\nid = "x"\nkind = "feed"\nformat = "feed"\n')
    result = invoke("ingest", "--config", str(bad))
    assert result.exit_code == 2
    assert "exactly one of `path` or `url`" in result.output


def test_run_on_a_fresh_home_prints_where_the_brief_went(
    repo_root, make_config, brief, tmp_path: Path
) -> None:
    """The console script in a new process, empty HOME, no Prefect settings from outside."""
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "work").mkdir()
    cfg = make_config(tmp_path / "work")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(HOME=str(home), PREFECT_HOME=str(tmp_path / "prefect"))
    proc = brief("run", "--date", DAY, "--config", str(cfg), cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr, proc.stderr
    assert str(tmp_path / "work" / "out" / DAY / "brief.html") in proc.stdout
    assert list(home.iterdir()) == []  # nothing written outside the project and temp folders
    assert repo_root.exists()


def test_run_exits_3_when_a_source_fails_and_still_makes_the_brief(
    bundled, make_config, tmp_path: Path, prefect_server
) -> None:
    cfg = make_config(
        tmp_path,
        sources=[
            {"id": "gone", "kind": "feed", "format": "feed", "path": str(tmp_path / "none.xml")},
            {
                "id": "mistral",
                "kind": "feed",
                "format": "feed",
                "path": str(bundled / "sources" / "feeds" / "feed_mistral.xml"),
            },
        ],
    )
    result = invoke("run", "--date", DAY, "--config", str(cfg))
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "file not found" in text and "1 source(s) failed" in text
    assert "Stages: ingest" in text and "(2 sources, 1 failed," in text and "; snapshot " in text
    assert (tmp_path / "out" / DAY / "brief.md").exists()


def test_run_exits_1_with_the_reason_when_another_process_holds_the_store(
    bundled, make_config, tmp_path: Path, prefect_server, held_store
) -> None:
    cfg = make_config(
        tmp_path,
        sources=[
            {
                "id": "mistral",
                "kind": "feed",
                "format": "feed",
                "path": str(bundled / "sources" / "feeds" / "feed_mistral.xml"),
            }
        ],
    )
    with held_store(tmp_path / "brief.duckdb"):  # a run holding the store
        result = invoke("run", "--date", DAY, "--config", str(cfg))
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "cannot be opened for writing" in text and "lock" in text.lower()
    assert "Traceback" not in text


def test_names_lists_the_unresolved_with_a_hint(store: Path) -> None:
    result = invoke("names", "--json", "--config", str(store))
    assert result.exit_code == 0, result.output
    listed = {n["name"]: n for n in json.loads(result.output)}
    eurus = listed["Eurus-2-7B-PRIME"]
    assert eurus["model"] == "eurus-2-7b-prime" and eurus["sources"] == ["epoch-gpqa-diamond"]
    assert eurus["closest_known"] is None  # nothing alike with the same numbers
    # a hint keeps versions and sizes: Llama 3.3 70B, not Llama 3.1 405B
    assert listed["Llama-3.3-70B-Instruct"]["closest_known"] == "meta-llama/llama-3.3-70b-instruct"
    assert all(not n["resolved"] for n in listed.values())
    everything = json.loads(invoke("names", "--all", "--json", "--config", str(store)).output)
    assert any(n["resolved"] and n["model"] == "gpt-5" for n in everything)
    assert len(everything) > len(listed)
    table = invoke("names", "--config", str(store))
    assert "Unresolved model names" in table.output and "aliases.toml" in table.output


def test_a_damaged_store_gets_a_plain_message(make_config, tmp_path: Path) -> None:
    cfg = make_config(tmp_path, sources=[])
    (tmp_path / "brief.duckdb").write_bytes(b"not a database at all " * 4096)
    for args in (["costs", "--workload", "research_qa"], ["names"], ["show", DAY]):
        result = invoke(*args, "--config", str(cfg))
        text = " ".join(result.output.split())
        assert result.exit_code == 1, (args, result.output)
        assert "not a readable DuckDB file" in text and "Traceback" not in text


def test_a_store_held_by_a_run_gets_a_plain_message(
    make_config, tmp_path: Path, held_store
) -> None:
    cfg = make_config(tmp_path, sources=[])
    with held_store(tmp_path / "brief.duckdb"):  # a run holding the store
        result = invoke("costs", "--workload", "research_qa", "--config", str(cfg))
    text = " ".join(result.output.split())
    assert result.exit_code == 1 and "held by another process" in text, result.output
    assert "Traceback" not in text


def test_a_full_disk_is_said_plainly() -> None:
    import errno

    from flows.store.db import store_problem

    why = store_problem(OSError(errno.ENOSPC, "No space left on device"), Path("/x/brief.duckdb"))
    assert why and "disk holding /x/brief.duckdb is full" in why


LIGHT = """
import sys
from typer.testing import CliRunner
from flows.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"prefect", "matplotlib", "jinja2"})
print(result.exit_code, ",".join(heavy) or "-")
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["compare", "gpt-5:medium", "--vs", "gpt-4.1", "-w", "support_chat", "--date", DAY],
        ["costs", "-w", "support_chat", "--date", DAY],
        ["names"],
    ],
    ids=lambda a: a[0],
)
def test_one_shot_commands_import_neither_prefect_nor_matplotlib(
    repo_root, store: Path, args
) -> None:
    """A question about the store starts in a second, not in Prefect's start-up time."""
    if args[0] in ("compare", "costs", "names"):
        args = [*args, "--config", str(store)]
    done = subprocess.run(
        [sys.executable, "-c", LIGHT, *args],
        capture_output=True,
        text=True,
        cwd=repo_root,
        timeout=120,
    )
    assert done.stdout.split()[-2:] == ["0", "-"], done.stdout + done.stderr
