"""The run configuration (`data/brief.toml`): sources, workloads, capabilities, where data lives."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from signals.costmodel import Workload

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = PROJECT_DIR / "data" / "brief.toml"

SourceKind = Literal["feed", "prices", "scores", "run_costs", "profiles", "trace"]
PACKAGED_FORMATS = frozenset({"genai-prices"})  # formats that carry their own data


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

    @model_validator(mode="after")
    def _one_location(self) -> Source:
        if self.format in PACKAGED_FORMATS:
            if self.path is not None or self.url is not None:
                raise ValueError(f"source {self.id!r}: format {self.format!r} reads its own "
                                 "bundled data; give no `path` or `url`")
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
    # where readers find the method page (a web address); without one the brief names the page
    method_url: str | None = Field(default=None, pattern=r"^https?://")


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
        return any(fnmatch(model, pat) for pat in self.reasoning_models)

    def is_hosted_only(self, model: str) -> bool:
        return any(fnmatch(model, pat) for pat in self.hosted_only)


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
        data = self.model_dump(exclude={"label", "benchmarks", "trace", "reasoning_tokens",
                                        "observed_cost_from"})
        return Workload(name=name, benchmarks=tuple(self.benchmarks),
                        label=self.label or name.replace("_", " ").capitalize(),
                        reasoning_tokens=tuple(self.reasoning_tokens.items()),
                        observed_cost_from=tuple(self.observed_cost_from), **data)


class Config(BaseModel):
    """A whole run configuration, with every relative path resolved against its file's folder."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    database: Path
    output: Path
    workloads_file: Path
    capabilities_file: Path
    aliases_file: Path
    edition: EditionSettings
    fetch: FetchSettings
    defaults: Defaults = Field(default_factory=Defaults)
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
        return {b: c.noise_floor for b, c in self.capabilities.items()
                if c.noise_floor is not None}

    def benchmark_label(self, benchmark: str) -> str:
        cap = self.capabilities.get(benchmark)
        return (cap.label if cap and cap.label else None) or benchmark


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def alias_key(name: str) -> str:
    """How a model name is looked up in the alias file: case and spacing do not matter
    ("DeepSeek R1 Distill" and "deepseek-r1-distill" are one key)."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def _read_aliases(path: Path, required: bool) -> dict[str, str]:
    """The `[aliases]` table of the alias file: name as a source writes it -> model id."""
    if not path.exists() and not required:
        return {}
    table = _read_toml(path).get("aliases", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [aliases] must be a table of \"name\" = \"model id\"")
    out: dict[str, str] = {}
    for name, model in table.items():
        if not isinstance(model, str) or not model.strip() or not name.strip():
            raise ConfigError(f"{path}: alias {name!r} must map a name to a model id (a string)")
        key = alias_key(name)
        if key in out and out[key] != model.strip():
            raise ConfigError(f"{path}: {name!r} is given two model ids ({out[key]!r} and "
                              f"{model.strip()!r})")
        out[key] = model.strip()
    return out


def _read_lineage(path: Path, required: bool) -> dict[str, str]:
    """The `[predecessors]` table of the lineage file: model id -> the model it succeeds."""
    if not path.exists() and not required:
        return {}
    table = _read_toml(path).get("predecessors", {})
    if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in table.items()):
        raise ConfigError(f"{path}: [predecessors] must be a table of \"model id\" = "
                          "\"predecessor id\"")
    return {k.strip(): v.strip() for k, v in table.items()}


def _explain(exc: ValidationError, where: str) -> ConfigError:
    lines = [f"{where}: invalid configuration"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {loc}: {err['msg']}")
    return ConfigError("\n".join(lines))


def load_config(path: Path | str | None = None) -> Config:
    """Read a run configuration; raise ConfigError with a readable message when it is wrong.

    Every task of a run reads it by path; an unchanged configuration is parsed once per process
    (the cache is keyed by the files' modification times). Treat the result as read-only.
    """
    cfg_path = Path(path or DEFAULT_CONFIG).resolve()
    cached = _CACHE.get(cfg_path)
    if cached is not None and cached[0] == _stamp(cached[1]):
        return cached[1]
    cfg = _parse_config(cfg_path)
    _CACHE[cfg_path] = (_stamp(cfg), cfg)
    return cfg


_CACHE: dict[Path, tuple[tuple, Config]] = {}


def _stamp(cfg: Config) -> tuple:
    """When and how big the configuration's files are: a change to any reloads it."""
    out = []
    for path in (cfg.path, cfg.workloads_file, cfg.capabilities_file, cfg.aliases_file):
        try:
            st = path.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def _parse_config(cfg_path: Path) -> Config:
    raw = _read_toml(cfg_path)
    base = cfg_path.parent
    known = {"database", "workloads", "capabilities", "aliases", "output", "edition", "fetch",
             "sources", "defaults", "lineage"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{cfg_path}: unknown keys {sorted(unknown)} (known: {sorted(known)})")

    def resolve(value: str | None, default: str) -> Path:
        return (base / (value or default)).resolve()

    try:
        sources = [Source.model_validate(s) for s in raw.get("sources", [])]
        edition = EditionSettings.model_validate(raw.get("edition", {}))
        fetch = FetchSettings.model_validate(raw.get("fetch", {}))
        defaults = Defaults.model_validate(raw.get("defaults", {}))
    except ValidationError as exc:
        raise _explain(exc, str(cfg_path)) from None
    ids = [s.id for s in sources]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"{cfg_path}: duplicate source ids {dupes}")
    for src in sources:
        if src.path is not None:
            src.path = (base / src.path).resolve()

    workloads_file = resolve(raw.get("workloads"), "workloads.toml")
    capabilities_file = resolve(raw.get("capabilities"), "capabilities.toml")
    wl_raw = _read_toml(workloads_file).get("workloads", {})
    cap_raw = _read_toml(capabilities_file).get("benchmarks", {})
    try:
        specs = {n: WorkloadSpec.model_validate(v) for n, v in wl_raw.items()}
    except ValidationError as exc:
        raise _explain(exc, str(workloads_file)) from None
    workloads = {n: spec.to_workload(n) for n, spec in specs.items()}
    # A workload measured by a trace this configuration does not read keeps its written figures.
    trace_ids = {s.id for s in sources if s.kind == "trace"}
    traces = {n: spec.trace for n, spec in specs.items() if spec.trace in trace_ids}
    try:
        capabilities = {n: Capability.model_validate(v) for n, v in cap_raw.items()}
    except ValidationError as exc:
        raise _explain(exc, str(capabilities_file)) from None
    if not workloads:
        raise ConfigError(f"{workloads_file}: no [workloads.NAME] tables")
    aliases_file = resolve(raw.get("aliases"), "aliases.toml")
    aliases = _read_aliases(aliases_file, required="aliases" in raw)
    lineage = _read_lineage(resolve(raw.get("lineage"), "lineage.toml"),
                            required="lineage" in raw)

    return Config(
        path=cfg_path,
        database=resolve(raw.get("database"), "brief.duckdb"),
        output=resolve(raw.get("output"), "../out"),
        workloads_file=workloads_file,
        capabilities_file=capabilities_file,
        aliases_file=aliases_file,
        aliases=aliases,
        edition=edition,
        fetch=fetch,
        defaults=defaults,
        lineage=lineage,
        sources=sources,
        workloads=workloads,
        workload_traces=traces,
        capabilities=capabilities,
    )
