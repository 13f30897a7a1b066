"""The installable package: the wheel holds all of kzbot with its knowledge base and articles, and the
installed `kzbot` command works from any directory.

The slow test builds the wheel from a copy of the checkout, installs it into a fresh virtual environment
(its dependencies come from the package index, or from KZBOT_WHEELHOUSE with --no-index when that is set)
and runs `kzbot check` and `kzbot ask --json` from an empty directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from kzbot.config import PROJECT_ROOT

SHIPPED = ("pyproject.toml", "README.md", "requirements.txt", "kzbot", "knowledge", "seeds")


def _python_files() -> set[str]:
    return {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "kzbot").rglob("*.py")}


def test_every_package_folder_is_a_package():
    """setuptools ships the packages it is told of: each folder of kzbot/ with code needs an __init__.py."""
    for folder in {p.parent for p in (PROJECT_ROOT / "kzbot").rglob("*.py")}:
        assert (folder / "__init__.py").is_file(), f"{folder} has no __init__.py"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SHIPPED:
        origin = PROJECT_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "shipped"))
        else:
            shutil.copy2(origin, source / name)
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", dist, source],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = dist.glob("kzbot-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_holds_the_package_the_knowledge_base_and_the_articles(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert _python_files() <= names, sorted(_python_files() - names)
    assert "kzbot/matching/confidence-trees.json" in names  # the confidence's fitted trees
    for folder, pattern in (("knowledge", "*.yaml"), ("seeds", "*.txt")):
        shipped = {f"kzbot/shipped/{folder}/{p.name}" for p in (PROJECT_ROOT / folder).glob(pattern)}
        assert shipped and shipped <= names, sorted(shipped - names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "kzbot = kzbot.__main__:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.slow
def test_the_installed_command_runs_from_any_directory(wheel: Path, tmp_path: Path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    install = [env_dir / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    wheelhouse = os.environ.get("KZBOT_WHEELHOUSE")
    if wheelhouse:
        install += ["--no-index", "--find-links", wheelhouse]
    result = subprocess.run([*install, wheel], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep} | {"HOME": str(tmp_path), "PYTHONUTF8": "1"}
    kzbot = str(env_dir / "bin" / "kzbot")

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [kzbot, *args], cwd=elsewhere, env=env | extra, capture_output=True, text=True, timeout=120
        )

    check = run("check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("knowledge base OK: "), check.stdout

    ask = run("ask", "--json", "why didnt china send troops")
    assert ask.returncode == 0, ask.stdout + ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["answered"] is True
    assert answer["id"] == "why-no-troops"
    assert answer["sources"] and all(s["quote"] for s in answer["sources"])

    # The environment still overrides the shipped knowledge base.
    missing = run("check", KZBOT_KNOWLEDGE_DIR=str(elsewhere / "nowhere"))
    assert missing.returncode == 78
    assert "nowhere: the knowledge directory does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr
