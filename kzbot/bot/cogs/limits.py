"""Shared checks: one per-user cooldown for everything that asks the matcher."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

if TYPE_CHECKING:
    from kzbot.bot.client import KzBot


def _within_cooldown(interaction: discord.Interaction) -> bool:
    """The bot's one per-user allowance (kzbot.ratelimit), shared with mentions and answer channels."""
    cooldowns = bot_of(interaction).cooldowns
    retry_after = cooldowns.take(interaction.user.id)
    if retry_after > 0:
        raise app_commands.CommandOnCooldown(app_commands.Cooldown(cooldowns.rate, cooldowns.per), retry_after)
    return True


# One decorator object for /ask, /actor and "Ask kzbot".
asking_cooldown = app_commands.check(_within_cooldown)


def bot_of(interaction: discord.Interaction) -> KzBot:
    """The bot that received the interaction: always a KzBot, which discord.py's types cannot know."""
    return cast("KzBot", interaction.client)
