"""`brief doctor`: is this installation ready to run, and if not, what to fix.

Each check is a plain function returning `Check`s (name, status ok/warn/fail, what was found,
what to do). Nothing is changed: the store is opened read-only (a store a run holds is reported,
not waited for), folders are probed with a temporary file that is removed at once, and a URL
source is asked for once, with short timeouts and the run's own address guard (none with
`offline`). A warning is worth knowing; a failure stops a run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from flows.config import DEFAULT_CONFIG, Config, ConfigError, Source, load_config
from flows.locations import templates_dir

Status = Literal["ok", "warn", "fail"]

GIB = 1024**3
# free space wanted where the store and the briefs are: a run writes the analysts' snapshot (a
# copy of the store) and DuckDB's temporary files beside it
DISK_MIN_BYTES = GIB
DISK_STORE_MULTIPLE = 3
URL_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    """One finding: what was checked, how it stands, what was seen and what to do about it."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def failed(checks: list[Check]) -> bool:
    return any(c.status == "fail" for c in checks)


def folded(checks: list[Check]) -> list[Check]:
    """The checks to read on a terminal: the sources that are fine as one line, the others
    each on their own."""
    good = [c for c in checks if c.name.startswith("source ") and c.status == "ok"]
    if len(good) < 2:
        return checks
    out: list[Check] = []
    for c in checks:
        if c is good[0]:
            total = sum(1 for k in checks if k.name.startswith("source "))
            out.append(Check("sources", "ok", f"{len(good)} of {total} readable"))
        elif c not in good:
            out.append(c)
    return out


# --- configuration and sources --------------------------------------------------------------


def check_config(path: Path | None) -> tuple[Check, Config | None]:
    """The configuration loads (load_config's own message names the file and the key)."""
    where = Path(path or DEFAULT_CONFIG)
    try:
        cfg = load_config(where)
    except ConfigError as exc:
        return (
            Check(
                "configuration",
                "fail",
                str(exc),
                f"correct the key named above in {where.resolve()} (README: Configuration)",
            ),
            None,
        )
    return (
        Check(
            "configuration",
            "ok",
            f"{cfg.path}: {len(cfg.sources)} sources, {len(cfg.workloads)} workloads",
        ),
        cfg,
    )


def check_source(cfg: Config, src: Source, offline: bool = False) -> Check:
    """A file source exists, is a readable file within the size limit; a URL source answers."""
    name = f"source {src.id}"
    if src.path is not None:
        return _check_file(name, src.path, cfg.fetch.max_bytes)
    if src.url is None:
        return Check(name, "ok", f"format {src.format!r} reads data its own package ships")
    if offline:
        return Check(name, "ok", f"{src.url}: not asked (--offline)")
    from flows.sources.fetch import FetchError, Limits, fetch_url

    short = min(cfg.fetch.connect_timeout_s, URL_TIMEOUT_S)
    limits = Limits(
        connect_timeout_s=short,
        read_timeout_s=min(cfg.fetch.read_timeout_s, URL_TIMEOUT_S),
        total_timeout_s=min(cfg.fetch.total_timeout_s, 2 * URL_TIMEOUT_S),
        max_bytes=cfg.fetch.max_bytes,
        max_redirects=cfg.fetch.max_redirects,
        retries=0,
        allow_private_hosts=tuple(cfg.fetch.allow_private_hosts),
    )
    try:
        got = fetch_url(src.url, limits=limits)
    except FetchError as exc:
        return Check(
            name,
            "fail",
            f"{src.url}: {exc}",
            "check the address (or the network, or `allow_private_hosts` for a house server); "
            "a run keeps the source's earlier facts meanwhile",
        )
    return Check(name, "ok", f"{src.url}: HTTP {got.http_status}, {len(got.body):,} bytes")


def _check_file(name: str, path: Path, max_bytes: int) -> Check:
    fix = f"put the file at {path}, or correct the source's `path` in the configuration"
    try:
        size = path.stat().st_size
        if not path.is_file():
            return Check(name, "fail", f"{path} is not a file", fix)
        with path.open("rb") as fh:
            fh.read(1)
    except FileNotFoundError:
        return Check(name, "fail", f"file not found: {path}", fix)
    except OSError as exc:
        return Check(name, "fail", f"cannot read {path}: {exc.strerror or exc}", fix)
    if size > max_bytes:
        return Check(
            name,
            "fail",
            f"{path} is {size:,} bytes, over the {max_bytes:,} byte limit",
            "raise `[fetch] max_bytes` in the configuration, or trim the file",
        )
    return Check(name, "ok", f"{path} ({size:,} bytes)")


# --- the store ------------------------------------------------------------------------------


def check_store(cfg: Config) -> list[Check]:
    """The store opens read-only and has every declared migration, no more, none skipped."""
    import duckdb

    from flows.store.db import store_problem

    db = cfg.database
    if not db.exists():
        return [
            Check(
                "store",
                "warn",
                f"no store at {db} yet",
                "`brief run` (or `brief ingest`) makes it",
            )
        ]
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            return [
                Check(
                    "store",
                    "warn",
                    f"{db} is held by another process (a run in progress?); "
                    "its migrations were not checked",
                    "check again once that process has finished",
                )
            ]
        return [
            Check(
                "store",
                "fail",
                store_problem(exc, db) or f"{db}: {exc}",
                "restore a copy of the store, or move it aside: the next run builds a new one "
                "from the sources",
            )
        ]
    try:
        migrations = _check_migrations(con)
    finally:
        con.close()
    return [Check("store", "ok", f"{db} ({_store_bytes(db):,} bytes), opens read-only"), migrations]


def _check_migrations(con) -> Check:
    import duckdb

    from flows.store.db import MIGRATIONS

    declared = [name for name, _ in MIGRATIONS]
    try:
        rows = con.execute("SELECT name FROM _migrations").fetchall()
    except duckdb.Error:
        return Check(
            "migrations",
            "fail",
            "the store has no `_migrations` table: it is not a Morning Brief store",
            "point `database` in the configuration at the store, or move this file aside",
        )
    applied = {name for (name,) in rows if not name.startswith("comments ")}
    unknown = sorted(applied - set(declared))
    if unknown:
        return Check(
            "migrations",
            "fail",
            f"the store has migrations this version does not know ({', '.join(unknown)}): "
            "a newer version wrote it",
            "upgrade the program to the version that wrote the store",
        )
    missing = [name for name in declared if name not in applied]
    if not missing:
        return Check("migrations", "ok", f"all {len(declared)} applied")
    last = max((declared.index(name) for name in applied), default=-1)
    skipped = [name for name in missing if declared.index(name) < last]
    if skipped:
        return Check(
            "migrations",
            "fail",
            f"{', '.join(skipped)} not recorded as applied although later ones are: the "
            "store's record of its migrations was changed",
            "restore the store from a copy, or move it aside: the next run builds a new one "
            "from the sources",
        )
    return Check(
        "migrations",
        "warn",
        f"{len(missing)} pending ({', '.join(missing)}): an older version wrote the store",
        "`brief ingest` or `brief run` applies them",
    )


def _store_bytes(db: Path) -> int:
    wal = db.with_name(db.name + ".wal")
    return sum(p.stat().st_size for p in (db, wal) if p.exists())


# --- folders and disk -----------------------------------------------------------------------


def _existing(folder: Path) -> Path:
    """`folder`, or its nearest ancestor that exists."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _write_problem(folder: Path) -> str | None:
    """Why a file cannot be written in `folder` (or where it would be made), else None."""
    there = _existing(folder)
    if not there.is_dir():
        return f"{there} is a file, not a folder"
    try:
        with tempfile.NamedTemporaryFile(dir=there, prefix=".doctor-"):
            pass
    except OSError as exc:
        return f"{there} cannot be written: {exc.strerror or exc}"
    return None


def check_folder(name: str, folder: Path, fix: str) -> Check:
    problem = _write_problem(folder)
    if problem:
        return Check(name, "fail", problem, fix)
    made = "" if folder.exists() else " (made by the first run)"
    return Check(name, "ok", f"{folder} is writable{made}")


def check_disk(cfg: Config) -> list[Check]:
    """Free space where the store and the briefs go, against the store's size."""
    store = _store_bytes(cfg.database) if cfg.database.exists() else 0
    want = max(DISK_STORE_MULTIPLE * store, DISK_MIN_BYTES)
    checks = []
    seen: set[int] = set()
    for what, folder in (("store", cfg.database.parent), ("briefs", cfg.output)):
        there = _existing(folder)
        device = there.stat().st_dev
        if device in seen:
            continue
        seen.add(device)
        free = shutil.disk_usage(there).free
        detail = f"{_gib(free)} free at {there}" + (f" (store {_gib(store)})" if store else "")
        fix = f"free space on the disk holding {there}, or move `{_key(what)}` to a larger one"
        if free < store:
            checks.append(Check(f"disk ({what})", "fail", detail + ": less than the store", fix))
        elif free < want:
            checks.append(Check(f"disk ({what})", "warn", f"{detail}: under {_gib(want)}", fix))
        else:
            checks.append(Check(f"disk ({what})", "ok", detail))
    return checks


