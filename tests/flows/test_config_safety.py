"""Hostile or mistaken configuration never reaches a reader: every type error is a configuration
error (exit 2) naming the key and the file, paths stay inside the configuration's folder unless
`allow_paths` lists another, and a URL to a private address is a failed source, not a crash."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.config import ConfigError, load_config

runner = CliRunner()


@pytest.fixture
def mistral(bundled: Path) -> dict:
    """A source: the bundled Mistral feed."""
    return {
        "id": "mistral",
        "kind": "feed",
        "format": "feed",
        "path": str(bundled / "sources" / "feeds" / "feed_mistral.xml"),
    }


@pytest.fixture
def edited_config(make_config, mistral: dict) -> Callable[..., Path]:
    """``edited_config(folder, replace=None, extra="", sources=None)``: make_config's file
    (the Mistral feed its source unless `sources` is given) with top-level lines replaced
    (key -> whole new line) and `extra` text put before them."""

    def write(
        folder: Path,
        replace: dict[str, str] | None = None,
        extra: str = "",
        sources: list[dict] | None = None,
    ) -> Path:
        path = make_config(folder, sources=[mistral] if sources is None else sources)
        lines = path.read_text().splitlines()
        for key, line in (replace or {}).items():
            lines = [line if re.match(rf"{key}\s*=", old) else old for old in lines]
        path.write_text(extra + "\n".join(lines) + "\n")
        return path

    return write


@pytest.fixture
def minimal_config(bundled: Path) -> Callable[..., Path]:
    """``minimal_config(folder, extra="", **keys)``: a configuration with the bundled workloads,
    capabilities, aliases and lineage and no sources; `keys` replace top-level lines (the
    whole right-hand side, as TOML) and `extra` follows them."""

    def write(folder: Path, extra: str = "", **keys: str) -> Path:
        lines = {
            "allow_paths": f'["{bundled}"]',
            "database": f'"{folder / "brief.duckdb"}"',
            "output": f'"{folder / "out"}"',
            **{
                k: f'"{bundled / f"{k}.toml"}"'
                for k in ("workloads", "capabilities", "aliases", "lineage")
            },
        }
        lines.update(keys)
        path = folder / "brief.toml"
        path.write_text("".join(f"{k} = {v}\n" for k, v in lines.items()) + extra)
        return path

    return write


def _flat(text: str) -> str:
    """The output without any whitespace: rich folds long paths across lines."""
    return "".join(text.split())


def _ingest_fails_with_2(cfg: Path, *expected: str) -> str:
    result = runner.invoke(app, ["ingest", "--config", str(cfg)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for text in expected:
        assert _flat(text) in _flat(result.output), (text, result.output)
    return result.output


# --- the command line: exit 2, the key and the file named, no traceback ---------------------


@pytest.mark.parametrize(
    ("key", "line", "what"),
    [
        ("database", "database = 5", "an integer (5)"),
        ("output", "output = true", "a boolean (true)"),
        ("aliases", 'aliases = ["a.toml"]', "a list"),
        ("lineage", "lineage = { file = 'x' }", "a table"),
        ("workloads", 'workloads = ""', "a string ('')"),
    ],
)
def test_a_path_key_of_the_wrong_type_exits_2(
    edited_config, tmp_path: Path, key: str, line: str, what: str
) -> None:
    cfg = edited_config(tmp_path, {key: line})
    _ingest_fails_with_2(cfg, str(cfg), f"`{key}` must be a path (a non-empty string), not {what}")


def test_a_workloads_file_whose_workloads_is_not_a_table_exits_2(
    edited_config, tmp_path: Path
) -> None:
    (tmp_path / "workloads.toml").write_text("workloads = 3\n")
    cfg = edited_config(tmp_path, {"workloads": 'workloads = "workloads.toml"'})
    _ingest_fails_with_2(
        cfg,
        str(tmp_path / "workloads.toml"),
        "[workloads] must be a table of [workloads.NAME] tables, not an integer (3)",
    )


def test_a_source_path_outside_the_folder_exits_2(minimal_config, tmp_path: Path) -> None:
    cfg = minimal_config(
        tmp_path, "[[sources]]\nid = 'pw'\nkind = 'feed'\nformat = 'feed'\npath = '/etc/passwd'\n"
    )
    _ingest_fails_with_2(
        cfg,
        str(cfg),
        "sources[0].path (source 'pw') = '/etc/passwd' "
        "resolves to /etc/passwd, outside the configuration's folder",
    )


def test_a_metadata_url_is_a_failed_source_not_a_configuration_error(
    make_config, mistral, tmp_path: Path, prefect_server
) -> None:
    cfg = make_config(
        tmp_path,
        sources=[
            {
                "id": "meta",
                "kind": "feed",
                "format": "feed",
                "url": "http://169.254.169.254/latest/meta-data/",
            },
            mistral,
        ],
    )
    load_config(cfg)  # a valid configuration
    result = runner.invoke(app, ["ingest", "--config", str(cfg)])
    assert result.exit_code == 3, result.output  # some sources failed; the others went in
    assert "Traceback" not in result.output
    assert _flat("meta: refused: 169.254.169.254 is a cloud metadata address") in _flat(
        result.output
    )


# --- load_config: every type error names the key ------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("edition = 3\n", "[edition] must be a table, not an integer (3)"),
        ('fetch = "fast"\n', "[fetch] must be a table, not a string ('fast')"),
        ("defaults = [1]\n", "[defaults] must be a table, not a list"),
        ("sources = 5\n", "`sources` must be a list of [[sources]] tables, not an integer (5)"),
        ("sources = [5]\n", "sources[0] must be a [[sources]] table, not an integer (5)"),
        (
            "sources = [{ id = 'x', kind = 'feed', format = 'feed', url = 'http://h/', "
            "size = 1 }]\n",
            "sources[0] (id 'x').size: Extra inputs are not permitted",
        ),
    ],
)
def test_a_table_or_list_of_the_wrong_type_names_the_key(
    minimal_config, tmp_path: Path, extra: str, message: str
) -> None:
    cfg = minimal_config(tmp_path, extra)
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert message in str(info.value) and str(cfg) in str(info.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("'/tmp'", "`allow_paths` must be a list of folders, not a string ('/tmp')"),
        ("[3]", "allow_paths[0] must be a folder (a non-empty string), not an integer (3)"),
        ('[""]', "allow_paths[0] must be a folder (a non-empty string), not a string ('')"),
    ],
)
def test_allow_paths_must_be_a_list_of_folders(
    minimal_config, tmp_path: Path, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(minimal_config(tmp_path, allow_paths=value))


def test_a_field_of_the_wrong_type_names_its_table(mistral, edited_config, tmp_path: Path) -> None:
    cfg = edited_config(tmp_path, {"max_items": 'max_items = "six"'})
    with pytest.raises(ConfigError, match=r"edition\.max_items: Input should be a valid integer"):
        load_config(cfg)
    cfg = edited_config(tmp_path, sources=[{**mistral, "options": 3}])
    with pytest.raises(ConfigError, match=r"sources\[0\] \(id 'mistral'\)\.options: "):
        load_config(cfg)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "workloads = 3\n",
            "[workloads] must be a table of [workloads.NAME] tables, not an integer",
        ),
        ("[workloads]\nchat = 3\n", "[workloads.chat] must be a table, not an integer (3)"),
        ("[workloads.chat]\nprompt_tokens = 'many'\n", "workloads.chat.prompt_tokens: "),
        ("[workloads", "not valid TOML"),
    ],
)
def test_a_bad_workloads_file_names_the_key_and_the_file(
    edited_config, tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "w.toml").write_text(text)
    cfg = edited_config(tmp_path, {"workloads": 'workloads = "w.toml"'})
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert message in str(info.value) and str(tmp_path / "w.toml") in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "benchmarks = []\n",
            "[benchmarks] must be a table of [benchmarks.NAME] tables, not a list",
        ),
        ("[benchmarks]\ngpqa = 'hard'\n", "[benchmarks.gpqa] must be a table, not a string"),
    ],
)
def test_a_bad_capabilities_file_names_the_key(
    edited_config, tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "c.toml").write_text(text)
    cfg = edited_config(tmp_path, {"capabilities": 'capabilities = "c.toml"'})
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(cfg)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "a folder, not a TOML file"),
        (b"\xff\xfe\x00binary", "not valid TOML: not UTF-8 text"),
    ],
)
def test_a_named_file_that_is_no_toml_text_is_a_configuration_error(
    edited_config, tmp_path: Path, content: bytes | None, message: str
) -> None:
    target = tmp_path / "w.toml"
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
    cfg = edited_config(tmp_path, {"workloads": 'workloads = "w.toml"'})
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert message in str(info.value) and f"(named by `workloads` in {cfg})" in str(info.value)


def test_allow_private_hosts_must_be_hosts_addresses_or_ranges(
    minimal_config, tmp_path: Path
) -> None:
    good = minimal_config(
        tmp_path,
        '[fetch]\nallow_private_hosts = ["127.0.0.1", '
        '"house.internal", "10.0.0.0/8", "[::1]", "fd00::/8"]\n',
    )
    assert load_config(good).fetch.allow_private_hosts[1] == "house.internal"
    for bad in ('"10.0.0.0/33"', '"http://house"', '""', "3"):
        cfg = minimal_config(tmp_path, f"[fetch]\nallow_private_hosts = [{bad}]\n")
        with pytest.raises(ConfigError, match=r"fetch\.allow_private_hosts"):
            load_config(cfg)


# --- paths confined to the configuration's folder, unless allowed ------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("database", "/tmp/elsewhere.duckdb"),
        ("output", "../out"),
        ("workloads", "/etc/passwd"),
        ("capabilities", "../capabilities.toml"),
        ("aliases", "../../aliases.toml"),
        ("lineage", "/etc/hosts"),
    ],
)
def test_a_path_outside_the_folder_is_refused_naming_the_key(
    minimal_config, tmp_path: Path, key: str, value: str
) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    cfg = minimal_config(folder, **{key: f'"{value}"'})
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    text = str(info.value)
    assert text.startswith(f"{cfg}: `{key}` = '{value}' resolves to "), text
    assert f"outside the configuration's folder {folder}" in text and "allow_paths" in text


def test_a_symlink_out_of_the_folder_is_resolved_then_refused(
    bundled, minimal_config, tmp_path: Path
) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    secret = tmp_path / "secret" / "key.csv"
    secret.parent.mkdir()
    secret.write_text("model,provider\n")
    (folder / "prices.csv").symlink_to(secret)
    extra = "[[sources]]\nid = 'p'\nkind = 'prices'\nformat = 'canonical'\npath = 'prices.csv'\n"
    with pytest.raises(ConfigError) as info:
        load_config(minimal_config(folder, extra))
    assert f"sources[0].path (source 'p') = 'prices.csv' resolves to {secret}" in str(info.value)
    allowed = minimal_config(folder, extra, allow_paths=f'["{bundled}", "{secret.parent}"]')
    assert load_config(allowed).sources[0].path == secret


def test_allow_paths_relative_to_the_folder_lets_the_bundled_layout_write_beside_it(
    bundled,
    minimal_config,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    with pytest.raises(ConfigError, match="`output` = '../out'"):
        load_config(minimal_config(folder, output='"../out"'))
    loaded = load_config(
        minimal_config(folder, output='"../out"', allow_paths=f'["..", "{bundled}"]')
    )
    assert loaded.output == tmp_path / "out"
    assert loaded.allow_paths == [tmp_path, bundled.resolve()]


def test_paths_inside_the_folder_need_no_allowance(bundled, edited_config, tmp_path: Path) -> None:
    feed = tmp_path / "feeds" / "f.xml"
    feed.parent.mkdir()
    feed.write_bytes((bundled / "sources" / "feeds" / "feed_mistral.xml").read_bytes())
    cfg = edited_config(
        tmp_path,
        {"database": 'database = "store/brief.duckdb"'},
        sources=[{"id": "f", "kind": "feed", "format": "feed", "path": "feeds/f.xml"}],
    )
    loaded = load_config(cfg)
    assert loaded.sources[0].path == feed.resolve()
    assert loaded.database == (tmp_path / "store" / "brief.duckdb").resolve()


@pytest.mark.parametrize(
    ("change", "key", "allowed"),
    [
        ({"format": "litelm"}, ".format: unknown format 'litelm'", "litellm"),
        (
            {"format": "litellm", "kind": "scores"},
            "kind 'scores' does not go with format 'litellm'",
            "allowed: prices",
        ),
        (
            {"format": "litellm", "kind": "prices", "options": {"as_off": "2025-01-01"}},
            "options.as_off: not an option of format 'litellm'",
            "allowed: as_of",
        ),
        (
            {"options": {"budget": 3}},
            "options.budget: not an option of format 'feed'",
            "allowed: base_url, content_type, budget_s",
        ),
    ],
    ids=["format", "kind", "option", "feed-option"],
)
def test_a_wrong_format_kind_or_option_exits_2_naming_the_key_and_the_allowed(
    mistral, edited_config, tmp_path: Path, change: dict, key: str, allowed: str
) -> None:
    """The formats the adapters declare decide what a source may say, before any run."""
    path = edited_config(tmp_path, sources=[{**mistral, **change}])
    result = runner.invoke(app, ["run", "--config", str(path)])
    said = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert "sources[0] (id 'mistral')" in said and key in said and allowed in said
