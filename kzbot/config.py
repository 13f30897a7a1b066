"""Settings: one frozen object built once from the environment (and .env). Nobody else reads os.environ.

The Settings dataclass is the one table of settings: each field names its variable, type, default, range and
help. `--help`, `.env.example` and the README's configuration table are made from it (kzbot.settings_docs).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv.parser import parse_stream

from kzbot.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
# An installed wheel carries the knowledge base and the articles as package data here; a source checkout
# (and the Docker image, which copies one) keeps them beside the package.
SHIPPED_DIR = PACKAGE_DIR / "shipped"
INSTALLED = (SHIPPED_DIR / "knowledge").is_dir()
DATA_ROOT = SHIPPED_DIR if INSTALLED else PROJECT_ROOT
# Where an installed kzbot keeps its state: nothing is written inside site-packages.
STATE_DEFAULT = Path.home() / ".local" / "state" / "kzbot" if INSTALLED else PROJECT_ROOT / ".kzbot-state"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


# ------------------------------------------------------------------------------------- kinds of value


@dataclass(frozen=True)
class Kind:
    """How one variable's text becomes a value. Blank (or unset) always means the default."""

    def parse(self, raw: str, name: str, env: Mapping[str, str]) -> Any:
        return raw

    def range_text(self) -> str | None:
        """The accepted values, for the documentation: "1–100", "text or json"."""
        return None

    def show(self, value: Any) -> str:
        """A default as it is written in .env (empty string: nothing)."""
        if value is None or value == ():
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


@dataclass(frozen=True)
class Text(Kind):
    pass


@dataclass(frozen=True)
class Flag(Kind):
    def parse(self, raw: str, name: str, env: Mapping[str, str]) -> bool:
        value = raw.lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(f"{name}={raw!r} must be 1 or 0 (also true/false, yes/no, on/off)")

    def range_text(self) -> str:
        return "1 or 0"


@dataclass(frozen=True)
class Whole(Kind):
    low: int
    high: int

    def parse(self, raw: str, name: str, env: Mapping[str, str]) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a whole number") from None
        if not self.low <= value <= self.high:
            raise ConfigError(f"{name}={raw!r} must be between {self.low} and {self.high}")
        return value

    def range_text(self) -> str:
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class Number(Kind):
    low: float
    high: float

    def parse(self, raw: str, name: str, env: Mapping[str, str]) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a number") from None
        if not self.low <= value <= self.high:
            raise ConfigError(f"{name}={raw!r} must be between {self.low:g} and {self.high:g}")
        return value

    def range_text(self) -> str:
        return f"{self.low:g}–{self.high:g}"


@dataclass(frozen=True)
class Choice(Kind):
    choices: tuple[str, ...]
    upper: bool = False

    def parse(self, raw: str, name: str, env: Mapping[str, str]) -> str:
        value = raw.upper() if self.upper else raw.lower()
        if value not in self.choices:
            raise ConfigError(f"{name}={raw!r} must be one of: {', '.join(self.choices)}")
        return value

    def range_text(self) -> str:
        return ", ".join(self.choices[:-1]) + f" or {self.choices[-1]}"


@dataclass(frozen=True)
class Folder(Kind):
    def parse(self, raw: str, name: str, env: Mapping[str, str]) -> Path:
        return Path(raw).expanduser()


@dataclass(frozen=True)
class Ids(Kind):
    """Discord ids, separated by commas or spaces; repeats dropped."""

    def parse(self, raw: str, name: str, env: Mapping[str, str]) -> tuple[int, ...]:
        ids = []
        for part in raw.replace(" ", ",").split(","):
            if not part:
                continue
            if not part.isdigit() or len(part) > 20:
                raise ConfigError(f"{name}={raw!r}: {part!r} is not a Discord id (a number such as 123456789012345678)")
            ids.append(int(part))
        return tuple(dict.fromkeys(ids))