def _key(what: str) -> str:
    return "database" if what == "store" else "output"


def _gib(size: int) -> str:
    return f"{size / GIB:.1f} GiB" if size >= GIB / 10 else f"{size / 1024**2:.1f} MiB"


# --- templates and Prefect ------------------------------------------------------------------


def check_templates(overrides: Path | None = None) -> Check:
    """The brief's templates load (an editor's folder first, when the configuration names one)."""
    import jinja2

    from flows.brief.render import make_env

    where = templates_dir() if overrides is None else f"{overrides}, then {templates_dir()}"
    try:
        for kind in ("html", "md", "txt"):
            make_env(kind, overrides).get_template(f"brief/brief.{kind}.j2")
    except jinja2.TemplateError as exc:
        return Check(
            "templates",
            "fail",
            f"{where}: {type(exc).__name__}: {exc}",
            "reinstall the program (its templates ship with it), or correct the template "
            "in the `templates` folder of the configuration",
        )
    return Check("templates", "ok", f"found in {where}")


def check_prefect(offline: bool = False) -> list[Check]:
    """Prefect's home can be written; its API answers when one is set (else each run starts
    Prefect's temporary server, flows/apiserver.py)."""
    from flows.environment import prefect_settings

    home = Path(os.environ.get("PREFECT_HOME") or prefect_settings()["PREFECT_HOME"])
    checks = [
        check_folder(
            "Prefect home", home, "set PREFECT_HOME (or BRIEF_HOME) to a folder you can write"
        )
    ]
    url = os.environ.get("PREFECT_API_URL", "").strip()
    if not url:
        checks.append(
            Check(
                "Prefect API",
                "ok",
                "temporary: each run starts Prefect's API server and stops it (about 8 s of a "
                "core per run; a lasting server, `prefect server start` with PREFECT_API_URL "
                "set, saves it)",
            )
        )
    elif offline:
        checks.append(Check("Prefect API", "ok", f"{url}: not asked (--offline)"))
    else:
        checks.append(_check_api(url))
    return checks


def _check_api(url: str) -> Check:
    import httpx

    fix = (
        "start the server (`prefect server start`), or unset PREFECT_API_URL to have each "
        "run start a temporary one"
    )
    health = url.rstrip("/") + "/health"
    try:
        response = httpx.get(health, timeout=URL_TIMEOUT_S, trust_env=False)
    except httpx.HTTPError as exc:
        return Check("Prefect API", "fail", f"{url}: {type(exc).__name__}: {exc}", fix)
    if response.status_code != 200:
        return Check("Prefect API", "fail", f"{health} answered HTTP {response.status_code}", fix)
    return Check("Prefect API", "ok", f"{url} answers")


# --- all of them ----------------------------------------------------------------------------


def run_checks(config: Path | None = None, offline: bool = False) -> list[Check]:
    """Every check, in the order a run needs them; those needing the configuration are skipped
    when it does not load."""
    first, cfg = check_config(config)
    checks = [first]
    if cfg is not None:
        checks += [check_source(cfg, src, offline) for src in cfg.sources]
        checks += check_store(cfg)
        checks.append(
            check_folder(
                "output folder",
                cfg.output,
                "fix `output` in the configuration, or the folder's permissions",
            )
        )
        checks += check_disk(cfg)
    checks.append(check_templates(cfg.templates if cfg is not None else None))
    checks += check_prefect(offline)
    return checks
