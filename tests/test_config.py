"""Settings.from_env: every variable, its default, .env loading, and the message a bad value gets."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from kzbot import settings_docs
from kzbot.__main__ import build_parser
from kzbot.config import PROJECT_ROOT, Settings, read_dotenv, specs
from kzbot.errors import EX_CONFIG, ConfigError

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789"
CONFIG_SOURCE = (PROJECT_ROOT / "kzbot" / "config.py").read_text(encoding="utf-8")
VARIABLES = sorted(set(re.findall(r'"((?:KZBOT|DISCORD)_[A-Z_]+)"', CONFIG_SOURCE)))


def settings(env: dict[str, str], tmp_path: Path) -> Settings:
    """Settings from `env` alone: the .env it looks at does not exist."""
    return Settings.from_env(env, dotenv=tmp_path / "no.env")


def test_config_reads_the_variables_this_suite_knows():
    assert set(VARIABLES) == {variable for variable, _, _, _ in PARSED}


def test_defaults(tmp_path):
    s = settings({}, tmp_path)
    assert s == Settings()
    assert s.token is None
    assert s.guild_ids == () and s.answer_channels == ()
    assert s.auto_answer is False
    assert s.ephemeral is False
    assert (s.cooldown_rate, s.cooldown_seconds, s.max_question_length) == (3, 30.0, 300)
    assert s.knowledge_dir == PROJECT_ROOT / "knowledge"
    assert s.seeds_dir == PROJECT_ROOT / "seeds"
    assert s.state_dir == PROJECT_ROOT / ".kzbot-state"
    assert (s.log_level, s.log_format) == ("INFO", "text")
    assert (s.health_port, s.health_host) == (None, "127.0.0.1")
    assert (s.shard_count, s.shard_ids) == (None, None)
    assert (s.api_base, s.gateway_url) == (None, None)
    assert (s.record_questions, s.record_days) == (True, 90)


# variable, value, Settings field, parsed value
PARSED = [
    ("DISCORD_TOKEN", f"  {TOKEN} ", "token", TOKEN),
    (
        "KZBOT_GUILD_IDS",
        "111111111111111111, 222222222222222222",
        "guild_ids",
        (111111111111111111, 222222222222222222),
    ),
    ("KZBOT_ANSWER_CHANNELS", "333 444 333", "answer_channels", (333, 444)),
    ("KZBOT_EPHEMERAL", "yes", "ephemeral", True),
    ("KZBOT_COOLDOWN_RATE", "5", "cooldown_rate", 5),
    ("KZBOT_COOLDOWN_SECONDS", "12.5", "cooldown_seconds", 12.5),
    ("KZBOT_MAX_QUESTION_LENGTH", "120", "max_question_length", 120),
    ("KZBOT_RECORD_QUESTIONS", "0", "record_questions", False),
    ("KZBOT_RECORD_DAYS", "30", "record_days", 30),
    ("KZBOT_KNOWLEDGE_DIR", "/srv/kb", "knowledge_dir", Path("/srv/kb")),
    ("KZBOT_SEEDS_DIR", "/srv/seeds", "seeds_dir", Path("/srv/seeds")),
    ("KZBOT_STATE_DIR", "/tmp/kzbot-state", "state_dir", Path("/tmp/kzbot-state")),
    ("KZBOT_LOG_LEVEL", "debug", "log_level", "DEBUG"),
    ("KZBOT_LOG_FORMAT", "JSON", "log_format", "json"),
    ("KZBOT_HEALTH_PORT", "8080", "health_port", 8080),
    ("KZBOT_HEALTH_HOST", "0.0.0.0", "health_host", "0.0.0.0"),
    ("KZBOT_SHARD_COUNT", "4", "shard_count", 4),
    ("KZBOT_SHARD_IDS", "0-2", "shard_ids", (0, 1, 2)),
    ("DISCORD_API_BASE", "http://127.0.0.1:8765/api/v10", "api_base", "http://127.0.0.1:8765/api/v10"),
    ("DISCORD_GATEWAY_URL", "ws://127.0.0.1:8765/", "gateway_url", "ws://127.0.0.1:8765/"),
]


def test_every_field_has_a_variable():
    assert {f.name for f in dataclasses.fields(Settings)} == {name for _, _, name, _ in PARSED}


@pytest.mark.parametrize(("variable", "value", "name", "expected"), PARSED, ids=[p[0] for p in PARSED])
def test_every_setting_is_parsed(variable, value, name, expected, tmp_path):
    env = {variable: value}
    if variable == "KZBOT_SHARD_IDS":
        env["KZBOT_SHARD_COUNT"] = "4"
    assert getattr(settings(env, tmp_path), name) == expected


def test_answer_channels_turn_on_auto_answer(tmp_path):
    assert settings({"KZBOT_ANSWER_CHANNELS": "555"}, tmp_path).auto_answer is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("On", True), ("0", False), ("no", False), ("OFF", False), ("", False)],
)
def test_booleans(value, expected, tmp_path):
    assert settings({"KZBOT_EPHEMERAL": value}, tmp_path).ephemeral is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", (0,)), ("3,1,1", (1, 3)), ("0-1, 3", (0, 1, 3)), ("0 - 3", (0, 1, 2, 3))],
)
def test_shard_ids(raw, expected, tmp_path):
    s = settings({"KZBOT_SHARD_COUNT": "4", "KZBOT_SHARD_IDS": raw}, tmp_path)
    assert (s.shard_count, s.shard_ids) == (4, expected)


def test_blank_values_mean_the_default(tmp_path):
    blank = {variable: "  " for variable in VARIABLES}
    assert settings(blank, tmp_path) == Settings()


# variable, bad value, words the message must contain (besides the variable's name)
BAD = [
    ("KZBOT_GUILD_IDS", "abc", "not a Discord id"),
    ("KZBOT_GUILD_IDS", "123,-5", "not a Discord id"),
    ("KZBOT_ANSWER_CHANNELS", "#general", "not a Discord id"),
    ("KZBOT_HEALTH_PORT", "0", "between 1 and 65535"),
    ("KZBOT_HEALTH_PORT", "65536", "between 1 and 65535"),
    ("KZBOT_HEALTH_PORT", "http", "not a whole number"),
    ("KZBOT_EPHEMERAL", "maybe", "must be 1 or 0"),
    ("KZBOT_EPHEMERAL", "2", "must be 1 or 0"),
    ("KZBOT_COOLDOWN_RATE", "0", "between 1 and 100"),
    ("KZBOT_COOLDOWN_RATE", "2.5", "not a whole number"),
    ("KZBOT_COOLDOWN_SECONDS", "-1", "between 0 and 3600"),
    ("KZBOT_COOLDOWN_SECONDS", "soon", "not a number"),
    ("KZBOT_MAX_QUESTION_LENGTH", "5", "between 10 and 2000"),
    ("KZBOT_LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR"),
    ("KZBOT_LOG_FORMAT", "xml", "text, json"),
    ("KZBOT_SHARD_COUNT", "0", "between 1 and 100000"),
    ("KZBOT_RECORD_QUESTIONS", "sometimes", "must be 1 or 0"),
    ("KZBOT_RECORD_DAYS", "0", "between 1 and 3650"),
    ("KZBOT_RECORD_DAYS", "3651", "between 1 and 3650"),
    ("KZBOT_RECORD_DAYS", "ninety", "not a whole number"),
]


@pytest.mark.parametrize(("variable", "value", "words"), BAD, ids=[f"{v}={x}" for v, x, _ in BAD])
def test_bad_values_name_the_variable(variable, value, words, tmp_path):
    with pytest.raises(ConfigError) as caught:
        settings({variable: value}, tmp_path)
    assert str(caught.value).startswith(f"{variable}=")
    assert words in str(caught.value)
    assert caught.value.exit_code == EX_CONFIG == 78


def test_shard_ids_without_a_count(tmp_path):
    with pytest.raises(ConfigError, match="KZBOT_SHARD_IDS is set but KZBOT_SHARD_COUNT is not"):
        settings({"KZBOT_SHARD_IDS": "0"}, tmp_path)


@pytest.mark.parametrize("raw", ["2", "0,2", "1-2", "3-1", "a", "0-x", ","])
def test_shard_ids_outside_the_count(raw, tmp_path):
    with pytest.raises(ConfigError, match="KZBOT_SHARD_IDS="):
        settings({"KZBOT_SHARD_COUNT": "2", "KZBOT_SHARD_IDS": raw}, tmp_path)


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# kzbot\n"
        "\n"
        f"DISCORD_TOKEN='{TOKEN}'\n"
        'export KZBOT_LOG_LEVEL="debug"\n'
        "KZBOT_COOLDOWN_RATE=7   # per user\n"
        "KZBOT_HEALTH_PORT=9000\n",
        encoding="utf-8",
    )
    s = Settings.from_env({"KZBOT_HEALTH_PORT": "9100"}, dotenv=dotenv)
    assert s.token == TOKEN
    assert s.log_level == "DEBUG"
    assert s.cooldown_rate == 7
    assert s.health_port == 9100


def test_dotenv_in_the_working_directory_is_the_default(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("KZBOT_LOG_FORMAT=json\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).log_format == "json"


def test_a_malformed_dotenv_line_is_located(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("KZBOT_LOG_LEVEL=INFO\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.env:2: expected KEY=VALUE, got 'this is not a setting'"):
        Settings.from_env({}, dotenv=dotenv)


def test_a_key_without_a_value_in_dotenv_is_located(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# settings\n\nKZBOT_LOG_LEVEL\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.env:3: expected KEY=VALUE, got 'KZBOT_LOG_LEVEL'"):
        Settings.from_env({}, dotenv=dotenv)


def test_dotenv_quotes_and_inline_comments(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("KZBOT_HEALTH_HOST='0.0.0.0'  # all\nKZBOT_GUILD_IDS=\"1, 2\"\n", encoding="utf-8")
    s = Settings.from_env({}, dotenv=dotenv)
    assert (s.health_host, s.guild_ids) == ("0.0.0.0", (1, 2))


def test_a_bad_value_in_dotenv_names_the_variable(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("KZBOT_GUILD_IDS=my-server\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^KZBOT_GUILD_IDS='my-server'"):
        Settings.from_env({}, dotenv=dotenv)


def test_the_token_never_shows_in_repr(tmp_path):
    s = settings({"DISCORD_TOKEN": TOKEN, "KZBOT_GUILD_IDS": "1"}, tmp_path)
    assert s.token == TOKEN
    for text in (repr(s), str(s), f"{s!r}", repr([s])):
        assert TOKEN not in text
        assert "guild_ids=(1,)" in text


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().log_level = "DEBUG"  # type: ignore[misc]


# --- the documentation of the settings -------------------------------------------------------------

ENV_EXAMPLE = PROJECT_ROOT / ".env.example"


def _documented_in_env_example() -> set[str]:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_env_example_documents_every_setting():
    missing = set(VARIABLES) - _documented_in_env_example()
    assert not missing, f".env.example does not mention {sorted(missing)}"


def test_env_example_gives_the_defaults(tmp_path):
    """Copying .env.example to .env changes nothing until someone edits it."""
    assert Settings.from_env({}, dotenv=ENV_EXAMPLE) == Settings()


def test_env_example_leaves_the_token_empty_and_the_test_hooks_off():
    values = read_dotenv(ENV_EXAMPLE)
    assert values["DISCORD_TOKEN"] == ""
    assert "DISCORD_API_BASE" not in values
    assert "DISCORD_GATEWAY_URL" not in values
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert re.search(r"^# DISCORD_API_BASE=", text, flags=re.MULTILINE)
    hooks = text[text.index("Test hooks") :]
    assert "only for the test suite" in hooks


def test_env_example_explains_every_line():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^#? ?[A-Z][A-Z0-9_]+=", line) and not line.startswith("# DISCORD_"):
            above = lines[number - 1]
            assert above.startswith("# ") and not re.match(r"^# [A-Z_]+=", above), (
                f".env.example line {number + 1} ({line}) has no explanation above it"
            )


def _readme_configuration_table() -> dict[str, str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Configuration")
    end = readme.find("\n## ", start + 1)
    section = readme[start : end if end != -1 else None]
    rows = re.findall(r"^\| *`([A-Z][A-Z0-9_]+)` *\| *([^|]*?) *\|", section, flags=re.MULTILINE)
    return dict(rows)


def test_readme_configuration_table_lists_every_setting():
    table = _readme_configuration_table()
    assert set(table) == set(VARIABLES)


def test_readme_configuration_table_gives_the_defaults_of_env_example():
    table = _readme_configuration_table()
    shown = {name: value for name, value in read_dotenv(ENV_EXAMPLE).items() if value}
    assert shown, ".env.example shows no defaults"
    for variable, value in shown.items():
        assert table[variable] == f"`{value}`", variable


# --- one table: the docs are made from Settings, and drift fails here ------------------------------

MAKE_SETTINGS = "out of date with the table in kzbot/config.py: run `make settings`"


def test_env_example_is_made_from_the_table():
    assert ENV_EXAMPLE.read_text(encoding="utf-8") == settings_docs.env_example(), MAKE_SETTINGS


def test_readme_table_is_made_from_the_table():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_docs.readme_with_table(readme) == readme, MAKE_SETTINGS


def test_help_is_made_from_the_table():
    help_text = " ".join(build_parser().format_help().split())
    for _, spec in specs():
        assert f" {spec.variable} {spec.help}" in help_text, spec.variable
    assert "Accepts 1–100. Default: 3." in help_text
    assert "Accepts 1–3650. Default: 90." in help_text


def test_a_changed_default_reaches_every_document(monkeypatch, tmp_path):
    """Change one default in the table: --help, .env.example and the README all follow."""
    (tmp_path / "README.md").write_text(
        f"# kzbot\n\n## Configuration\n\n{settings_docs.README_BEGIN}\n{settings_docs.README_END}\n",
        encoding="utf-8",
    )
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    monkeypatch.setattr(fields["cooldown_rate"], "default", 7)
    assert settings_docs.main([str(tmp_path)]) == 0
    assert "\nKZBOT_COOLDOWN_RATE=7\n" in (tmp_path / ".env.example").read_text(encoding="utf-8")
    assert "| `KZBOT_COOLDOWN_RATE` | `7` |" in (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "Accepts 1–100. Default: 7." in " ".join(settings_docs.help_text().split())
    assert ENV_EXAMPLE.read_text(encoding="utf-8") != settings_docs.env_example()


def test_every_setting_has_help_and_a_group():
    for name, spec in specs():
        assert spec.help.endswith("."), name
        assert spec.group, name


def test_the_image_values_in_the_table_are_the_dockerfile_env():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    for _, spec in specs():
        if spec.image is not None:
            assert f"{spec.variable}={spec.image}" in dockerfile, spec.variable
