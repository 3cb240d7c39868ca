"""A bare Prefect flow of N tasks (default 10) that do nothing, in a process of its own started
the way `brief` starts: on the run's own API server (flows/apiserver.py), or on the server
PREFECT_API_URL names. It ends at once, the way `brief` ends: the exit handlers stop the
server. Prints the flow run's id. Run as `python -m tests.support.bareflow [N]`."""

from __future__ import annotations

import sys

from flows.environment import configure

configure()

from flows.apiserver import start_api_server  # noqa: E402

server = start_api_server()

from prefect import flow, task  # noqa: E402


@task
def noop(n: int) -> int:
    return n


@flow
def bare(tasks: int) -> list[int]:
    return [noop.submit(n).result() for n in range(tasks)]


if server is not None:
    server.use()
print(
    bare(int(sys.argv[1]) if len(sys.argv) > 1 else 10, return_state=True).state_details.flow_run_id
)
