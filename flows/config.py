"""The run configuration (`data/brief.toml`): sources, workloads, capabilities, where data lives.

Every mistake in it is a ConfigError naming the file and the key: a value of the wrong type, a
table that is not a table, and a path (a source's `path`, `database`, `output`, `workloads`,
`capabilities`, `aliases`, `lineage`) that resolves, symlinks followed, outside the
configuration's folder and the folders listed in `allow_paths`.
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.locations import default_config, home, writable
from signals.costmodel import Workload

DEFAULT_CONFIG = default_config()  # data/brief.toml of the checkout, or the one a wheel ships
M = TypeVar("M", bound=BaseModel)

SourceKind = Literal["feed", "prices", "scores", "run_costs", "profiles", "trace"]


def _formats() -> dict[str, Any]:
    """The source formats the adapters declare (imported when a source is checked)."""
    from flows.sources.adapters import REGISTRY

    return REGISTRY


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix."""


class Source(BaseModel):
    """One configured source: where it is, what it holds and in which format."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    kind: SourceKind
    format: str
    path: Path | None = None
    url: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    label: str | None = None
    # The day of the snapshot this source is: a row that gives no date of its own is known from
    # it (signal-model section 6). Without it, the day the source is read.
    as_of: date | None = None
    # A price list read as a cross-check: compared with the primary prices, never used to price.
    role: Literal["primary", "cross-check"] = "primary"

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        formats = _formats()
        if value not in formats:
            raise ValueError(f"unknown format {value!r}; allowed: {', '.join(sorted(formats))}")
        return value

    @model_validator(mode="after")
    def _fits_format(self) -> Source:
        """The kind and options the format declares (flows/sources/adapters)."""
        fmt = _formats()[self.format]
        if self.kind not in fmt.kinds:
            raise ValueError(
                f"kind {self.kind!r} does not go with format {self.format!r}; "
                f"allowed: {', '.join(fmt.kinds)}"
            )
        unknown = sorted(set(self.options) - set(fmt.options))
        if unknown:
            raise ValueError(
                f"options.{unknown[0]}: not an option of format {self.format!r}; "
                f"allowed: {', '.join(fmt.options) or 'none'}"
            )
        return self

    @model_validator(mode="after")
    def _one_location(self) -> Source:
        if _formats()[self.format].packaged:
            if self.path is not None or self.url is not None:
                raise ValueError(
                    f"source {self.id!r}: format {self.format!r} reads its own "
                    "bundled data; give no `path` or `url`"
                )
        elif (self.path is None) == (self.url is None):
            raise ValueError(f"source {self.id!r} needs exactly one of `path` or `url`")
        return self

    @property
    def title(self) -> str:
        return self.label or self.id


class EditionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lookback_days: int = Field(default=7, ge=1, le=3660)
    max_items: int = Field(default=6, ge=1, le=100)
    # an incumbent must have been known this many days before the edition's window opens
    incumbent_min_age_days: int = Field(default=14, ge=0, le=3660)
    # a source that has failed on this many days in a row (the days it was read, up to today)
    # is flagged in the brief's source line and the run summary
    flag_failing_source_days: int = Field(default=3, ge=1, le=3660)
    # where readers find the method page (a web address); without one the brief names the page
    method_url: str | None = Field(default=None, pattern=r"^https?://")


class EmailSettings(BaseModel):
    """Who the published brief's e-mail is from and to, and how a test send leaves."""

    model_config = ConfigDict(extra="forbid")

    sender: str = Field(default="Morning Brief <brief@localhost>", min_length=3)
    recipients: list[str] = Field(default_factory=list)
    # a test send goes to these; without an SMTP host it is written to out/<date>/test-sends/
    test_recipients: list[str] = Field(default_factory=list)
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    # Gmail clips a message whose HTML passes about 102 KB: warn from this size
    clip_warning_bytes: int = Field(default=90_000, ge=1_000)


