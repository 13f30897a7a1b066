"""The question log under stress, with the real `python bot.py`: killed with SIGKILL in the middle of a burst,
and a state directory it cannot write. Recording must never cost an answer, nor a row already recorded."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest

from kzbot import questionlog, review

from .conftest import RunBot
from .discord_standin import BotProcess, DiscordStandIn, make_user
from .test_question_log import TROOPS, button, recorded, until

pytestmark = pytest.mark.e2e

QUESTIONS = (
    "why didnt china send soldiers",
    "what is the csto",
    "how many people were arrested",
    "what is the best pizza topping",
    "china",
    "who is tokaev",
)
MANY_QUESTIONS = {"KZBOT_COOLDOWN_RATE": "100", "KZBOT_LOG_LEVEL": "WARNING"}


def log_path(bot: BotProcess) -> Path:
    return Path(bot.env["KZBOT_STATE_DIR"]) / questionlog.DATABASE_FILE


def refs_in(path: Path) -> set[str]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return {ref for (ref,) in conn.execute("SELECT ref FROM questions")}
    finally:
        conn.close()


async def burst(standin: DiscordStandIn, count: int, start: int) -> list:
    users = [make_user(f"burst{start + i}") for i in range(count)]
    for user in users:
        standin._member_of(standin.guild_id, user)
    return await asyncio.gather(
        *(
            standin.send_command("ask", {"question": QUESTIONS[(start + i) % len(QUESTIONS)]}, user=user)
            for i, user in enumerate(users)
        )
    )


async def test_sigkill_in_a_burst_loses_no_recorded_row_and_the_log_opens_cleanly(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    bot = await run_bot(env=MANY_QUESTIONS)
    first = await burst(standin, 40, 0)
    await asyncio.gather(*(h.message() for h in first))
    await until(lambda: recorded(bot) == 40, "the first 40 questions in the log")
    before = refs_in(log_path(bot))

    second = await burst(standin, 300, 40)
    await standin.wait_for(lambda: any(h.initial is not None for h in second), what="an answer to the second burst")
    assert bot.proc is not None
    bot.proc.kill()
    await bot.proc.wait()
    assert bot.returncode == -9
    answered_before_kill = sum(h.initial is not None for h in second)

    path = log_path(bot)
    conn = questionlog.connect(path)  # opens for writing, recovering the WAL, and migrates
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = conn.execute("SELECT ref, via, question, outcome, knowledge FROM questions").fetchall()
    finally:
        conn.close()
    after = {ref for ref, *_ in rows}
    assert before <= after, f"{len(before - after)} recorded rows lost"
    assert 40 <= len(after) <= 340
    assert all(
        via == "slash" and question in QUESTIONS and outcome in questionlog.OUTCOMES
        for _, via, question, outcome, _ in rows
    )
    assert review.read(path).questions == len(after)
    print(f"kept {len(after)} rows; {answered_before_kill} of the second burst were answered before the kill")


async def test_a_full_state_directory_leaves_the_bot_answering_with_one_log_line(
    standin: DiscordStandIn, run_bot: RunBot, tmp_path: Path
) -> None:
    state = tmp_path / "full-state"
    state.mkdir()
    (state / questionlog.DATABASE_FILE).symlink_to("/dev/full")  # every write: "No space left on device"
    bot = await run_bot(env={**MANY_QUESTIONS, "KZBOT_STATE_DIR": str(state)})
    for number in range(3):
        answer = await (await standin.send_command("ask", {"question": TROOPS}, user=make_user(f"u{number}"))).message()
        assert answer.embeds[0]["title"] == "Why didn't China send troops to Kazakhstan?"
        thanks = await (await standin.press_button(answer, button(answer, "👍"))).message()
        assert thanks.embeds[0]["title"] == "Thanks!"
    assert await bot.stop() == 0
    lines = [line for line in bot.log_text().splitlines() if "question log" in line]
    assert len(lines) == 1 and "database or disk is full" in lines[0], lines
    assert "Traceback" not in bot.log_text()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders anyway")
async def test_a_read_only_state_directory_leaves_the_bot_answering_with_one_log_line(
    standin: DiscordStandIn, run_bot: RunBot, tmp_path: Path
) -> None:
    state = tmp_path / "read-only-state"
    state.mkdir()
    state.chmod(0o555)
    try:
        bot = await run_bot(env={**MANY_QUESTIONS, "KZBOT_STATE_DIR": str(state)})
        for number in range(3):
            handle = await standin.send_command("ask", {"question": TROOPS}, user=make_user(f"r{number}"))
            assert (await handle.message()).embeds[0]["title"] == "Why didn't China send troops to Kazakhstan?"
        assert await bot.stop() == 0
    finally:
        state.chmod(0o755)
    assert len([line for line in bot.log_text().splitlines() if "question log" in line]) == 1


async def test_two_shard_processes_share_one_log_and_lose_nothing(standin: DiscordStandIn, run_bot: RunBot) -> None:
    # One guild on each shard: (id >> 22) % 2 picks the shard, so each process answers half the questions.
    home = int(standin.guild_id)
    other = standin.add_guild("Other", guild_id=home + (1 << 22))
    channels = [standin.channel_id, other["channels"][0]["id"]]
    bots = []
    for shard in (0, 1):
        env = {**MANY_QUESTIONS, "KZBOT_SHARD_COUNT": "2", "KZBOT_SHARD_IDS": str(shard)}
        bots.append(await run_bot(env=env, wait_ready=False))
        await standin.wait_for(lambda n=shard + 1: len(standin.identifies) == n, what=f"shard {shard} to identify")
    await standin.wait_ready()
    assert bots[0].env["KZBOT_STATE_DIR"] == bots[1].env["KZBOT_STATE_DIR"]

    asked = await asyncio.gather(
        *(
            standin.send_message(QUESTIONS[n % len(QUESTIONS)], channel_id=channels[n % 2], mention_bot=True)
            for n in range(60)
        )
    )
    replies = await asyncio.gather(*(handle.reply() for handle in asked))
    assert len(replies) == 60
    for bot in bots:
        assert await bot.stop() == 0
    conn = sqlite3.connect(log_path(bots[0]))
    try:
        per_guild = dict(conn.execute("SELECT guild_id, count(*) FROM questions GROUP BY guild_id").fetchall())
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    assert per_guild == {home: 30, home + (1 << 22): 30}
