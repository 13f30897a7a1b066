"""Shared checks: one per-user cooldown for everything that asks the matcher."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

if TYPE_CHECKING:
    from kzbot.bot.client import KzBot


def _cooldown(interaction: discord.Interaction) -> app_commands.Cooldown:
    settings = interaction.client.settings  # type: ignore[attr-defined]
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)


# One decorator object, so /ask, /actor and "Ask kzbot" share each user's bucket.
asking_cooldown = app_commands.checks.dynamic_cooldown(_cooldown)


def bot_of(interaction: discord.Interaction) -> KzBot:
    return interaction.client  # type: ignore[return-value]