@dataclass(frozen=True)
class ShardIds(Kind):
    """`0,1,2` or a range `0-3`; needs the shard count and ids below it."""

    count_variable: str

    def parse(self, raw: str, name: str, env: Mapping[str, str]) -> tuple[int, ...]:
        count_raw = _raw(env, self.count_variable)
        if not count_raw:
            raise ConfigError(f"{name} is set but {self.count_variable} is not; set both")
        count = int(_spec("shard_count").kind.parse(count_raw, self.count_variable, env))
        ids: list[int] = []
        try:
            for part in raw.replace(" ", "").split(","):
                if "-" in part:
                    first, last = (int(x) for x in part.split("-", 1))
                    ids.extend(range(first, last + 1))
                elif part:
                    ids.append(int(part))
        except ValueError:
            raise ConfigError(f"{name}={raw!r} must look like 0,1,2 or 0-3") from None
        bad = [i for i in ids if not 0 <= i < count]
        if bad or not ids:
            raise ConfigError(f"{name}={raw!r} must name shards from 0 to {count - 1}")
        return tuple(sorted(set(ids)))


# ------------------------------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Spec:
    """One setting: its variable, kind, help, and how the documentation shows it.

    `shown_default` replaces the default in the docs when it is not a value one would type (a folder inside
    the project). `example` is the value `.env.example` shows; `commented` keeps its line commented out (the
    image sets it, or it is a test hook). `image` is the value the Docker image sets."""

    variable: str
    kind: Kind
    help: str
    group: str
    shown_default: str | None = None
    example: str | None = None
    commented: bool = False
    image: str | None = None


def setting(
    variable: str, default: Any, kind: Kind, help: str, group: str, *, secret: bool = False, **docs: Any
) -> Any:
    """A Settings field with its variable and documentation attached; a secret one is left out of repr()."""
    spec = Spec(variable, kind, help, group, **docs)
    return dataclasses.field(default=default, metadata={"spec": spec}, repr=not secret)


DISCORD, LIMITS, RECORD, LOGGING, SHARDING, PLACES, HOOKS = (
    "Discord",
    "Limits",
    "Question log",
    "Logging",
    "Sharding",
    "Places and ports",
    "Test hooks",
)
IMAGE_SETS = "the image sets it"