class ScheduleSettings(BaseModel):
    """When the daily run fires (`brief serve`, prefect.yaml), and which day "today" is for a
    run given no date: the day in this time zone."""

    model_config = ConfigDict(extra="forbid")

    cron: str = "0 6 * * *"  # minute hour day-of-month month day-of-week
    timezone: str = "UTC"  # an IANA name: Europe/London, America/New_York

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from cronsim import CronSim, CronSimError

        if len(value.split()) != 5:
            raise ValueError(
                f"{value!r} is not a cron expression of five fields "
                '(minute hour day-of-month month day-of-week), such as "0 6 * * *"'
            )
        try:
            CronSim(value, datetime(2000, 1, 1))
        except CronSimError as exc:
            raise ValueError(f"{value!r} is not a valid cron expression: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; give an IANA name such as Europe/London"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today's date in the schedule's time zone."""
        return datetime.now(self.zone).date()


NotifyEvent = Literal["failed", "partial", "missed"]
DEFAULT_EVENTS: tuple[NotifyEvent, ...] = ("failed", "missed")


class NotifySettings(BaseModel):
    """Where a failed, partial or missed run is reported (apprise URLs: mailto://, json://,
    slack://, ...); no URLs, no notifications."""

    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(default_factory=list)
    on: list[NotifyEvent] = Field(default_factory=lambda: list(DEFAULT_EVENTS))
    # a day with no completed run by this time (in the schedule's time zone) is missed
    missed_after: time = time(8, 0)

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        if value:
            import apprise

            for i, url in enumerate(value):
                if apprise.Apprise.instantiate(url) is None:
                    # the URL itself may hold a password: only its scheme is shown
                    scheme = url.split("://", 1)[0] if "://" in url else ""
                    raise ValueError(
                        f"entry {i} is not a notification URL apprise can use"
                        + (f" (scheme {scheme!r})" if scheme else " (no scheme://)")
                    )
        return value


class Defaults(BaseModel):
    """Figures assumed where no source measures them; every use is marked `assumed`."""

    model_config = ConfigDict(extra="forbid")

    # reasoning tokens per request by effort class (a thinking budget maps to a class, capped at
    # the budget); used for reasoning models and effort variants with no measurement
    reasoning_tokens: dict[str, float] = Field(default_factory=dict)
    # model id patterns (shell-style) of reasoning models: without an effort suffix they count
    # as `medium`
    reasoning_models: list[str] = Field(default_factory=list)
    ttft_s: float | None = Field(default=None, ge=0)
    output_tps: float | None = Field(default=None, gt=0)
    # model id patterns of models no lab serves itself (open weights): priced at the median of
    # their hosts
    hosted_only: list[str] = Field(default_factory=list)
    # price lists disagreeing by more than this share on the same day are listed in the summary
    price_tolerance: float = Field(default=0.25, gt=0)

    def is_reasoning(self, model: str) -> bool:
        return _patterns(tuple(self.reasoning_models)).match(model) is not None

    def is_hosted_only(self, model: str) -> bool:
        return _patterns(tuple(self.hosted_only)).match(model) is not None


@functools.cache
def _patterns(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """Shell-style patterns as one compiled expression (asked thousands of times a run)."""
    return re.compile("|".join(fnmatch.translate(p) for p in patterns) or r"(?!)")


class FetchSettings(BaseModel):
    """Limits for reading a source (files and URLs alike)."""

    model_config = ConfigDict(extra="forbid")

    connect_timeout_s: float = Field(default=10.0, gt=0)
    read_timeout_s: float = Field(default=20.0, gt=0)
    total_timeout_s: float = Field(default=60.0, gt=0)
    max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_redirects: int = Field(default=5, ge=0)
    retries: int = Field(default=2, ge=0)
    max_retry_wait_s: float = Field(default=30.0, ge=0)
    # hosts, addresses or CIDR ranges a URL may reach although they are not public (a house
    # server); cloud metadata addresses stay refused
    allow_private_hosts: list[str] = Field(default_factory=list)

    @field_validator("allow_private_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for entry in value:
            text = entry.strip().strip("[]")
            if _HOST_NAME.fullmatch(text):
                continue
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is neither a host name, an address nor a CIDR range"
                ) from None
        return value


_HOST_NAME = re.compile(r"(?=.*[A-Za-z_-])[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?")


class RunSettings(BaseModel):
    """Where the daily flow's tasks run: threads of this process (the fetch-and-parse batches
    parse on its worker processes), or a Dask cluster (`pip install '.[dask]'`)."""

    model_config = ConfigDict(extra="forbid")

    task_runner: Literal["threads", "dask"] = "threads"
    # a running Dask scheduler (tcp://host:8786); empty: a local cluster for the run's length
    dask_address: str = ""


class Capability(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capability: str
    noise_floor: float | None = Field(default=None, ge=0)
    label: str | None = None


class WorkloadSpec(BaseModel):
    """One reference workload as written in workloads.toml (signal-model.md section 1)."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = None
    prompt_tokens: float = Field(ge=0)
    output_tokens: float = Field(ge=0)
    cached_share: float = Field(default=0.0, ge=0, le=1)
    requests_per_day: float = Field(ge=0)
    latency_target_s: float = Field(gt=0)
    max_attempts: int = Field(default=1, ge=1)
    benchmarks: list[str] = Field(min_length=1)
    quality_bar: float = Field(ge=0, le=1)
    value_per_success_usd: float = Field(ge=0)
    a: float = 0.0
    b: float = 1.0
    observed_success: float | None = Field(default=None, ge=0, le=1)
    trace: str | None = None  # a `trace` source whose measured figures replace the ones above
    # reasoning tokens per request by effort class on this workload (else [defaults])
    reasoning_tokens: dict[str, float] = Field(default_factory=dict)
    # benchmarks whose runs are sized like one request here: their observed cost is shown
    observed_cost_from: list[str] = Field(default_factory=list)

    def to_workload(self, name: str) -> Workload:
        data = self.model_dump(
            exclude={"label", "benchmarks", "trace", "reasoning_tokens", "observed_cost_from"}
        )
        return Workload(
            name=name,
            benchmarks=tuple(self.benchmarks),
            label=self.label or name.replace("_", " ").capitalize(),
            reasoning_tokens=tuple(self.reasoning_tokens.items()),
            observed_cost_from=tuple(self.observed_cost_from),
            **data,
        )


class Config(BaseModel):
    """A whole run configuration, with every relative path resolved against its file's folder."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    database: Path
    output: Path
    # the editorial store (states, revisions, audit trail): SQLite, beside the database
    review_database: Path
    # the analysts' read-only copy of the store, published after each run, beside the database
    snapshot: Path
    # a folder whose templates replace the bundled ones by name (brief/brief.html.j2, ...)
    templates: Path | None = None
    # folders outside the configuration's own that its paths may name (resolved)
    allow_paths: list[Path] = Field(default_factory=list)
    workloads_file: Path
    capabilities_file: Path
    aliases_file: Path
    edition: EditionSettings
    fetch: FetchSettings
    email: EmailSettings = Field(default_factory=EmailSettings)
    run: RunSettings = Field(default_factory=RunSettings)
    defaults: Defaults = Field(default_factory=Defaults)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    lineage: dict[str, str] = Field(default_factory=dict)  # model id -> its predecessor's id
    sources: list[Source]
    workloads: dict[str, Workload]
    workload_traces: dict[str, str]  # workload -> the trace source measuring it
    capabilities: dict[str, Capability]
    aliases: dict[str, str] = Field(default_factory=dict)  # alias_key(name) -> model id

    def source(self, source_id: str) -> Source:
        for src in self.sources:
            if src.id == source_id:
                return src
        raise ConfigError(f"no source {source_id!r} in {self.path}")

    def workload(self, name: str) -> Workload:
        try:
            return self.workloads[name]
        except KeyError:
            known = ", ".join(sorted(self.workloads))
            raise ConfigError(f"unknown workload {name!r} (known: {known})") from None

    def capability_words(self) -> dict[str, str]:
        """benchmark -> the capability it measures, in plain words."""
        return {b: c.capability for b, c in self.capabilities.items()}

    def noise_floors(self) -> dict[str, float]:
        """benchmark -> its noise floor in points, where one is set."""
        return {b: c.noise_floor for b, c in self.capabilities.items() if c.noise_floor is not None}

    def benchmark_label(self, benchmark: str) -> str:
        cap = self.capabilities.get(benchmark)
        return (cap.label if cap and cap.label else None) or benchmark


def _read_toml(path: Path, named_by: str | None = None) -> dict[str, Any]:
    """A TOML file as a dict; `named_by` ("`workloads` in /x/brief.toml") for the messages."""
    by = f" (named by {named_by})" if named_by else ""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}{by}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}{by}: a folder, not a TOML file") from None
    except PermissionError:
        raise ConfigError(f"cannot read {path}{by}: permission denied") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}{by}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}{by}: not valid TOML: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}{by}: not valid TOML: {exc}") from None


