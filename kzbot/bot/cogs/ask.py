"""Asking: /ask, the "Ask kzbot" message menu, @mentions, and auto-answer in chosen channels."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from kzbot import render
from kzbot.bot.cogs.limits import asking_cooldown
from kzbot.bot.ui import reply_card, send_card
from kzbot.questionlog import Via

if TYPE_CHECKING:
    from kzbot.bot.client import KzBot

_log = logging.getLogger(__name__)

CHOICE_NAME_MAX = 100
CHOICES_MAX = 25


def too_long(question: str, limit: int) -> render.Card | None:
    return render.too_long_card(len(question), limit) if len(question) > limit else None


class AskCog(commands.Cog):
    def __init__(self, bot: KzBot) -> None:
        self.bot = bot
        # The option's length limit comes from the settings, which exist only once the bot does.
        params = self.ask._params
        params["question"] = dataclasses.replace(params["question"], max_value=bot.settings.max_question_length)
        self.menu = app_commands.ContextMenu(name="Ask kzbot", callback=self.ask_message)
        asking_cooldown(self.menu)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="ask")
    @app_commands.describe(question="Your question; start typing to pick one I know")
    @asking_cooldown
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 2000]) -> None:
        """Ask about China's response to the January 2022 unrest in Kazakhstan."""
        card = self._answer(question, "slash", interaction.guild_id)
        await send_card(interaction, card, ephemeral=self.bot.settings.ephemeral)

    def _answer(self, question: str, via: Via, guild_id: int | None) -> render.Card:
        """Ask the matcher, record the question, and render the reply (with its feedback buttons)."""
        card = too_long(question, self.bot.settings.max_question_length)
        if card is not None:
            return card
        result = self.bot.matcher.ask(question)
        ref = self.bot.record(result, via, guild_id)
        return render.ask_card(self.bot.matcher.kb, result, ref=ref, compact=not self.bot.settings.ephemeral)

    @ask.autocomplete("question")
    async def ask_complete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        suggestions = self.bot.matcher.complete(current[: CHOICE_NAME_MAX * 3], limit=CHOICES_MAX)
        return [
            app_commands.Choice(name=render.clip(s.label, CHOICE_NAME_MAX), value=s.label[:CHOICE_NAME_MAX])
            for s in suggestions[:CHOICES_MAX]
        ]

    async def ask_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Answer the text of a message, as a reply to that message."""
        me = self.bot.user
        question = render.strip_mention(message.content, me.id) if me else message.content.strip()
        card = self._answer(question, "menu", interaction.guild_id)
        if card.ephemeral or self.bot.settings.ephemeral:
            await send_card(interaction, card, ephemeral=True)
            return
        try:
            reply = await reply_card(message, card)
        except discord.HTTPException as exc:
            _log.info("cannot reply in channel %s (%s); answering the interaction", message.channel.id, exc)
            await send_card(interaction, card)
            return
        await interaction.response.send_message(
            f"Answered here: {reply.jump_url}", ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer "@kzbot question" as a reply; in auto-answer channels, answer clear questions unprompted."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id or message.guild is None:
            return
        if me in message.mentions:
            await self._answer_mention(message, render.strip_mention(message.content, me.id))
        elif self._auto_answers(message) and render.reads_as_question(message.content):
            await self._auto_answer(message)

    def _auto_answers(self, message: discord.Message) -> bool:
        channels = self.bot.settings.answer_channels
        parent = getattr(message.channel, "parent_id", None)
        return message.channel.id in channels or (parent is not None and parent in channels)

    def _retry_after(self, message: discord.Message) -> float | None:
        retry_after = self.bot.cooldowns.take(message.author.id)
        return retry_after if retry_after > 0 else None

    async def _answer_mention(self, message: discord.Message, question: str) -> None:
        retry_after = self._retry_after(message)
        if retry_after is not None:
            await self._reply(message, render.cooldown_card(retry_after), delete_after=10)
            return
        guild_id = message.guild.id if message.guild is not None else None
        await self._reply(message, self._answer(question, "mention", guild_id))

    async def _auto_answer(self, message: discord.Message) -> None:
        if len(message.content) > self.bot.settings.max_question_length:
            return
        result = self.bot.matcher.ask(message.content)
        if result.status != "answer" or self._retry_after(message) is not None:
            return
        # Only what the bot answers here was asked of it: other chatter in the channel is not recorded.
        ref = self.bot.record(result, "channel", message.guild.id if message.guild is not None else None)
        await self._reply(message, render.ask_card(self.bot.matcher.kb, result, ref=ref, compact=True))

    async def _reply(self, message: discord.Message, card: render.Card, **extra: object) -> None:
        try:
            await reply_card(message, card, **extra)
        except discord.HTTPException as exc:
            _log.warning("cannot reply to message %s in channel %s: %s", message.id, message.channel.id, exc)
