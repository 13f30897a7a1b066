"""KzBot: the discord.py client. It holds the Settings and the live Matcher, and nothing else global."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import math
from collections import OrderedDict
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from kzbot import knowledge, render
from kzbot.bot.tree import KzTree, expected_card
from kzbot.bot.ui import KzButton, send_card
from kzbot.config import Settings
from kzbot.errors import KnowledgeError
from kzbot.matcher import AskResult, Matcher
from kzbot.questionlog import QuestionLog, Via
from kzbot.ratelimit import Cooldowns

_log = logging.getLogger(__name__)

SYNC_STATE_FILE = "command-sync.json"
_SEEN_INTERACTIONS = 2048


def point_at(settings: Settings) -> None:
    """Aim discord.py at another API and gateway (the local stand-in in tests). Unset means real Discord."""
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def intents_for(settings: Settings) -> discord.Intents:
    """Guilds, plus guild messages for @mentions (Discord includes the text of a message that mentions the
    bot). The privileged message-content intent only when channel auto-answer is on."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = settings.auto_answer
    return intents


def build_matcher(settings: Settings) -> Matcher:
    """Load and validate the knowledge base and index it; raises KnowledgeError with every problem."""
    return Matcher(knowledge.load(settings.knowledge_dir, settings.seeds_dir))


