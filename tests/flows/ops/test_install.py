"""The slow packaging test: a wheel built from the repository, installed into a new virtualenv
outside the checkout, makes the sample brief from any folder, finds its templates and bundled
data, and writes nothing inside its installed package; an editable install finds them too.

Offline: the wheel is built with the test interpreter's own setuptools (no build isolation) and
installed without dependencies; the new virtualenv sees the test interpreter's site-packages
through a `.pth` line, which adds the folder to its path but runs none of its `.pth` files, so
the editable install of this project there is not in the way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

DAY = "2025-08-08"
BUNDLED = ("data", "templates")  # top-level folders of the checkout a wheel ships


def _run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def _tracked(repo: Path) -> list[str]:
    """The repository's files as committed or changed in the working tree (not ignored ones)."""
    listed = _run("git", "-C", repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return [p for p in listed.stdout.split("\0") if p and (repo / p).is_file()]


def _user_env(home: Path) -> dict[str, str]:
    """A user's environment: HOME given, and nothing of the test session's settings (no
    PYTHONPATH, no Prefect, matplotlib or program home variables)."""
    drop = ("PYTHONPATH", "MPLCONFIGDIR", "BRIEF_HOME", "VIRTUAL_ENV")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.startswith(("PREFECT_", "XDG_"))
    }
    env["HOME"] = str(home)
    return env


def _venv(folder: Path) -> tuple[Path, Path]:
    """A new virtualenv (python, site-packages) seeing the test interpreter's packages."""
    _run(sys.executable, "-m", "venv", "--without-pip", folder)
    python = folder / "bin" / "python"
    purelib = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        ).stdout.strip()
    )
    shared = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    (purelib / "_shared_packages.pth").write_text("".join(f"{p}\n" for p in sorted(shared)))
    return python, purelib


def _pip(python: Path, *args: str | Path) -> None:
    _run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--no-deps", *args
    )


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def source(repo_root: Path, tmp_path_factory) -> Path:
    """A copy of the repository's files, with what a run in a checkout leaves in data/ (which
    must not ship) added."""
    src = tmp_path_factory.mktemp("src")
    for name in _tracked(repo_root):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo_root / name, src / name)
    for leftover in ("brief.duckdb", "brief.duckdb.wal", "review.sqlite", "_dev.toml"):
        (src / "data" / leftover).write_bytes(b"left by a run in the checkout")
    return src


def test_a_wheel_installed_elsewhere_makes_the_brief_and_writes_nothing_inside_itself(
    repo_root: Path, source: Path, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels"
    built = _run(
        sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
        "--no-index", "-w", wheels, source, cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = wheels.glob("morning_brief-*.whl")
    # every folder of templates/ and data/ is named in pyproject.toml's packages
    assert "absent from the `packages` configuration" not in built.stdout + built.stderr

    # the wheel ships every file of templates/ and data/, and nothing a run left there
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n.removeprefix("flows/_bundled/") for n in zf.namelist()}
    wanted = {n for n in _tracked(repo_root) if n.split("/")[0] in BUNDLED}
    assert wanted and wanted <= shipped, sorted(wanted - shipped)
    assert not {n for n in shipped if n.startswith("data/") and n not in wanted}

    python, site = _venv(tmp_path / "venv")
    _pip(python, wheel)
    before = _listing(tmp_path / "venv")

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = _user_env(home)
    where = _run(
        python, "-c", "import flows, flows.cli, signals; print(flows.__file__, signals.__file__)",
        cwd=work, env=env,
    )  # fmt: skip
    for module in where.stdout.split():
        assert Path(module).is_relative_to(site), where.stdout

    done = _run(tmp_path / "venv" / "bin" / "brief", "run", "--date", DAY, cwd=work, env=env)
    data_home = home / ".local" / "share" / "morning-brief"  # the user's data folder
    out = data_home / "out" / DAY
    for kind in ("html", "md", "txt"):
        assert (out / f"brief.{kind}").stat().st_size > 1000
        assert str(out / f"brief.{kind}") in done.stdout
    html = (out / "brief.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "gpt-5" in html.lower()
    assert (data_home / "data" / "brief.duckdb").is_file()
    assert (data_home / ".prefect").is_dir()
    assert list(work.iterdir()) == []

    assert _listing(tmp_path / "venv") == before  # nothing written inside the installed package

    doctor = _run(tmp_path / "venv" / "bin" / "brief", "doctor", "--offline", cwd=work, env=env)
    assert f"templates: found in {site / 'flows' / '_bundled' / 'templates'}" in " ".join(
        doctor.stdout.split()
    )


def test_an_editable_install_finds_the_checkouts_templates_and_data(
    source: Path, tmp_path: Path
) -> None:
    python, _ = _venv(tmp_path / "venv")
    _pip(python, "--no-build-isolation", "-e", source)
    work = tmp_path / "work"
    work.mkdir()
    found = _run(
        python,
        "-c",
        "import flows; from flows.locations import default_config, home, templates_dir; "
        "from flows.brief.render import make_env; "
        "make_env('html').get_template('brief/brief.html.j2'); "
        "print(flows.__file__, default_config(), templates_dir(), home(), sep='\\n')",
        cwd=work,
        env=_user_env(tmp_path / "home"),
    ).stdout.split("\n")
    assert found[:4] == [
        str(source / "flows" / "__init__.py"),
        str(source / "data" / "brief.toml"),
        str(source / "templates"),
        str(source),
    ]