@dataclass(frozen=True)
class Settings:
    """Every setting kzbot reads, with its variable, default, range and help: the one table of settings."""

    token: str | None = setting(
        "DISCORD_TOKEN", None, Text(),
        "The bot token from the Discord developer portal (Bot → Reset Token); secret. Without one, `kzbot` "
        "opens the offline console instead of connecting (in a terminal).",
        DISCORD, secret=True,
    )  # fmt: skip
    guild_ids: tuple[int, ...] = setting(
        "KZBOT_GUILD_IDS", (), Ids(),
        "Server ids, comma-separated, to register the slash commands in at once; empty registers them globally.",
        DISCORD,
    )  # fmt: skip
    answer_channels: tuple[int, ...] = setting(
        "KZBOT_ANSWER_CHANNELS", (), Ids(),
        "Channel ids where the bot answers questions unprompted (in their threads too) when it has a clear "
        "answer; needs the Message Content intent.",
        DISCORD,
    )  # fmt: skip
    ephemeral: bool = setting(
        "KZBOT_EPHEMERAL", False, Flag(),
        "1: answers to commands are shown only to the person who asked; 0: everyone in the channel sees them.",
        DISCORD,
    )  # fmt: skip
    cooldown_rate: int = setting(
        "KZBOT_COOLDOWN_RATE", 3, Whole(1, 100), "Questions one user may ask per cooldown period.", LIMITS
    )
    cooldown_seconds: float = setting(
        "KZBOT_COOLDOWN_SECONDS", 30.0, Number(0.0, 3600.0), "The cooldown period, in seconds.", LIMITS
    )
    max_question_length: int = setting(
        "KZBOT_MAX_QUESTION_LENGTH", 300, Whole(10, 2000), "Longest question accepted, in characters.", LIMITS
    )
    record_questions: bool = setting(
        "KZBOT_RECORD_QUESTIONS", True, Flag(),
        "1: questions, outcomes and votes are kept anonymously (no user ids) for `kzbot review`, and answers "
        "carry 👍/👎 buttons; 0: nothing is recorded and no feedback buttons are shown.",
        RECORD,
    )  # fmt: skip
    record_days: int = setting(
        "KZBOT_RECORD_DAYS", 90, Whole(1, 3650),
        "Recorded questions older than this many days are deleted, at start and daily.",
        RECORD,
    )  # fmt: skip
    log_level: str = setting("KZBOT_LOG_LEVEL", "INFO", Choice(LOG_LEVELS, upper=True), "How much is logged.", LOGGING)
    log_format: str = setting(
        "KZBOT_LOG_FORMAT", "text", Choice(("text", "json")),
        "text for people, or json for one JSON object per line (ts, level, logger, message, exc_info).",
        LOGGING,
    )  # fmt: skip
    shard_count: int | None = setting(
        "KZBOT_SHARD_COUNT", None, Whole(1, 100_000),
        "Total number of shards across all processes; empty lets Discord choose and runs them all in one process.",
        SHARDING,
    )  # fmt: skip
    shard_ids: tuple[int, ...] | None = setting(
        "KZBOT_SHARD_IDS", None, ShardIds("KZBOT_SHARD_COUNT"),
        "The shards this process runs, such as 0,1 or 0-3; empty runs them all. Needs KZBOT_SHARD_COUNT.",
        SHARDING,
    )  # fmt: skip
    knowledge_dir: Path = setting(
        "KZBOT_KNOWLEDGE_DIR", DATA_ROOT / "knowledge", Folder(), "Folder of the knowledge base YAML files.",
        PLACES, shown_default="knowledge/ shipped with kzbot", example="knowledge", commented=True,
    )  # fmt: skip
    seeds_dir: Path = setting(
        "KZBOT_SEEDS_DIR", DATA_ROOT / "seeds", Folder(),
        "Folder of the source articles the quotes are checked against.",
        PLACES, shown_default="seeds/ shipped with kzbot", example="seeds", commented=True,
    )  # fmt: skip
    state_dir: Path = setting(
        "KZBOT_STATE_DIR", STATE_DEFAULT, Folder(),
        "Where the bot remembers the slash commands it last registered, so an unchanged set is not registered "
        "again on every start, and keeps the question log (kzbot.sqlite3).",
        PLACES, shown_default=".kzbot-state/ in a source checkout, ~/.local/state/kzbot when installed",
        example=".kzbot-state", commented=True, image="/app/state",
    )  # fmt: skip
    health_port: int | None = setting(
        "KZBOT_HEALTH_PORT", None, Whole(1, 65535), "Port of the HTTP health endpoint GET /healthz; empty: none.",
        PLACES, commented=True, image="8080",
    )  # fmt: skip
    health_host: str = setting(
        "KZBOT_HEALTH_HOST", "127.0.0.1", Text(), "Address the health endpoint listens on.",
        PLACES, commented=True, image="0.0.0.0",
    )  # fmt: skip
    api_base: str | None = setting(
        "DISCORD_API_BASE", None, Text(), "Test only: the REST API base URL of a local Discord stand-in.",
        HOOKS, example="http://127.0.0.1:8765/api/v10", commented=True,
    )  # fmt: skip
    gateway_url: str | None = setting(
        "DISCORD_GATEWAY_URL", None, Text(), "Test only: the gateway URL of a local Discord stand-in.",
        HOOKS, example="ws://127.0.0.1:8765/gateway", commented=True,
    )  # fmt: skip

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
        values: dict[str, Any] = {}
        for name, spec in specs():
            raw = _raw(env, spec.variable)
            if raw:
                values[name] = spec.kind.parse(raw, spec.variable, env)
        return cls(**values)


def specs() -> Iterator[tuple[str, Spec]]:
    """(field name, Spec) for every setting, in table order."""
    for item in dataclasses.fields(Settings):
        yield item.name, item.metadata["spec"]


def defaults() -> dict[str, Any]:
    """The default of every setting, by field name."""
    return {item.name: item.default for item in dataclasses.fields(Settings)}


def _spec(name: str) -> Spec:
    return dict(specs())[name]


def _raw(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, read by python-dotenv (comments, `export `, quotes); a line it cannot read is an error."""
    values: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8") as stream:
            bindings = list(parse_stream(stream))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from exc
    for binding in bindings:
        text = binding.original.string
        if binding.error or (binding.key is not None and binding.value is None):
            number = binding.original.line + len(text) - len(text.lstrip("\n"))
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {text.strip()[:60]!r}")
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values
