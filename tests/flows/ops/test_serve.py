"""`brief serve` registers the daily deployment on a real Prefect server, whose scheduler fires
its runs; each run writes the day's brief, a second one leaves it byte for byte the same, and
SIGTERM stops serving cleanly. Without a server, the command says how to start one."""

from __future__ import annotations

import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

SOURCES = ("anthropic-news", "house-prices", "house-scores")


@pytest.fixture
def small_config(tmp_path: Path, make_config, bundled: Path) -> Path:
    """A run on three bundled sources: a feed, prices and scores."""
    with (bundled / "brief.toml").open("rb") as fh:
        sources = [dict(s) for s in tomllib.load(fh)["sources"] if s["id"] in SOURCES]
    for src in sources:
        src["path"] = str((bundled / src["path"]).resolve())
    return make_config(tmp_path, sources=sources)


def _briefs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.glob("*/brief.*"))}


def test_serve_fires_scheduled_runs_that_rewrite_the_same_brief(
    scheduling_server, small_config: Path, tmp_path: Path
) -> None:
    server = scheduling_server
    brief = str(Path(sys.executable).with_name("brief"))
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        [brief, "serve", "--interval", "5", "--config", str(small_config)],
        cwd=tmp_path,
        env=server.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def output() -> str:
        log.flush()
        return (tmp_path / "serve.log").read_text()[-4000:]

    try:
        dep = server.wait_for(
            "the deployment daily-brief/daily is registered",
            lambda: proc.poll() is None and server.deployment("daily-brief", "daily"),
            timeout=180,
            why=output,
        )
        assert proc.poll() is None, output()
        assert dep["parameters"] == {"config_path": str(small_config)}
        assert (dep["global_concurrency_limit"] or {}).get("limit") == 1, dep

        def completed() -> list[dict]:
            runs = server.runs(dep["id"])
            failed = [r for r in runs if r["state_type"] in ("FAILED", "CRASHED")]
            assert not failed, (failed[0]["state"], output())
            return [r for r in runs if r["state_type"] == "COMPLETED"]

        server.wait_for("a scheduled run completes", completed, timeout=400, why=output)
        first = _briefs(tmp_path / "out")
        assert {Path(k).name for k in first} == {"brief.html", "brief.md", "brief.txt"}, first
        server.wait_for(
            "a second scheduled run completes",
            lambda: len(completed()) >= 2,
            timeout=400,
            why=output,
        )
        # a run writes its files before it completes: both runs' files are on disk
        assert _briefs(tmp_path / "out") == first
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"brief serve did not stop on SIGTERM: {output()}") from None
    text = output()
    assert code == 0, text
    assert "Traceback" not in text, text
    assert "Stopped serving" in text, text


def test_serve_without_a_server_says_how_to_start_one(
    brief, small_config: Path, tmp_path: Path, monkeypatch
) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    result = brief("serve", "--config", str(small_config), cwd=tmp_path, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "prefect server start" in result.stderr
    assert f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


# --- prefect.yaml: the same flow, deployed to a process work pool ---------------------------


@pytest.fixture
def prefect_yaml(repo_root: Path) -> dict:
    import yaml

    return yaml.safe_load((repo_root / "prefect.yaml").read_text())


def test_prefect_yaml_deploys_the_daily_flow_on_the_bundled_schedule(
    prefect_yaml: dict, repo_root: Path
) -> None:
    import importlib

    from flows.config import DEFAULT_CONFIG, load_config
    from flows.daily import daily_brief
    from flows.ops.schedule import DEPLOYMENT, ENTRYPOINT

    (dep,) = prefect_yaml["deployments"]
    assert dep["name"] == DEPLOYMENT
    assert dep["entrypoint"] == ENTRYPOINT
    file, function = dep["entrypoint"].split(":")
    module = importlib.import_module(file.removesuffix(".py").replace("/", "."))
    assert getattr(module, function) is daily_brief
    assert (repo_root / dep["parameters"]["config_path"]).resolve() == DEFAULT_CONFIG
    assert set(dep["parameters"]) <= set(daily_brief.parameters.properties)
    schedule = load_config(DEFAULT_CONFIG).schedule
    assert dep["schedules"] == [{"cron": schedule.cron, "timezone": schedule.timezone}]
    assert dep["concurrency_limit"] == 1
    assert dep["work_pool"]["name"] == "daily"


def test_prefect_deploy_registers_it_on_a_server(
    scheduling_server, repo_root: Path, prefect_yaml: dict
) -> None:
    server = scheduling_server
    prefect = str(Path(sys.executable).with_name("prefect"))

    def cli(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [prefect, "--no-prompt", *args],
            cwd=repo_root,
            env={**server.env(), "PWD": str(repo_root)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
        return done

    pool = server.call("POST", "/work_pools/filter", {})
    if not any(p["name"] == "daily" for p in pool):
        cli("work-pool", "create", "daily", "--type", "process")
    cli("deploy", "--all")
    dep = server.deployment("daily-brief", "daily")
    assert dep is not None
    assert dep["work_pool_name"] == "daily"
    assert dep["entrypoint"] == prefect_yaml["deployments"][0]["entrypoint"]
    assert dep["parameters"] == {"config_path": "data/brief.toml"}
    assert (dep["global_concurrency_limit"] or {}).get("limit") == 1
    (sched,) = dep["schedules"]
    assert sched["schedule"]["cron"] == "0 6 * * *"
    assert sched["schedule"]["timezone"] == "Europe/London"
    assert dep["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(repo_root)}}
    ]
