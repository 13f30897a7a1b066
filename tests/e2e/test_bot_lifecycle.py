"""Starting, stopping, restarting and reloading the real bot, each against a fresh Discord stand-in."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
from pathlib import Path

import pytest

from kzbot.config import PROJECT_ROOT

from .conftest import RunBot
from .discord_standin import INTENT_MESSAGE_CONTENT, BotProcess, DiscordStandIn

pytestmark = pytest.mark.e2e

EX_CONFIG = 78


def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", target)
    return target


def break_file(path: Path) -> None:
    """Give a knowledge file a top-level key the format does not have."""
    path.write_text(path.read_text(encoding="utf-8") + "\nsurprise: 1\n", encoding="utf-8")


async def log_line(bot: BotProcess, pattern: str, timeout: float = 20.0) -> str:
    """Wait for a line matching `pattern` in the bot's log and return it."""
    for _ in range(int(timeout / 0.1)):
        match = re.search(pattern, bot.log_text())
        if match:
            return match.group(0)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no log line matching {pattern!r}\n--- bot log ---\n{bot.log_tail()}")


async def test_a_broken_knowledge_base_stops_start_up_before_any_connection(
    standin: DiscordStandIn, run_bot: RunBot, tmp_path: Path
) -> None:
    knowledge = knowledge_copy(tmp_path)
    break_file(knowledge / "faq-troops.yaml")
    bot = await run_bot(env={"KZBOT_KNOWLEDGE_DIR": str(knowledge)}, wait_ready=False)
    assert await bot.wait_exit() == EX_CONFIG
    log = bot.log_text()
    assert "faq-troops.yaml" in log and "surprise" in log
    assert "Traceback" not in log
    assert standin.requests == [] and standin.identifies == [], "it must not even log in"


async def test_a_refused_token_exits_78_with_one_clear_line(standin: DiscordStandIn, run_bot: RunBot) -> None:
    bot = await run_bot(env={"DISCORD_TOKEN": "not-a-real-token"}, wait_ready=False)
    assert await bot.wait_exit() == EX_CONFIG
    log = bot.log_text()
    assert "Discord refused the bot token in DISCORD_TOKEN" in log
    assert "Traceback" not in log
    assert standin.identifies == []


async def test_restart_keeps_old_buttons_working_and_skips_an_unneeded_sync(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    first = await run_bot()
    answer = await (await standin.send_command("ask", {"question": "what is the csto"})).message()
    assert answer.embeds[0]["title"] == "What is the CSTO?"
    assert await first.stop() == 0 and not first.killed, "SIGTERM: a clean exit within 10 s"
    syncs = len(standin.requests_to("PUT /applications/{application_id}/guilds/{guild_id}/commands"))
    assert syncs == 1

    second = await run_bot(wait_ready=False)
    await standin.wait_for(lambda: len(standin.identifies) == 2, what="the restarted bot to identify")
    await second.wait_ready()
    button = answer.buttons()[0]
    pressed = await (await standin.press_button(answer, button["custom_id"])).message()
    assert pressed.embeds[0]["title"] == button["label"], "a button sent before the restart still works"
    assert len(standin.requests_to("PUT /applications/{application_id}/guilds/{guild_id}/commands")) == 1
    assert "unchanged since the last sync; not syncing" in second.log_text()


async def test_reload_swaps_in_good_knowledge_and_keeps_serving_through_bad(
    standin: DiscordStandIn, run_bot: RunBot, tmp_path: Path
) -> None:
    knowledge = knowledge_copy(tmp_path)
    bot = await run_bot(env={"KZBOT_KNOWLEDGE_DIR": str(knowledge)})
    troops = knowledge / "faq-troops.yaml"
    text = troops.read_text(encoding="utf-8")
    title = re.search(r"(?m)^  title: (.+)$", text)
    assert title is not None
    troops.write_text(text.replace(title.group(0), "  title: Soldiers and intervention", 1), encoding="utf-8")

    done = await (await standin.send_command("kzadmin reload", user=standin.owner)).message()
    assert done.ephemeral and done.embeds[0]["title"] == "Knowledge reloaded"
    page = await (await standin.send_command("faq", {"topic": "troops"})).message()
    assert page.embeds[0]["title"] == "FAQ · Soldiers and intervention"
    await standin.wait_for(
        lambda: any(
            ch["name"] == "Soldiers and intervention"
            for c in standin.synced_commands()
            if c["name"] == "faq"
            for ch in c["options"][0]["choices"]
        ),
        what="the /faq topic choices to be synced again with the new title",
    )

    break_file(troops)
    bot.proc.send_signal(signal.SIGHUP)
    await log_line(bot, r"knowledge reload failed; still serving version \w+")
    still = await (await standin.send_command("faq", {"topic": "troops"})).message()
    assert still.embeds[0]["title"] == "FAQ · Soldiers and intervention", "the old knowledge stays live"
    failed = await (await standin.send_command("kzadmin reload", user=standin.owner)).message()
    assert failed.ephemeral and failed.embeds[0]["title"] == "Reload failed"
    assert "faq-troops.yaml" in failed.embeds[0]["description"]


async def test_channel_auto_answer_replies_only_to_questions_it_can_answer(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    await run_bot(env={"KZBOT_ANSWER_CHANNELS": standin.channel_id})
    assert standin.intents & INTENT_MESSAGE_CONTENT, "auto-answer needs the message-content intent"
    chatter = await standin.send_message("good morning everyone")
    off_topic = await standin.send_message("what is the best pizza in naples?")
    question = await standin.send_message("What is the SCO?")
    reply = await question.reply()
    assert reply.embeds[0]["title"] == "What is the Shanghai Cooperation Organization (SCO)?"
    assert str(reply.payload["message_reference"]["message_id"]) == question.id
    assert chatter.replies == [reply] and off_topic.replies == [reply], "only the answerable question got one"


async def test_without_auto_answer_the_privileged_intent_is_not_requested(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    await run_bot()
    assert not standin.intents & INTENT_MESSAGE_CONTENT


async def test_auto_answer_without_the_intent_enabled_exits_78(tmp_path: Path) -> None:
    async with DiscordStandIn(privileged_intents=0) as standin:
        bot = BotProcess(standin, log_path=tmp_path / "bot.log", env={"KZBOT_ANSWER_CHANNELS": standin.channel_id})
        await bot.start()
        try:
            assert await bot.wait_exit() == EX_CONFIG
        finally:
            await bot.stop()
        assert "enable it for the bot in the Developer Portal, or unset KZBOT_ANSWER_CHANNELS" in bot.log_text()
