"""The question log seen from outside the real `python bot.py`: what a user presses (👍/👎, a "Did you mean…"
pick, "None of these") ends up in `kzbot review --json` after the bot has stopped, and nobody is named in it."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kzbot.config import PROJECT_ROOT

from .conftest import RunBot
from .discord_standin import BotProcess, DiscordStandIn, SentMessage
from .test_bot_commands import unclear_question

pytestmark = pytest.mark.e2e

TROOPS = "why didnt china send soldiers"
TROOPS_ID = "why-no-troops"
OFF_TOPIC = "what is the best pizza topping"
MANY_QUESTIONS = {"KZBOT_COOLDOWN_RATE": "100"}


def review(bot: BotProcess, *args: str) -> dict:
    """`python -m kzbot review --json` over the bot's state directory, as a curator would run it."""
    env = {**os.environ, "KZBOT_STATE_DIR": bot.env["KZBOT_STATE_DIR"]}
    result = subprocess.run(
        [sys.executable, "-m", "kzbot", "review", "--json", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def recorded(bot: BotProcess) -> int:
    """Questions in the bot's log so far, read as the review reads it (read-only, while the bot runs)."""
    path = Path(bot.env["KZBOT_STATE_DIR"]) / "kzbot.sqlite3"
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM questions").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        conn.close()


async def until(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Poll `predicate` (it reads the log file, not the stand-in) until it holds; fail after `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(0.05)


def button(message: SentMessage, label: str) -> str:
    found = [b["custom_id"] for b in message.buttons() if b.get("label") == label]
    assert found, f"no {label!r} button among {[b.get('label') for b in message.buttons()]}"
    return found[0]


def log_bytes(bot: BotProcess) -> bytes:
    """The question log's files: the database and, if still there, its WAL and shared-memory files."""
    files = sorted(Path(bot.env["KZBOT_STATE_DIR"]).glob("kzbot.sqlite3*"))
    assert files
    return b"".join(p.read_bytes() for p in files)


async def test_a_decline_a_pick_and_a_thumbs_down_reach_the_review(standin: DiscordStandIn, run_bot: RunBot) -> None:
    bot = await run_bot(env=MANY_QUESTIONS)
    declined = await (await standin.send_command("ask", {"question": OFF_TOPIC})).message()
    assert declined.ephemeral and declined.embeds[0]["title"] == "I can't answer that one"

    unclear = unclear_question()
    offer = await (await standin.send_command("ask", {"question": unclear})).message()
    choice = offer.buttons()[0]
    assert button(offer, "None of these")
    picked = await (await standin.press_button(offer, choice["custom_id"])).message()
    assert picked.embeds[0]["title"] == choice["label"]

    answer = await (await standin.send_command("ask", {"question": TROOPS})).message()
    assert not answer.ephemeral and button(answer, "👍")
    down = button(answer, "👎")
    thanks = await (await standin.press_button(answer, down)).message()
    assert thanks.ephemeral and thanks.embeds[0]["title"] == "Thanks for telling me"
    runner_ups = [b["custom_id"] for b in thanks.buttons()]
    assert runner_ups and all(i.startswith("kz:ask:") and f"kz:ask:{TROOPS_ID}:" not in i for i in runner_ups)
    again = await (await standin.press_button(answer, down)).message()
    assert again.embeds[0]["title"] == "Thanks for telling me"

    await until(lambda: recorded(bot) == 3, "three questions in the log")
    stats = await (await standin.send_command("kzadmin stats", user=standin.owner)).message()
    assert stats.ephemeral and stats.embeds[0]["title"] == "Questions asked in this server"
    assert stats.embeds[0]["description"].startswith("3 questions: answered 1, suggested 1, declined 1, gap 0")
    assert stats.embeds[0]["fields"][0]["value"] == f"1× {OFF_TOPIC} (declined)"
    refused = await (await standin.send_command("kzadmin stats")).message()
    assert refused.ephemeral and "Manage Server" in refused.embeds[0]["description"]
    assert not standin.rejected

    assert await bot.stop() == 0
    got = review(bot)
    assert got["questions"] == 3
    assert got["outcomes"] == {"answered": 1, "suggested": 1, "declined": 1, "gap": 0}
    assert [(u["question"], u["outcome"], u["count"]) for u in got["unanswered"]] == [(OFF_TOPIC, "declined", 1)]
    picked_id = choice["custom_id"].split(":")[2]
    assert got["picks"] == [{"question": unclear, "id": picked_id, "count": 1}]
    assert got["feedback"] == [{"id": TROOPS_ID, "up": 0, "down": 1}], "a second press of the same vote counts once"

    stored = log_bytes(bot)
    for user in (standin.user, standin.owner, standin.bot_user):
        assert user["id"].encode() not in stored
        assert user["username"].encode() not in stored


async def test_votes_keep_working_after_a_restart_and_the_other_button_changes_the_vote(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    first = await run_bot(env=MANY_QUESTIONS)
    answer = await (await standin.send_command("ask", {"question": TROOPS})).message()
    assert await first.stop() == 0

    second = await run_bot(env=MANY_QUESTIONS)
    up = await (await standin.press_button(answer, button(answer, "👍"))).message()
    assert up.ephemeral and up.embeds[0]["title"] == "Thanks!"
    down = await (await standin.press_button(answer, button(answer, "👎"))).message()
    assert down.ephemeral and down.embeds[0]["title"] == "Thanks for telling me"
    assert await second.stop() == 0
    assert review(second)["feedback"] == [{"id": TROOPS_ID, "up": 0, "down": 1}]


async def test_none_of_these_is_recorded_as_unanswered_and_said_privately(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    bot = await run_bot(env=MANY_QUESTIONS)
    unclear = unclear_question()
    offer = await (await standin.send_command("ask", {"question": unclear})).message()
    note = await (await standin.press_button(offer, button(offer, "None of these"))).message()
    assert note.ephemeral and "curators will see it" in note.embeds[0]["description"]
    assert await bot.stop() == 0
    assert [(u["question"], u["outcome"]) for u in review(bot)["unanswered"]] == [(unclear, "none_of_these")]


async def test_a_mention_the_message_menu_and_an_answer_channel_are_recorded_with_how_they_came(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    bot = await run_bot(env={**MANY_QUESTIONS, "KZBOT_ANSWER_CHANNELS": standin.channel_id})
    asked = await standin.send_message(TROOPS, mention_bot=True)
    reply = await asked.reply()
    assert button(reply, "👎")
    chatter = await standin.send_message("what is the best pizza in naples?")
    message = await standin.send_message("how many people were arrested")  # a known gap: no reply in a channel
    await (await standin.send_message_command("Ask kzbot", message.record)).message()
    answered = await (await standin.send_message("What is the SCO?")).reply()
    assert answered.embeds[0]["title"] == "What is the Shanghai Cooperation Organization (SCO)?"
    assert chatter.replies == [answered]
    assert await bot.stop() == 0
    got = review(bot)
    assert got["outcomes"] == {"answered": 2, "suggested": 0, "declined": 0, "gap": 1}, "chatter is not recorded"
    conn = sqlite3.connect(Path(bot.env["KZBOT_STATE_DIR"]) / "kzbot.sqlite3")
    rows = sorted(conn.execute("SELECT via, guild_id, question FROM questions").fetchall())
    conn.close()
    guild = int(standin.guild_id)
    assert rows == [
        ("channel", guild, "What is the SCO?"),
        ("mention", guild, TROOPS),
        ("menu", guild, "how many people were arrested"),
    ]


async def test_with_recording_off_nothing_is_kept_and_no_feedback_is_asked(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    bot = await run_bot(env={**MANY_QUESTIONS, "KZBOT_RECORD_QUESTIONS": "0"})
    answer = await (await standin.send_command("ask", {"question": TROOPS})).message()
    assert answer.embeds[0]["title"] == "Why didn't China send troops to Kazakhstan?"
    labels = [b.get("label") for b in answer.buttons()]
    assert "👍" not in labels and "👎" not in labels
    offer = await (await standin.send_command("ask", {"question": unclear_question()})).message()
    assert "None of these" not in [b.get("label") for b in offer.buttons()]
    help_card = (await (await standin.send_command("help")).message()).embeds[0]
    assert "kept anonymously" not in help_card["description"]
    assert await bot.stop() == 0
    assert not (Path(bot.env["KZBOT_STATE_DIR"]) / "kzbot.sqlite3").exists()


async def test_a_public_answer_is_compact_and_more_shows_the_rest_privately(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    await run_bot(env=MANY_QUESTIONS)
    answer = await (await standin.send_command("ask", {"question": TROOPS})).message()
    embed = answer.embeds[0]
    text = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    text += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    assert text <= 1000 and not answer.ephemeral
    assert [f["name"] for f in embed["fields"]] == ["Source", "Source"], "one line per cited article"
    more = await (await standin.press_button(answer, button(answer, "More"))).message()
    assert more.ephemeral and more.embeds[0]["title"] == embed["title"]
    assert len(more.embeds[0]["fields"]) > len(embed["fields"])
    help_card = (await (await standin.send_command("help")).message()).embeds[0]
    assert help_card["description"].endswith(
        "\nQuestions are kept anonymously, without names or user ids, to improve the answers."
    )
    assert not standin.rejected