class KzBot(commands.AutoShardedBot):
    def __init__(self, settings: Settings, matcher: Matcher, *, question_log: QuestionLog | None = None) -> None:
        point_at(settings)
        # kzbot never joins voice; without this discord.py warns about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents_for(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,
            # None runs every shard; discord.py accepts it, though its annotation says list[int] only.
            shard_ids=list(settings.shard_ids) if settings.shard_ids is not None else None,  # type: ignore[arg-type]
            tree_cls=KzTree,
            # discord.py keeps the last 1,000 messages it saw, for edit and delete events kzbot never handles:
            # mostly kzbot's own answers, each with its embed and buttons (6–9 MB of the benchmark's peak).
            max_messages=None,
        )
        self.settings = settings
        self.matcher = matcher
        self.question_log = question_log
        self.cooldowns = Cooldowns(settings.cooldown_rate, settings.cooldown_seconds)
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._reload_lock = asyncio.Lock()
        self._ready_seen = False
        self._down_shards: set[int] = set()

    # --- start-up -------------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        from kzbot.bot.cogs import COGS

        for cog in COGS:
            await self.add_cog(cog(self))
        self.add_dynamic_items(KzButton)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Register the commands with Discord: per guild in KZBOT_GUILD_IDS, else globally, and only when
        their definitions changed since the last sync (Discord rate-limits syncing hard)."""
        state_path = self.settings.state_dir / SYNC_STATE_FILE
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
            if not isinstance(state, dict):
                state = {}
        except (OSError, ValueError):
            state = {}
        targets: list[discord.Object | None] = [discord.Object(g) for g in self.settings.guild_ids] or [None]
        for guild in targets:
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            key = f"{self.application_id}:{guild.id if guild else 'global'}"
            digest = self._commands_digest(guild)
            where = f"guild {guild.id}" if guild else "all servers"
            if state.get(key) == digest:
                _log.info("commands for %s unchanged since the last sync; not syncing", where)
                continue
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException as exc:
                _log.error("could not sync commands to %s: %s", where, exc)
                continue
            _log.info("synced %d commands to %s", len(synced), where)
            state[key] = digest
        try:
            self.settings.state_dir.mkdir(parents=True, exist_ok=True)
            state_path.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        except OSError as exc:
            _log.warning("cannot save the command sync state in %s (%s); will sync on every start", state_path, exc)

    def _commands_digest(self, guild: discord.abc.Snowflake | None) -> str:
        payload = sorted(
            (command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)),
            key=lambda c: (c.get("type", 1), c["name"]),
        )
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    async def on_message(self, message: discord.Message, /) -> None:
        """Prefix commands are not used; the ask cog listens for mentions."""

    # --- the question log ---------------------------------------------------------------------------------

    def record(self, result: AskResult, via: Via, guild_id: int | None) -> str | None:
        """Log a question (off the event loop); its reference goes into the reply's buttons. None when off."""
        if self.question_log is None:
            return None
        return self.question_log.ask(
            result,
            via=via,
            guild_id=guild_id,
            knowledge=self.matcher.kb.version,
            limit=self.settings.max_question_length,
        )

    # --- replies and failures ---------------------------------------------------------------------------

    def first_delivery(self, interaction: discord.Interaction) -> bool:
        """False when this interaction id was seen before: a repeated delivery is answered only once."""
        if interaction.id in self._seen:
            _log.info("ignoring a repeated delivery of interaction %s", interaction.id)
            return False
        self._seen[interaction.id] = None
        if len(self._seen) > _SEEN_INTERACTIONS:
            self._seen.popitem(last=False)
        return True

    async def report_failure(self, interaction: discord.Interaction, error: Exception, where: str) -> None:
        """Expected errors get a short private reply; anything else is logged with its traceback first."""
        card = expected_card(error)
        if card is None:
            original = getattr(error, "original", error)
            _log.error(
                "%s failed for user %s in guild %s",
                where,
                interaction.user.id,
                interaction.guild_id,
                exc_info=(type(original), original, original.__traceback__),
            )
            card = render.error_card()
        elif isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            _log.warning("%s: %s", where, error)
        try:
            await send_card(interaction, card, ephemeral=True)
        except discord.HTTPException as exc:
            _log.warning("could not tell the user about a failure in %s: %s", where, exc)

    # --- knowledge reload -------------------------------------------------------------------------------

    async def reload_knowledge(self) -> render.Card:
        """Load and validate the knowledge again; swap the new Matcher in only if it is sound."""
        async with self._reload_lock:
            try:
                matcher = await asyncio.to_thread(build_matcher, self.settings)
            except KnowledgeError as exc:
                _log.error("knowledge reload failed; still serving version %s:\n%s", self.matcher.kb.version, exc)
                return render.reload_card(None, exc.problems, self.matcher.kb.version)
            self.matcher = matcher
            settle_heap(again=True)
            _log.info("knowledge reloaded: %s", matcher.kb.summary())
            self.dispatch("knowledge_reloaded", matcher)
            return render.reload_card(matcher.kb.summary())

    # --- readiness, for the health endpoint -------------------------------------------------------------

    async def on_ready(self) -> None:
        if not self._ready_seen:
            settle_heap()
        self._ready_seen = True
        self._down_shards.clear()
        _log.info(
            "connected as %s (%s) to %d server(s); %s",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
            self.matcher.kb.summary(),
        )

    async def on_shard_ready(self, shard_id: int) -> None:
        self._down_shards.discard(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._down_shards.discard(shard_id)

    async def on_shard_connect(self, shard_id: int) -> None:
        self._down_shards.discard(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self._down_shards.add(shard_id)

    def health_status(self) -> dict[str, Any] | None:
        """None until ready or while any shard is disconnected; otherwise what the health endpoint shows."""
        if not self._ready_seen or self._down_shards or self.is_closed():
            return None
        shards = {
            str(shard_id): {"latency_ms": _ms(info.latency), "closed": info.is_closed()}
            for shard_id, info in self.shards.items()
        }
        return {
            "status": "ok",
            "guilds": len(self.guilds),
            "latency_ms": _ms(self.latency),
            "knowledge_version": self.matcher.kb.version,
            "shards": shards,
        }


def settle_heap(*, again: bool = False) -> None:
    """Exempt what is built at start-up (the knowledge, the matcher's index, discord.py's own objects) from
    Python's full garbage collections, which otherwise walk all of it about once a second under load, for 40–60
    ms each, holding up every answer in flight. Done at the first READY; after a reload, the old matcher is let go
    first, so it can be freed, and the new one set aside in its place."""
    if again:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


def _ms(seconds: float) -> float | None:
    return None if not math.isfinite(seconds) else round(seconds * 1000, 1)
