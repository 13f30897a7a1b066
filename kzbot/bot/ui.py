"""Cards to embeds and buttons, the one button class behind every "kz:" custom id, and sending helpers."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from kzbot import render
from kzbot.questionlog import new_ref

if TYPE_CHECKING:
    from kzbot.bot.client import KzBot

_log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}
_ALREADY_ACKNOWLEDGED = 40060
ACTION_ROW = discord.ComponentType.action_row.value
BUTTON = discord.ComponentType.button.value


def card_to_embed(card: render.Card) -> discord.Embed:
    embed = discord.Embed(title=card.title, description=card.description or None, colour=card.colour, url=card.url)
    for field in card.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    if card.footer:
        embed.set_footer(text=card.footer)
    return embed


def card_to_view(card: render.Card) -> discord.ui.View | None:
    if not card.buttons:
        return None
    return CardView(card)


class CardView(discord.ui.View):
    """A Card's buttons, as discord.py sends them. A press is answered by KzButton, which discord.py finds by the
    button's custom id (so it keeps working after a restart), never by this view: the view only carries the
    components. So it holds no discord.py item per button, and it is finished from the start, which tells
    discord.py not to keep it (nor, under a private reply, to keep it for 15 minutes to time it out)."""

    def __init__(self, card: render.Card) -> None:
        super().__init__(timeout=None)
        self._components = [
            {"type": ACTION_ROW, "components": [_button_component(button) for button in row]} for row in card.rows()
        ]

    def to_components(self) -> list[dict[str, Any]]:
        return self._components

    def is_finished(self) -> bool:
        return True


def _button_component(button: render.Button) -> dict[str, Any]:
    """The button as Discord's API takes it; the same payload discord.ui.Button makes."""
    style = _STYLES.get(button.style, discord.ButtonStyle.secondary)
    return {
        "type": BUTTON,
        "style": style.value,
        "disabled": False,
        "label": button.label,
        "custom_id": button.custom_id,
    }


def card_kwargs(card: render.Card) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"embed": card_to_embed(card), "allowed_mentions": NO_MENTIONS}
    view = card_to_view(card)
    if view is not None:
        kwargs["view"] = view
    return kwargs


async def send_card(interaction: discord.Interaction, card: render.Card, *, ephemeral: bool = False) -> None:
    """Reply to an interaction with a Card; ephemeral when asked or when the Card is a decline or error.

    If the interaction was already answered (or deferred), the Card goes out as a follow-up instead.
    """
    kwargs = card_kwargs(card)
    kwargs["ephemeral"] = ephemeral or card.ephemeral
    if not interaction.response.is_done():
        try:
            await interaction.response.send_message(**kwargs)
            return
        except discord.InteractionResponded:
            pass
        except discord.HTTPException as exc:
            if exc.code != _ALREADY_ACKNOWLEDGED:
                raise
    await interaction.followup.send(**kwargs)


async def edit_card(interaction: discord.Interaction, card: render.Card) -> None:
    """Replace the message a button sits on (FAQ paging); a Card meant to be private is sent as a new one."""
    if card.ephemeral or interaction.message is None or interaction.response.is_done():
        await send_card(interaction, card, ephemeral=True)
        return
    kwargs = card_kwargs(card)
    kwargs.setdefault("view", None)
    await interaction.response.edit_message(**kwargs)


async def reply_card(message: discord.Message, card: render.Card, **extra: Any) -> discord.Message:
    """Answer a channel message as a reply that pings nobody, not even its author."""
    return await message.reply(**card_kwargs(card), mention_author=False, **extra)


class KzButton(discord.ui.DynamicItem[discord.ui.Button], template=render.ACTION_PATTERN):
    """Every button kzbot sends. The custom id alone says what to show, so no state is kept per message."""

    def __init__(self, button: render.Button) -> None:
        super().__init__(
            discord.ui.Button(
                label=button.label,
                custom_id=button.custom_id,
                style=_STYLES.get(button.style, discord.ButtonStyle.secondary),
                row=button.row,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> KzButton:
        label = getattr(item, "label", None) or "…"
        return cls(render.Button(label=label, custom_id=match.string, row=getattr(item, "row", None)))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        bot = cast("KzBot", interaction.client)
        return bot.first_delivery(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = cast("KzBot", interaction.client)
        custom_id = self.item.custom_id or ""
        try:
            action = render.Action.parse(custom_id)
            if action is not None and action.kind in ("vote", "none"):
                await send_card(interaction, await _feedback_card(bot, action, interaction.user.id), ephemeral=True)
                return
            log = bot.question_log
            if log is not None and action is not None and action.ref and action.kind in ("ask", "actor"):
                log.pick(action.ref, interaction.user.id, _answer_id(action))
            card = render.action_card(
                bot.matcher,
                custom_id,
                ref=new_ref() if log is not None else None,
                compact=not bot.settings.ephemeral,
            )
            if action is not None and action.kind == "faq":
                await edit_card(interaction, card)
            else:
                await send_card(interaction, card, ephemeral=bot.settings.ephemeral)
        except Exception as exc:
            await bot.report_failure(interaction, exc, f"button {custom_id!r}")


def _answer_id(action: render.Action) -> str:
    """The id recorded for a pick: an entry id, or "actor:<id>" as the matcher names an actor's answer."""
    return f"actor:{action.target}" if action.kind == "actor" else action.target


async def _feedback_card(bot: KzBot, action: render.Action, user_id: int) -> render.Card:
    """Record a 👍/👎 or "None of these" and thank the user; after a 👎, offer what came next for the question."""
    log = bot.question_log
    if action.kind == "none":
        if log is not None and action.ref:
            log.dismiss(action.ref, user_id)
        return render.dismissed_card()
    question = None
    if log is not None and action.ref:
        log.vote(action.ref, user_id, action.target, up=action.up)
        if not action.up:
            recorded = await asyncio.to_thread(log.lookup, action.ref)
            question = recorded.question if recorded is not None else None
    return render.vote_card(bot.matcher, action, question)