def _what(value: object) -> str:
    """A TOML value described for a message: "an integer (5)", "a boolean (true)"."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    names = {int: "an integer", float: "a number", str: "a string"}
    name = names.get(type(value), f"a {type(value).__name__}")
    shown = repr(value) if isinstance(value, str) else str(value)
    return f"{name} ({shown[:60]})"


def alias_key(name: str) -> str:
    """How a model name is looked up in the alias file: case and spacing do not matter
    ("DeepSeek R1 Distill" and "deepseek-r1-distill" are one key)."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def mapped(name: str | None, model: str | None, aliases: Mapping[str, str]) -> str | None:
    """The model id the alias file gives this row's name (or its model id), else None."""
    for text in (name, model):
        if text and (target := aliases.get(alias_key(text))):
            return target
    return None


def _read_aliases(path: Path, required: bool, named_by: str | None = None) -> dict[str, str]:
    """The `[aliases]` table of the alias file: name as a source writes it -> model id."""
    if not path.exists() and not required:
        return {}
    table = _read_toml(path, named_by).get("aliases", {})
    if not isinstance(table, dict):
        raise ConfigError(f'{path}: [aliases] must be a table of "name" = "model id"')
    out: dict[str, str] = {}
    for name, model in table.items():
        if not isinstance(model, str) or not model.strip() or not name.strip():
            raise ConfigError(f"{path}: alias {name!r} must map a name to a model id (a string)")
        key = alias_key(name)
        if key in out and out[key] != model.strip():
            raise ConfigError(
                f"{path}: {name!r} is given two model ids ({out[key]!r} and {model.strip()!r})"
            )
        out[key] = model.strip()
    return out


