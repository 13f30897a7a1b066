"""/actor: who someone in the articles is."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from kzbot import render
from kzbot.bot.cogs.ask import CHOICE_NAME_MAX, CHOICES_MAX
from kzbot.bot.cogs.limits import asking_cooldown
from kzbot.bot.ui import send_card

if TYPE_CHECKING:
    from kzbot.bot.client import KzBot


class ActorCog(commands.Cog):
    def __init__(self, bot: KzBot) -> None:
        self.bot = bot

    @app_commands.command(name="actor")
    @app_commands.describe(name="A person or organisation; start typing to pick a name")
    @asking_cooldown
    async def actor(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        """Who someone is: role, stance and a key quote, from the articles."""
        result = self.bot.matcher.actor(name)
        await send_card(
            interaction, render.actor_result_card(self.bot.matcher.kb, result), ephemeral=self.bot.settings.ephemeral
        )

    @actor.autocomplete("name")
    async def actor_complete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        suggestions = self.bot.matcher.complete_actor(current[:100], limit=CHOICES_MAX)
        return [
            app_commands.Choice(name=render.clip(s.label, CHOICE_NAME_MAX), value=s.label[:CHOICE_NAME_MAX])
            for s in suggestions[:CHOICES_MAX]
        ]
