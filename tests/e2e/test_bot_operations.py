"""What a self-hosting admin relies on, seen from outside the real `python bot.py`: the health endpoint
through start-up, an outage and recovery; SIGTERM and SIGHUP; sharding over two processes; private answers.

Each test starts its own bot against a fresh stand-in, because each changes something process-wide (the
gateway, the knowledge directory, a setting).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from kzbot import knowledge
from kzbot.config import PROJECT_ROOT, Settings

from .conftest import RunBot
from .discord_standin import FLAG_EPHEMERAL, BotProcess, DiscordStandIn
from .test_bot_commands import free_port
from .test_bot_lifecycle import knowledge_copy, log_line

pytestmark = pytest.mark.e2e

TROOPS_QUESTION = {"question": "why didnt china send soldiers"}
TROOPS_TITLE = "Why didn't China send troops to Kazakhstan?"


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


async def get_health(bot: BotProcess) -> tuple[int, dict]:
    """GET /healthz of `bot`: (status code, JSON body)."""
    url = f"http://127.0.0.1:{bot.env['KZBOT_HEALTH_PORT']}/healthz"
    async with aiohttp.ClientSession() as http, http.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
        return response.status, await response.json()


async def health_becomes(bot: BotProcess, code: int, timeout: float = 20.0) -> dict:
    """Ask /healthz until it answers `code` and return the body; fail with the last answer otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: object = "no answer yet"
    while loop.time() < deadline:
        if bot.returncode is not None:
            raise AssertionError(f"the bot exited with {bot.returncode}\n--- bot log ---\n{bot.log_tail()}")
        try:
            last = await get_health(bot)
        except aiohttp.ClientConnectionError as exc:  # not listening yet
            last = exc
        else:
            if last[0] == code:
                return last[1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"/healthz never answered {code}; last: {last}\n--- bot log ---\n{bot.log_tail()}")