def _read_lineage(path: Path, required: bool, named_by: str | None = None) -> dict[str, str]:
    """The `[predecessors]` table of the lineage file: model id -> the model it succeeds."""
    if not path.exists() and not required:
        return {}
    table = _read_toml(path, named_by).get("predecessors", {})
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in table.items()
    ):
        raise ConfigError(
            f'{path}: [predecessors] must be a table of "model id" = "predecessor id"'
        )
    return {k.strip(): v.strip() for k, v in table.items()}


def _explain(exc: ValidationError, where: str, prefix: str | None = None) -> ConfigError:
    """A pydantic error as a ConfigError; `prefix` is the key the validated table sits under."""
    lines = [f"{where}: invalid configuration"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in (prefix, *err["loc"]) if p not in (None, ""))
        msg = err["msg"].removeprefix("Value error, ")  # our validators' own sentences
        lines.append(f"  {loc or '(top level)'}: {msg}")
    return ConfigError("\n".join(lines))


def _validate(model: type[M], data: object, where: str, prefix: str) -> M:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: [{prefix}] must be a table, not {_what(data)}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, where, prefix) from None


def load_config(path: Path | str | None = None) -> Config:
    """Read a run configuration; raise ConfigError with a readable message when it is wrong.

    Every task of a run reads it by path; an unchanged configuration is parsed once per process
    (the cache is keyed by the files' modification times and the program's home). Treat the
    result as read-only.
    """
    cfg_path = Path(path or DEFAULT_CONFIG).resolve()
    key = (cfg_path, home())
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == _stamp(cached[1]):
        return cached[1]
    cfg = _parse_config(cfg_path)
    _CACHE[key] = (_stamp(cfg), cfg)
    return cfg


