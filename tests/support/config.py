"""A run configuration (brief.toml) for a test, written in a temp folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.support.paths import DATA


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value)


def write_config(
    folder: Path,
    sources: list[dict] | None = None,
    *,
    fetch: dict | None = None,
    allow_paths: list[str] | None = None,
    run: dict | None = None,
    **settings: object,
) -> Path:
    """A brief.toml in `folder` using the bundled workloads, capabilities, aliases and, by
    default, sources (paths made absolute); the database and output stay inside `folder`.

    `allow_paths` lists the bundled data folder and the folder of every source file outside
    `folder` (paths outside the configuration's folder are refused otherwise), plus any given;
    `fetch` is the `[fetch]` table (say ``{"allow_private_hosts": ["127.0.0.1"]}`` for a
    source served on loopback); `run` is the `[run]` table (say ``{"task_runner": "dask",
    "dask_address": "tcp://127.0.0.1:8786"}``); other keywords go to `[edition]`.
    """
    with (DATA / "brief.toml").open("rb") as fh:
        bundled = tomllib.load(fh)
    if sources is None:
        sources = []
        for src in bundled["sources"]:
            src = dict(src)
            if "path" in src:
                src["path"] = str((DATA / src["path"]).resolve())
            sources.append(src)
    inside = [folder.resolve(), DATA.resolve()]
    allowed = [str(DATA.resolve())]
    for src in sources:
        if "path" in src:
            parent = (folder / str(src["path"])).resolve().parent
            if not any(parent.is_relative_to(f) for f in inside):
                inside.append(parent)
                allowed.append(str(parent))
    lines = [
        f"allow_paths = {_toml_value([*allowed, *(allow_paths or [])])}",
        f"database = {_toml_value(str(folder / 'brief.duckdb'))}",
        f"workloads = {_toml_value(str(DATA / 'workloads.toml'))}",
        f"capabilities = {_toml_value(str(DATA / 'capabilities.toml'))}",
        f"aliases = {_toml_value(str(DATA / 'aliases.toml'))}",
        f"lineage = {_toml_value(str(DATA / 'lineage.toml'))}",
        f"output = {_toml_value(str(folder / 'out'))}",
        "[edition]",
        *(f"{k} = {_toml_value(v)}" for k, v in {**bundled.get("edition", {}), **settings}.items()),
    ]
    if fetch:
        lines += ["[fetch]", *(f"{k} = {_toml_value(v)}" for k, v in fetch.items())]
    if run:
        lines += ["[run]", *(f"{k} = {_toml_value(v)}" for k, v in run.items())]
    defaults = dict(bundled.get("defaults", {}))
    effort = defaults.pop("reasoning_tokens", {})
    lines += ["[defaults]", *(f"{k} = {_toml_value(v)}" for k, v in defaults.items())]
    lines += [
        "[defaults.reasoning_tokens]",
        *(f"{k} = {_toml_value(v)}" for k, v in effort.items()),
    ]
    for src in sources:
        lines.append("[[sources]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in src.items()]
    path = folder / "brief.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
