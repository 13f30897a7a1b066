"""The buttons a Card goes out with: the same components discord.ui.Button makes, each answered by KzButton."""

from __future__ import annotations

import asyncio

import discord
import pytest

from kzbot import render
from kzbot.bot import ui
from kzbot.questionlog import new_ref

REF = new_ref()
CARD = render.Card(
    title="Why did China not send troops?",
    buttons=(
        render.Button("Also: Did China offer troops?", render.Action("ask", "china-offer", REF).custom_id, "primary"),
        render.Button("Who is Wang Wenbin?", render.Action("actor", "wang-wenbin", REF).custom_id),
        render.Button("👍", render.Action("vote", "no-troops", REF, up=True).custom_id, row=1),
        render.Button("👎", render.Action("vote", "no-troops", REF, up=False).custom_id),
        render.Button("None of these", render.Action("none", ref=REF).custom_id, "danger", row=2),
    ),
)


def items_view(card: render.Card) -> discord.ui.View:
    """The Card's buttons built one discord.py item each, as a View of KzButtons would be."""
    view = discord.ui.View(timeout=None)
    for button in card.buttons:
        view.add_item(ui.KzButton(button))
    return view


def test_a_card_without_buttons_has_no_view() -> None:
    assert ui.card_to_view(render.Card(title="Sources")) is None


def test_the_components_are_those_of_kzbutton_items() -> None:
    async def both() -> tuple[object, object]:
        view = ui.card_to_view(CARD)
        assert view is not None
        return view.to_components(), items_view(CARD).to_components()

    sent, expected = asyncio.run(both())
    assert sent == expected
    assert [len(row["components"]) for row in sent] == [2, 2, 1]  # type: ignore[index]


@pytest.mark.parametrize("button", CARD.buttons, ids=lambda b: b.custom_id)
def test_every_button_is_answered_by_kzbutton(button: render.Button) -> None:
    assert ui.KzButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)


def test_discord_py_keeps_no_copy_of_the_view() -> None:
    async def check() -> tuple[bool, bool]:
        view = ui.card_to_view(CARD)
        assert view is not None
        return view.is_finished(), view.is_dispatchable()

    finished, dispatchable = asyncio.run(check())
    assert finished and not dispatchable
