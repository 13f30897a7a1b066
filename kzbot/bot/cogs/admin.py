"""/kzadmin: maintenance for server managers and the bot's owner."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from kzbot import render, review
from kzbot.bot.cogs.limits import bot_of
from kzbot.bot.tree import CheckMessage
from kzbot.bot.ui import card_kwargs

if TYPE_CHECKING:
    from kzbot.bot.client import KzBot


async def owner_or_manager(interaction: discord.Interaction) -> bool:
    """The application's owner, or anyone with Manage Server where the command is used."""
    if interaction.permissions.manage_guild:
        return True
    if await bot_of(interaction).is_owner(interaction.user):
        return True
    raise CheckMessage("Only the bot's owner or someone with Manage Server can do that.")


class AdminCog(commands.Cog):
    kzadmin = app_commands.Group(
        name="kzadmin",
        description="kzbot maintenance",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: KzBot) -> None:
        self.bot = bot

    @kzadmin.command(name="reload")
    @app_commands.check(owner_or_manager)
    async def reload(self, interaction: discord.Interaction) -> None:
        """Load the knowledge files again; if they have problems, keep the current knowledge."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        card = await self.bot.reload_knowledge()
        await interaction.edit_original_response(**card_kwargs(card))

    @kzadmin.command(name="stats")
    @app_commands.check(owner_or_manager)
    async def stats(self, interaction: discord.Interaction) -> None:
        """What members here asked: the outcomes and the questions most often left unanswered."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        log = self.bot.question_log
        report = None
        if log is not None:
            report = await asyncio.to_thread(review.read, log.path, guild_id=interaction.guild_id)
        await interaction.edit_original_response(**card_kwargs(render.stats_card(report)))
