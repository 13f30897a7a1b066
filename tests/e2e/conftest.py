"""Fixtures for end-to-end tests: a local Discord stand-in and the real bot process against it.

    async def test_ask(standin, run_bot):
        await run_bot()                                   # python bot.py, identified on the stand-in
        handle = await standin.send_command("ask", {"question": "Who sent troops?"})
        reply = await handle.message()
        assert not standin.rejected                       # Discord would have accepted everything

`standin` is a fresh DiscordStandIn per test. `run_bot(env=..., args=...)` starts `python bot.py` from
the repo root with DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_GATEWAY_URL and KZBOT_GUILD_IDS pointing at
it (see discord_standin.bot_environment) and, unless wait_ready=False, waits until the bot has
identified. Every bot started is stopped at teardown (SIGTERM, SIGKILL after 10 s); when a test fails,
the tail of each bot's log is added to the report.

For one bot per module (faster, shared state), build on `module_standin`:

    pytestmark = pytest.mark.asyncio(loop_scope="module")

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def bot(module_standin, tmp_path_factory):
        proc = BotProcess(module_standin, log_path=tmp_path_factory.mktemp("bot") / "bot.log")
        await proc.start()
        try:
            await proc.wait_ready()
            yield proc
        finally:
            await proc.stop()
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

import pytest
import pytest_asyncio

from .discord_standin import DEFAULT_TIMEOUT, BotProcess, DiscordStandIn, RunBot

_BOTS = pytest.StashKey[list[BotProcess]]()


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    """A fresh Discord stand-in on 127.0.0.1 for this test."""
    async with DiscordStandIn() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_standin() -> AsyncIterator[DiscordStandIn]:
    """One Discord stand-in for a whole module; its tests must run in the module's event loop
    (`pytestmark = pytest.mark.asyncio(loop_scope="module")`)."""
    async with DiscordStandIn() as server:
        yield server


@pytest.fixture
async def run_bot(standin: DiscordStandIn, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[RunBot]:
    """Start the real bot against `standin`: `bot = await run_bot(env={...}, args=[...])`.

    `env` adds to (or, with None values, removes from) the bot's environment; `args` follow `bot.py`.
    With wait_ready=True (default) it returns once the bot has identified, and fails at once with the
    bot's log if the bot exits first. The log is at `bot.log_path`; `bot.log_text()` reads it.
    """
    bots: list[BotProcess] = []
    request.node.stash[_BOTS] = bots

    async def start(
        env: Mapping[str, str | None] | None = None,
        args: Sequence[str] = (),
        *,
        wait_ready: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> BotProcess:
        log_path = tmp_path / f"bot-{len(bots) + 1}.log"
        bot = BotProcess(standin, log_path=log_path, env=env, args=args, state_dir=tmp_path / "kzbot-state")
        bots.append(bot)
        await bot.start()
        if wait_ready:
            await bot.wait_ready(timeout)
        return bot

    try:
        yield start
    finally:
        for bot in bots:
            await bot.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """On a failing test, attach the tail of each bot's log to the report (the bot is still running)."""
    report: pytest.TestReport = yield
    if report.failed and report.when == "call":
        for number, bot in enumerate(item.stash.get(_BOTS, []), start=1):
            report.sections.append((f"bot {number} log ({bot.log_path})", bot.log_tail(120)))
    return report
