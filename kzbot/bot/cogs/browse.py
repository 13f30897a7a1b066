"""Browsing: /faq by topic, /sources, /timeline and /help."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from kzbot import render
from kzbot.bot.ui import send_card

if TYPE_CHECKING:
    from kzbot.bot.client import KzBot
    from kzbot.matcher import Matcher

TOPIC_CHOICES_MAX = 25


class BrowseCog(commands.Cog):
    def __init__(self, bot: KzBot) -> None:
        self.bot = bot
        self._set_topic_choices(bot.matcher)

    def _set_topic_choices(self, matcher: Matcher) -> None:
        """The topic option lists the knowledge base's topics; they are data, so they are set here."""
        choices: list[app_commands.Choice[str | int | float]] = [
            app_commands.Choice(name=render.clip(t.title, 100), value=t.id)
            for t in list(matcher.kb.topics.values())[:TOPIC_CHOICES_MAX]
        ]
        params = self.faq._params
        params["topic"] = dataclasses.replace(params["topic"], choices=choices)

    @commands.Cog.listener()
    async def on_knowledge_reloaded(self, matcher: Matcher) -> None:
        self._set_topic_choices(matcher)
        await self.bot.sync_commands()

    @app_commands.command(name="faq")
    @app_commands.describe(topic="Pick a topic, or leave it out to see them all")
    async def faq(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        """Browse every question I can answer, by topic."""
        card = render.faq_card(self.bot.matcher.kb, topic, 0)
        await send_card(interaction, card, ephemeral=self.bot.settings.ephemeral)

    @app_commands.command(name="sources")
    async def sources(self, interaction: discord.Interaction) -> None:
        """The five news articles behind every answer."""
        await send_card(interaction, render.sources_card(self.bot.matcher.kb), ephemeral=self.bot.settings.ephemeral)

    @app_commands.command(name="timeline")
    async def timeline(self, interaction: discord.Interaction) -> None:
        """The dated events, oldest first."""
        await send_card(interaction, render.timeline_card(self.bot.matcher.kb), ephemeral=self.bot.settings.ephemeral)

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """What kzbot knows and how to ask it."""
        card = render.help_card(self.bot.matcher.kb, recording=self.bot.question_log is not None)
        await send_card(interaction, card, ephemeral=True)
