"""setup_logging: what lands on stdout, in both formats, and that the bot token never does."""

from __future__ import annotations

import io
import json
import logging

import discord
import pytest

from kzbot.config import Settings
from kzbot.logs import REDACTED, setup_logging

TOKEN = "MTE5NzQ2NTI3MzQ1ODg4ODg4OA.GkZtQx.p3Nw8rVqJ0yS6mT2uLx9aBcDeFgHiJkLmNoPqRs"
# Shaped like a bot token but not ours: a second bot's, pasted into a message.
OTHER_TOKEN = "OTk4ODc3NjY1NTQ0MzMyMjExMA.Yx1234.zyxwvutsrqponmlkjihgfedcba987654"


@pytest.fixture(autouse=True)
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def configure(**overrides: object) -> io.StringIO:
    stream = io.StringIO()
    setup_logging(Settings(token=TOKEN, **overrides), stream=stream)  # type: ignore[arg-type]
    return stream


def test_text_lines_are_readable():
    out = configure()
    logging.getLogger("kzbot.bot").info("connected as %s to %d servers", "kzbot#0001", 3)
    line = out.getvalue()
    assert line.endswith(" INFO     kzbot.bot: connected as kzbot#0001 to 3 servers\n")
    assert line[:4].isdigit() and line.count("\n") == 1


def test_json_lines_parse():
    out = configure(log_format="json")
    log = logging.getLogger("kzbot.knowledge")
    log.warning("reloaded %d entries", 72)
    try:
        raise ValueError("bad entry")
    except ValueError:
        log.exception("reload failed")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert set(first) == {"ts", "level", "logger", "message"}
    assert (first["level"], first["logger"], first["message"]) == (
        "WARNING",
        "kzbot.knowledge",
        "reloaded 72 entries",
    )
    assert first["ts"].endswith("+00:00") and first["ts"][:4].isdigit()
    assert second["message"] == "reload failed"
    assert second["exc_info"].startswith("Traceback (most recent call last):")
    assert second["exc_info"].endswith("ValueError: bad entry")


def test_the_level_comes_from_settings():
    out = configure(log_level="WARNING")
    log = logging.getLogger("kzbot.matcher")
    log.info("not shown")
    log.warning("shown")
    assert out.getvalue().count("\n") == 1 and "shown" in out.getvalue() and "not shown" not in out.getvalue()


def test_the_token_never_reaches_the_output_from_discord_loggers():
    out = configure(log_level="DEBUG", log_format="json")
    gateway = logging.getLogger(discord.gateway.__name__)
    http = logging.getLogger(discord.http.__name__)
    gateway.debug("Sending IDENTIFY %s", {"op": 2, "d": {"token": TOKEN, "intents": 513}})
    http.debug("Authorization: Bot " + TOKEN)
    http.debug("someone pasted %s into a channel", OTHER_TOKEN)
    try:
        raise discord.LoginFailure(f"Improper token has been passed: {TOKEN}")
    except discord.LoginFailure:
        logging.getLogger("discord.client").exception("login failed")

    text = out.getvalue()
    assert TOKEN not in text
    assert OTHER_TOKEN not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["logger"] for r in records] == [
        "discord.gateway",
        "discord.http",
        "discord.http",
        "discord.client",
    ]
    assert records[0]["message"] == "Sending IDENTIFY {'op': 2, 'd': {'token': '[REDACTED]', 'intents': 513}}"
    assert records[1]["message"] == f"Authorization: Bot {REDACTED}"
    assert records[2]["message"] == f"someone pasted {REDACTED} into a channel"
    assert records[3]["exc_info"].endswith(f"Improper token has been passed: {REDACTED}")


def test_the_token_is_redacted_in_text_tracebacks_too():
    out = configure(log_level="DEBUG")
    try:
        raise RuntimeError(TOKEN)
    except RuntimeError:
        logging.getLogger("discord.client").exception("oops")
    assert TOKEN not in out.getvalue()
    assert f"RuntimeError: {REDACTED}" in out.getvalue()


def test_a_token_of_any_shape_is_redacted_when_it_is_ours():
    stream = io.StringIO()
    setup_logging(Settings(token="short-test-token"), stream=stream)
    logging.getLogger("discord").warning("token=%s", "short-test-token")
    assert stream.getvalue().endswith(f"discord: token={REDACTED}\n")


def test_ordinary_dotted_text_is_left_alone():
    out = configure()
    message = "kzbot 1.0.0 answered why-no-troops from knowledge/faq-troops.yaml"
    logging.getLogger("kzbot").info(message)
    assert out.getvalue().endswith(message + "\n")


def test_calling_it_twice_does_not_log_twice():
    first = io.StringIO()
    setup_logging(Settings(token=TOKEN), stream=first)
    second = io.StringIO()
    setup_logging(Settings(token=TOKEN, log_format="json"), stream=second)
    logging.getLogger("kzbot").info("once")
    assert first.getvalue() == ""
    assert [json.loads(line)["message"] for line in second.getvalue().splitlines()] == ["once"]
    assert sum(h.get_name() == "kzbot" for h in logging.getLogger().handlers) == 1
