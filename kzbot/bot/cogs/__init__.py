"""One cog per command group. Each callback parses, asks the core, renders and sends."""

from __future__ import annotations

from kzbot.bot.cogs.actors import ActorCog
from kzbot.bot.cogs.admin import AdminCog
from kzbot.bot.cogs.ask import AskCog
from kzbot.bot.cogs.browse import BrowseCog

COGS = (AskCog, ActorCog, BrowseCog, AdminCog)
