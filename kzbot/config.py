"""Settings: one frozen object built once from the environment (and .env). Nobody else reads os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kzbot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Settings:
    """Every setting kzbot reads. `.env.example` documents each one with its default."""

    token: str | None = field(default=None, repr=False)
    guild_ids: tuple[int, ...] = ()
    answer_channels: tuple[int, ...] = ()
    ephemeral: bool = False
    cooldown_rate: int = 3
    cooldown_seconds: float = 30.0
    max_question_length: int = 300
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    state_dir: Path = PROJECT_ROOT / ".kzbot-state"
    log_level: str = "INFO"
    log_format: str = "text"
    health_port: int | None = None
    health_host: str = "127.0.0.1"
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    record_questions: bool = True
    record_days: int = 90
    # Test hooks: point the real client at a local stand-in for Discord.
    api_base: str | None = None
    gateway_url: str | None = None

    @property
    def auto_answer(self) -> bool:
        """Channel auto-answer needs the privileged message-content intent; only then is it requested."""
        return bool(self.answer_channels)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        """Build Settings from `environ` (default os.environ) over the values in `dotenv` (default ./.env).

        Real environment variables win over .env. A malformed value raises ConfigError naming the variable.
        """
        env: dict[str, str] = {}
        dotenv = Path(".env") if dotenv is None else dotenv
        if dotenv.is_file():
            env.update(read_dotenv(dotenv))
        env.update(os.environ if environ is None else environ)
        return cls(
            token=env.get("DISCORD_TOKEN", "").strip() or None,
            guild_ids=_ids(env, "KZBOT_GUILD_IDS"),
            answer_channels=_ids(env, "KZBOT_ANSWER_CHANNELS"),
            ephemeral=_bool(env, "KZBOT_EPHEMERAL", False),
            cooldown_rate=_int(env, "KZBOT_COOLDOWN_RATE", 3, low=1, high=100),
            cooldown_seconds=_float(env, "KZBOT_COOLDOWN_SECONDS", 30.0, low=0.0, high=3600.0),
            max_question_length=_int(env, "KZBOT_MAX_QUESTION_LENGTH", 300, low=10, high=2000),
            knowledge_dir=_path(env, "KZBOT_KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge"),
            seeds_dir=_path(env, "KZBOT_SEEDS_DIR", PROJECT_ROOT / "seeds"),
            state_dir=_path(env, "KZBOT_STATE_DIR", PROJECT_ROOT / ".kzbot-state"),
            log_level=_choice(env, "KZBOT_LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
            log_format=_choice(env, "KZBOT_LOG_FORMAT", "text", ("text", "json")),
            health_port=_optional_int(env, "KZBOT_HEALTH_PORT", low=1, high=65535),
            health_host=env.get("KZBOT_HEALTH_HOST", "").strip() or "127.0.0.1",
            shard_count=_optional_int(env, "KZBOT_SHARD_COUNT", low=1, high=100_000),
            shard_ids=_shard_ids(env),
            record_questions=_bool(env, "KZBOT_RECORD_QUESTIONS", True),
            record_days=_int(env, "KZBOT_RECORD_DAYS", 90, low=1, high=3650),
            api_base=env.get("DISCORD_API_BASE", "").strip() or None,
            gateway_url=env.get("DISCORD_GATEWAY_URL", "").strip() or None,
        )


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; `#` comments, blank lines, `export ` prefixes and matching quotes allowed."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from exc
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw.strip()[:60]!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def _raw(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    value = _optional_int(env, name, low=low, high=high)
    return default if value is None else value


def _optional_int(env: Mapping[str, str], name: str, *, low: int, high: int) -> int | None:
    raw = _raw(env, name)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} must be between {low} and {high}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    raw = _raw(env, name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} must be between {low:g} and {high:g}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _raw(env, name).lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name}={env[name]!r} must be 1 or 0 (also true/false, yes/no, on/off)")


def _ids(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = _raw(env, name)
    if not raw:
        return ()
    ids = []
    for part in raw.replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit() or len(part) > 20:
            raise ConfigError(f"{name}={raw!r}: {part!r} is not a Discord id (a number such as 123456789012345678)")
        ids.append(int(part))
    return tuple(dict.fromkeys(ids))


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
    raw = _raw(env, name)
    if not raw:
        return default
    value = raw.upper() if upper else raw.lower()
    if value not in choices:
        raise ConfigError(f"{name}={raw!r} must be one of: {', '.join(choices)}")
    return value


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = _raw(env, name)
    return Path(raw).expanduser() if raw else default


def _shard_ids(env: Mapping[str, str]) -> tuple[int, ...] | None:
    """KZBOT_SHARD_IDS takes `0,1,2` or a range `0-3`; it needs KZBOT_SHARD_COUNT and ids below it."""
    raw = _raw(env, "KZBOT_SHARD_IDS")
    if not raw:
        return None
    count = _optional_int(env, "KZBOT_SHARD_COUNT", low=1, high=100_000)
    if count is None:
        raise ConfigError("KZBOT_SHARD_IDS is set but KZBOT_SHARD_COUNT is not; set both")
    ids: list[int] = []
    try:
        for part in raw.replace(" ", "").split(","):
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                ids.extend(range(first, last + 1))
            elif part:
                ids.append(int(part))
    except ValueError:
        raise ConfigError(f"KZBOT_SHARD_IDS={raw!r} must look like 0,1,2 or 0-3") from None
    bad = [i for i in ids if not 0 <= i < count]
    if bad or not ids:
        raise ConfigError(f"KZBOT_SHARD_IDS={raw!r} must name shards from 0 to {count - 1}")
    return tuple(sorted(set(ids)))