_CACHE: dict[tuple[Path, Path], tuple[tuple, Config]] = {}


def _stamp(cfg: Config) -> tuple:
    """When and how big the configuration's files are: a change to any reloads it."""
    out: list[tuple[int, int] | None] = []
    for path in (cfg.path, cfg.workloads_file, cfg.capabilities_file, cfg.aliases_file):
        try:
            st = path.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


# Path keys and their defaults, relative to the configuration's folder. A default is the
# program's own choice (`output` lands in the project's out/ beside data/), so only a path the file
# gives is held to the configuration's folder and `allow_paths`. The shipped configuration's
# writable paths (`database`, `output`, `review_database`, `snapshot`) go under the program's home
# instead (flows/locations.py): the checkout itself, or the user's data folder once installed.
_PATH_KEYS = {
    "database": "brief.duckdb",
    "workloads": "workloads.toml",
    "capabilities": "capabilities.toml",
    "aliases": "aliases.toml",
    "lineage": "lineage.toml",
    "output": "../out",
}
# path keys without a fixed default: `review_database` and `snapshot` sit beside `database`;
# no `templates`
_OPTIONAL_PATH_KEYS = ("review_database", "snapshot", "templates")
_TABLE_KEYS = ("edition", "fetch", "defaults", "email", "schedule", "notify", "run")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _allowed_folders(value: object, base: Path, cfg_path: Path) -> list[Path]:
    """`allow_paths`: folders (absolute, or relative to the configuration's) paths may name."""
    if not isinstance(value, list):
        raise ConfigError(
            f"{cfg_path}: `allow_paths` must be a list of folders, not {_what(value)}"
        )
    out = []
    for i, entry in enumerate(value):
        if not isinstance(entry, str) or not entry.strip():
            raise ConfigError(
                f"{cfg_path}: allow_paths[{i}] must be a folder (a non-empty "
                f"string), not {_what(entry)}"
            )
        out.append((base / entry).resolve())
    return out


def _parse_config(cfg_path: Path) -> Config:
    raw = _read_toml(cfg_path)
    base = cfg_path.parent
    known = {*_PATH_KEYS, *_OPTIONAL_PATH_KEYS, *_TABLE_KEYS, "sources", "allow_paths"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{cfg_path}: unknown keys {sorted(unknown)} (known: {sorted(known)})")
    where = str(cfg_path)
    for key in (*_PATH_KEYS, *_OPTIONAL_PATH_KEYS):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise ConfigError(
                f"{cfg_path}: `{key}` must be a path (a non-empty string), not {_what(raw[key])}"
            )
    allowed = [base, *_allowed_folders(raw.get("allow_paths", []), base, cfg_path)]

    def confined(key: str, written: Path | str) -> Path:
        """`written` resolved (symlinks followed); refused outside the allowed folders."""
        path = (base / written).resolve()
        if not any(_inside(path, folder) for folder in allowed):
            raise ConfigError(
                f"{cfg_path}: {key} = {str(written)!r} resolves to {path}, outside the "
                f"configuration's folder {base}; list a folder holding it in `allow_paths` "
                "to use it"
            )
        return path

    def resolve(key: str) -> Path:
        if key in raw:
            return confined(f"`{key}`", raw[key])
        return (base / _PATH_KEYS[key]).resolve()

    sources_raw = raw.get("sources", [])
    if not isinstance(sources_raw, list):
        raise ConfigError(
            f"{cfg_path}: `sources` must be a list of [[sources]] tables, not {_what(sources_raw)}"
        )
    sources = []
    for i, item in enumerate(sources_raw):
        named = f"sources[{i}]" + (
            f" (id {item['id']!r})"
            if isinstance(item, dict) and isinstance(item.get("id"), str)
            else ""
        )
        if not isinstance(item, dict):
            raise ConfigError(f"{cfg_path}: {named} must be a [[sources]] table, not {_what(item)}")
        try:
            sources.append(Source.model_validate(item))
        except ValidationError as exc:
            raise _explain(exc, where, named) from None
    edition = _validate(EditionSettings, raw.get("edition", {}), where, "edition")
    fetch = _validate(FetchSettings, raw.get("fetch", {}), where, "fetch")
    email = _validate(EmailSettings, raw.get("email", {}), where, "email")
    run = _validate(RunSettings, raw.get("run", {}), where, "run")
    defaults = _validate(Defaults, raw.get("defaults", {}), where, "defaults")
    schedule = _validate(ScheduleSettings, raw.get("schedule", {}), where, "schedule")
    notify = _validate(NotifySettings, raw.get("notify", {}), where, "notify")
    ids = [s.id for s in sources]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"{cfg_path}: duplicate source ids {dupes}")
    for i, src in enumerate(sources):
        if src.path is not None:
            src.path = confined(f"sources[{i}].path (source {src.id!r})", src.path)

    workloads_file = resolve("workloads")
    capabilities_file = resolve("capabilities")
    wl_raw = _read_toml(workloads_file, f"`workloads` in {cfg_path}").get("workloads", {})
    cap_raw = _read_toml(capabilities_file, f"`capabilities` in {cfg_path}").get("benchmarks", {})
    specs = _tables(WorkloadSpec, wl_raw, workloads_file, "workloads")
    try:
        workloads = {n: spec.to_workload(n) for n, spec in specs.items()}
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{workloads_file}: invalid workload: {exc}") from None
    # A workload measured by a trace this configuration does not read keeps its written figures.
    trace_ids = {s.id for s in sources if s.kind == "trace"}
    traces = {n: spec.trace for n, spec in specs.items() if spec.trace in trace_ids}
    capabilities = _tables(Capability, cap_raw, capabilities_file, "benchmarks")
    if not workloads:
        raise ConfigError(f"{workloads_file}: no [workloads.NAME] tables")
    aliases_file = resolve("aliases")
    aliases = _read_aliases(
        aliases_file, required="aliases" in raw, named_by=f"`aliases` in {cfg_path}"
    )
    lineage = _read_lineage(
        resolve("lineage"), required="lineage" in raw, named_by=f"`lineage` in {cfg_path}"
    )

    database = resolve("database")
    output = resolve("output")
    review_database = (
        confined("`review_database`", raw["review_database"])
        if "review_database" in raw
        else database.with_name("review.sqlite")
    )
    snapshot = (
        confined("`snapshot`", raw["snapshot"])
        if "snapshot" in raw
        else database.with_name(f"{database.stem}-snapshot.duckdb")
    )
    if cfg_path == DEFAULT_CONFIG.resolve():  # never written inside an installed package
        database, output, review_database, snapshot = (
            writable(p) for p in (database, output, review_database, snapshot)
        )
    templates = confined("`templates`", raw["templates"]) if "templates" in raw else None
    if templates is not None and not templates.is_dir():
        raise ConfigError(f"{cfg_path}: `templates` = {str(raw['templates'])!r} is not a folder")
    return Config(
        path=cfg_path,
        database=database,
        output=output,
        review_database=review_database,
        snapshot=snapshot,
        templates=templates,
        allow_paths=allowed[1:],
        workloads_file=workloads_file,
        capabilities_file=capabilities_file,
        aliases_file=aliases_file,
        aliases=aliases,
        edition=edition,
        fetch=fetch,
        email=email,
        run=run,
        defaults=defaults,
        schedule=schedule,
        notify=notify,
        lineage=lineage,
        sources=sources,
        workloads=workloads,
        workload_traces=traces,
        capabilities=capabilities,
    )


def _tables(model: type[M], table: object, path: Path, key: str) -> dict[str, M]:
    """`[key.NAME]` tables of a file, each validated as `model`."""
    if not isinstance(table, dict):
        raise ConfigError(
            f"{path}: [{key}] must be a table of [{key}.NAME] tables, not {_what(table)}"
        )
    out = {}
    for name, value in table.items():
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: [{key}.{name}] must be a table, not {_what(value)}")
        try:
            out[name] = model.model_validate(value)
        except ValidationError as exc:
            raise _explain(exc, str(path), f"{key}.{name}") from None
    return out
