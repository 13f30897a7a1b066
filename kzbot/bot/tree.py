"""The command tree: drops repeated deliveries and turns every command error into a short private reply."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from kzbot import render
from kzbot.errors import KzbotError

if TYPE_CHECKING:
    from kzbot.bot.client import KzBot

_log = logging.getLogger(__name__)


class CheckMessage(app_commands.CheckFailure):
    """A failed check whose message is meant for the user as it stands."""


def expected_card(error: Exception) -> render.Card | None:
    """The reply for an error that is part of normal use, or None for a real failure."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.CommandOnCooldown):
        return render.cooldown_card(error.retry_after)
    if isinstance(error, CheckMessage):
        return render.notice_card(str(error))
    if isinstance(error, app_commands.NoPrivateMessage):
        return render.notice_card("That command works only in a server.")
    if isinstance(error, app_commands.MissingPermissions | app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return render.notice_card(f"That needs the {missing} permission.")
    if isinstance(error, app_commands.CheckFailure):
        return render.notice_card("You can't use that command here.")
    if isinstance(error, app_commands.TransformerError):
        return render.notice_card("I couldn't read that option; please pick a value from the list.")
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return render.notice_card("That command has just changed; please try again in a minute.")
    if isinstance(error, KzbotError):
        return render.notice_card(str(error))
    return None


class KzTree(app_commands.CommandTree):
    client: KzBot

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return self.client.first_delivery(interaction)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        await self.client.report_failure(interaction, error, f"/{command}")
