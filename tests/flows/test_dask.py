"""The daily flow on Prefect's Dask task runner: a real local Dask cluster of two worker
processes makes the same brief as the default runner, and the fetch-and-parse batches run on
its workers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows.config import ConfigError, load_config
from flows.daily import daily_brief, on_runner
from flows.sources.batching import plan
from flows.sources.workers import cores

distributed = pytest.importorskip("distributed")

DAY = date(2025, 8, 8)


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes (daemonic, as Dask starts them: they cannot fork
    the parsing workers of this machine's pool)."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            host="127.0.0.1",
        ) as running,
        distributed.Client(running) as client,
    ):
        yield running, client


def _executed(client) -> dict[str, int]:
    """Tasks each worker of the cluster has run."""
    return client.run(lambda dask_worker: dask_worker.state.executed_count)


def test_dask_runner_makes_the_same_brief(make_config, tmp_path, prefect_server, cluster) -> None:
    running, client = cluster
    for name in ("threads", "dask"):
        (tmp_path / name).mkdir()
    plain_cfg = make_config(tmp_path / "threads")
    plain = daily_brief(edition_date=DAY, config_path=str(plain_cfg))
    before = _executed(client)

    dask_cfg = make_config(
        tmp_path / "dask", run={"task_runner": "dask", "dask_address": running.scheduler_address}
    )
    cfg = load_config(dask_cfg)
    on_dask = on_runner(daily_brief, cfg)(edition_date=DAY, config_path=str(dask_cfg))

    after = _executed(client)
    ran = {worker: after[worker] - before.get(worker, 0) for worker in after}
    # every fetch-and-parse batch ran on the cluster's workers, and both workers took some
    assert sum(ran.values()) == len(plan(cfg)), ran
    assert all(n > 0 for n in ran.values()), ran
    assert [s.source_id for s in on_dask.failed] == []
    assert sorted((s.source_id, s.rows_new) for s in on_dask.sources) == sorted(
        (s.source_id, s.rows_new) for s in plain.sources
    )
    assert Path(on_dask.outputs["md"]).read_bytes() == Path(plain.outputs["md"]).read_bytes()


def test_an_unknown_task_runner_is_a_configuration_error(make_config, tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"run\.task_runner"):
        load_config(make_config(tmp_path, run={"task_runner": "spark"}))


def test_a_local_cluster_has_one_single_threaded_worker_process_per_core(
    make_config, tmp_path
) -> None:
    cfg = load_config(make_config(tmp_path, run={"task_runner": "dask"}))
    runner = on_runner(daily_brief, cfg).task_runner
    assert type(runner).__name__ == "DaskTaskRunner"
    assert runner.cluster_kwargs == {
        "n_workers": cores(),
        "threads_per_worker": 1,
        "processes": True,
    }
    assert on_runner(daily_brief, load_config(make_config(tmp_path))) is daily_brief
