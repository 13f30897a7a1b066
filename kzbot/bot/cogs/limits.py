"""Shared checks: one per-user cooldown for everything that asks the matcher."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

if TYPE_CHECKING:
    from kzbot.bot.client import KzBot


def _cooldown(interaction: discord.Interaction) -> app_commands.Cooldown:
    settings = bot_of(interaction).settings
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)


# One decorator object, so /ask, /actor and "Ask kzbot" share each user's bucket.
asking_cooldown = app_commands.checks.dynamic_cooldown(_cooldown)


def bot_of(interaction: discord.Interaction) -> KzBot:
    """The bot that received the interaction: always a KzBot, which discord.py's types cannot know."""
    return cast("KzBot", interaction.client)