async def kzbot_health(bot: BotProcess) -> tuple[int, str]:
    """`python -m kzbot health` with the bot's own environment, as a container HEALTHCHECK runs it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kzbot",
        "health",
        cwd=PROJECT_ROOT,
        env=bot.env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode("utf-8", "replace")


def shipped_version() -> str:
    settings = Settings()
    return knowledge.load(settings.knowledge_dir, settings.seeds_dir).version


async def ask_troops(standin: DiscordStandIn, user: str) -> str:
    """Ask the troops question as a new member (a cooldown of their own) and return the text they read."""
    handle = await standin.send_command("ask", TROOPS_QUESTION, user=standin.add_member(user))
    reply = await handle.message()
    assert reply.embeds[0]["title"] == TROOPS_TITLE
    return reply.text()


# --------------------------------------------------------------------------------------------------
# Health
# --------------------------------------------------------------------------------------------------


async def test_health_follows_the_gateway_from_start_up_through_an_outage_and_back(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    standin.hold_ready()
    bot = await run_bot(env={"KZBOT_HEALTH_PORT": str(free_port())}, wait_ready=False)
    await standin.wait_for(lambda: standin.identifies, what="the bot to identify")

    assert await health_becomes(bot, 503) == {"status": "starting"}, "identified but no READY yet"
    code, out = await kzbot_health(bot)
    assert code == 1 and out.startswith("unhealthy:") and "503" in out, out

    standin.release_ready()
    ready = await health_becomes(bot, 200)
    assert ready["status"] == "ok" and ready["guilds"] == 1
    assert isinstance(ready["latency_ms"], float) and ready["latency_ms"] >= 0
    assert ready["knowledge_version"] == shipped_version()
    assert ready["shards"] == {"0": {"latency_ms": ready["latency_ms"], "closed": False}}
    code, out = await kzbot_health(bot)
    assert code == 0 and out.startswith("healthy: 200"), out

    # Discord goes away and stays away: the endpoint must say so, even while the bot keeps retrying.
    standin.refuse_connections()
    assert await standin.drop_connection() == 1
    assert await health_becomes(bot, 503) == {"status": "disconnected"}
    await standin.wait_for(lambda: standin.refused_connections >= 1, what="a refused reconnect")
    assert (await get_health(bot))[0] == 503
    code, out = await kzbot_health(bot)
    assert code == 1 and "disconnected" in out, out

    standin.accept_connections()
    back = await health_becomes(bot, 200)
    assert back["status"] == "ok" and back["knowledge_version"] == ready["knowledge_version"]
    assert len(standin.identifies) + standin.resumes >= 2, "it connected again"
    assert (await kzbot_health(bot))[0] == 0
    assert await ask_troops(standin, "after-outage"), "and it answers again"


# --------------------------------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------------------------------


async def test_sigterm_closes_the_gateway_cleanly_and_exits_0(standin: DiscordStandIn, run_bot: RunBot) -> None:
    bot = await run_bot()
    await log_line(bot, r"connected as .+ to 1 server")
    (session,) = standin.sessions.values()
    connection = session.connection
    assert connection is not None

    assert bot.proc is not None
    bot.proc.send_signal(signal.SIGTERM)
    assert await bot.wait_exit(timeout=10) == 0
    await standin.wait_for(lambda: connection.close_code is not None, what="the gateway socket to close")
    assert connection.close_code == 1000, "a normal close, so Discord shows the bot offline at once"
    assert not session.resumable
    log = bot.log_text()
    assert "SIGTERM received: closing the connection to Discord" in log and log.rstrip().endswith("stopped")
    assert "Traceback" not in log


async def test_sighup_reloads_an_edited_answer_and_a_bad_quote_keeps_the_last_good_one(
    standin: DiscordStandIn, run_bot: RunBot, tmp_path: Path
) -> None:
    # test_bot_lifecycle covers /kzadmin reload and a SIGHUP over an unknown key; this covers SIGHUP
    # picking up a good edit, and a quote the article does not contain.
    knowledge_dir = knowledge_copy(tmp_path)
    troops = knowledge_dir / "faq-troops.yaml"
    text = troops.read_text(encoding="utf-8")
    old = "AP reports China backed the crackdown with words only"
    new = "According to AP, Beijing backed the crackdown in words alone"
    quote = "China verbally supported Kazakhstan’s leaders’ deadly crackdown"
    assert old in text and quote in text
    bot = await run_bot(env={"KZBOT_KNOWLEDGE_DIR": str(knowledge_dir)})
    assert bot.proc is not None
    assert old in await ask_troops(standin, "before-edit")

    troops.write_text(text.replace(old, new, 1), encoding="utf-8")
    bot.proc.send_signal(signal.SIGHUP)
    await log_line(bot, r"knowledge reloaded: ")
    edited = await ask_troops(standin, "after-edit")
    assert new in edited and old not in edited

    troops.write_text(text.replace(old, new, 1).replace(quote, quote.replace("verbally", "loudly"), 1), "utf-8")
    bot.proc.send_signal(signal.SIGHUP)
    await log_line(bot, r"knowledge reload failed; still serving version \w+")
    problem = await log_line(
        bot, r"faq-troops\.yaml:\d+, entry 'why-no-troops', field 'sources': quote not found verbatim in .+"
    )
    assert "loudly supported" in problem and "seeds/" in problem
    assert new in await ask_troops(standin, "after-bad-quote"), "the last good knowledge keeps serving"
    assert bot.returncode is None


# --------------------------------------------------------------------------------------------------
# Sharding
# --------------------------------------------------------------------------------------------------


async def test_two_processes_each_run_their_own_shard_and_get_only_its_guilds(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    # The test guild lives on shard (id >> 22) % 2; two more guilds go on the other shard, so the two
    # processes must end up with different guild counts.
    home_shard = (int(standin.guild_id) >> 22) % 2
    for step in (1, 3):
        standin.add_guild(f"Other {step}", guild_id=int(standin.guild_id) + (step << 22))
    expected_guilds = {home_shard: 1, 1 - home_shard: 2}

    bots: dict[int, BotProcess] = {}
    for shard in (0, 1):
        env = {"KZBOT_SHARD_COUNT": "2", "KZBOT_SHARD_IDS": str(shard), "KZBOT_HEALTH_PORT": str(free_port())}
        bots[shard] = await run_bot(env=env, wait_ready=False)
        await standin.wait_for(lambda n=shard + 1: len(standin.identifies) == n, what=f"shard {shard} to identify")
        assert standin.identifies[shard]["shard"] == [shard, 2]
    await standin.wait_ready()

    for shard, bot in bots.items():
        status = await health_becomes(bot, 200)
        assert status["guilds"] == expected_guilds[shard], f"shard {shard}"
        assert list(status["shards"]) == [str(shard)] and status["shards"][str(shard)]["closed"] is False

    assert await ask_troops(standin, "sharded"), "the shard that owns the guild answers"
    assert not standin.rejected


# --------------------------------------------------------------------------------------------------
# Private answers
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("setting", "private"), [("1", True), (None, False)], ids=["KZBOT_EPHEMERAL=1", "unset"])
async def test_kzbot_ephemeral_makes_ask_answers_private(
    standin: DiscordStandIn, run_bot: RunBot, setting: str | None, private: bool
) -> None:
    await run_bot(env={"KZBOT_EPHEMERAL": setting})
    reply = await (await standin.send_command("ask", TROOPS_QUESTION)).message()
    assert reply.embeds[0]["title"] == TROOPS_TITLE
    assert reply.flags & FLAG_EPHEMERAL == (FLAG_EPHEMERAL if private else 0)
