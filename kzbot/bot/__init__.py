"""The Discord layer: the only package that imports discord. `run` connects and blocks until shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Coroutine
from typing import Any

import aiohttp
import discord

from kzbot.bot.client import KzBot
from kzbot.config import Settings
from kzbot.errors import EX_CONFIG, KzbotError
from kzbot.matcher import Matcher
from kzbot.questionlog import QuestionLog

__all__ = ["KzBot", "run"]

_log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 8.0


def run(settings: Settings, matcher: Matcher) -> int:
    """Connect to Discord and serve until SIGTERM or SIGINT; SIGHUP reloads the knowledge base.

    Returns the exit status: 0 after a clean shutdown, 78 when Discord refuses the token or a required
    intent, 1 when Discord cannot be reached.
    """
    from kzbot.logs import setup_logging

    setup_logging(settings)
    try:
        return asyncio.run(_serve(settings, matcher))
    except KeyboardInterrupt:
        return 0
    except KzbotError as exc:
        _fail(str(exc))
        return exc.exit_code


async def _serve(settings: Settings, matcher: Matcher) -> int:
    loop = asyncio.get_running_loop()
    question_log = (
        QuestionLog(settings.state_dir, keep_days=settings.record_days).start() if settings.record_questions else None
    )
    if question_log is not None:
        _log.info("recording questions in %s for %d days", question_log.path, settings.record_days)
    bot = KzBot(settings, matcher, question_log=question_log)
    main = asyncio.current_task()
    background: set[asyncio.Task[Any]] = set()
    stopping = False

    def spawn(coro: Coroutine[Any, Any, Any]) -> None:
        task = loop.create_task(coro)
        background.add(task)
        task.add_done_callback(background.discard)

    async def shut_down(name: str) -> None:
        _log.info("%s received: closing the connection to Discord", name)
        try:
            await asyncio.wait_for(bot.close(), SHUTDOWN_GRACE)
        except TimeoutError:
            _log.warning("Discord did not close within %.0f s; stopping anyway", SHUTDOWN_GRACE)
        except Exception:
            _log.exception("closing the connection failed; stopping anyway")
        else:
            return
        if main is not None:
            main.cancel()

    def on_stop(sig: signal.Signals) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            spawn(shut_down(sig.name))

    async def reload() -> None:
        _log.info("SIGHUP received: reloading the knowledge base")
        await bot.reload_knowledge()

    handled = [signal.SIGTERM, signal.SIGINT]
    for sig in handled:
        loop.add_signal_handler(sig, on_stop, sig)
    if hasattr(signal, "SIGHUP"):
        handled.append(signal.SIGHUP)
        loop.add_signal_handler(signal.SIGHUP, lambda: spawn(reload()))

    health = None
    try:
        if settings.health_port is not None:
            from kzbot.health import start_health_server

            health = await start_health_server(settings.health_host, settings.health_port, bot.health_status)
        async with bot:
            await bot.start(settings.token or "")
    except discord.LoginFailure as exc:
        _fail(f"Discord refused the bot token in DISCORD_TOKEN ({exc}); copy it again from the Developer Portal")
        return EX_CONFIG
    except discord.PrivilegedIntentsRequired:
        _fail(
            "KZBOT_ANSWER_CHANNELS needs the Message Content intent: enable it for the bot in the Developer "
            "Portal, or unset KZBOT_ANSWER_CHANNELS"
        )
        return EX_CONFIG
    except (aiohttp.ClientError, OSError, discord.GatewayNotFound) as exc:
        _fail(f"cannot reach Discord: {exc}")
        return 1
    except asyncio.CancelledError:
        if not stopping:
            raise
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        if health is not None:
            await health.cleanup()
        for task in background:
            task.cancel()
        if question_log is not None:
            await asyncio.to_thread(question_log.close)
    _log.info("stopped")
    return 0


def _fail(message: str) -> None:
    """One line, through the log (stdout), so a container's log shows it once."""
    _log.error(message)
