"""The real `python bot.py` against the local Discord stand-in: what a user of each command sees.

One bot serves the whole module. Its cooldown allows one question per user per two minutes, so every
test asks as a user of its own, and the cooldown test needs only a second question.
"""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from kzbot import knowledge
from kzbot.config import Settings
from kzbot.matcher import Matcher

from .discord_standin import (
    FLAG_EPHEMERAL,
    INTERACTION_COMMAND,
    BotProcess,
    DiscordStandIn,
    SentMessage,
    make_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


def pings_nobody(message: SentMessage) -> bool:
    """Sent with allowed_mentions that parse nothing and do not ping a replied-to author, and pinged no one."""
    allowed = message.allowed_mentions or {}
    return allowed.get("parse") == [] and not allowed.get("replied_user") and message.pings == frozenset()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(module_standin: DiscordStandIn, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    base = tmp_path_factory.mktemp("bot")
    proc = BotProcess(
        module_standin,
        log_path=base / "bot.log",
        state_dir=base / "state",
        env={
            "KZBOT_COOLDOWN_RATE": "1",
            "KZBOT_COOLDOWN_SECONDS": "120",
            "KZBOT_HEALTH_PORT": str(free_port()),
        },
    )
    await proc.start()
    try:
        await proc.wait_ready()
        await module_standin.wait_commands()
        yield proc
    finally:
        assert await proc.stop() == 0, proc.log_tail()
        assert not proc.killed, "the bot should stop by itself within 10 s of SIGTERM"


@pytest.fixture
def standin(module_standin: DiscordStandIn, bot: BotProcess) -> DiscordStandIn:
    """The module's stand-in, with the bot connected to it."""
    return module_standin


def new_user(standin: DiscordStandIn, name: str) -> dict:
    """A member of the test guild with a cooldown bucket of their own."""
    user = make_user(name)
    standin._member_of(standin.guild_id, user)
    return user


# Short questions that could mean several entries; which ones the matcher finds unclear depends on tuning.
UNCLEAR = ("china russia", "protests", "what did china say", "troops", "china", "security", "russia", "xinjiang")


def unclear_question() -> str:
    settings = Settings()
    matcher = Matcher(knowledge.load(settings.knowledge_dir, settings.seeds_dir))
    return next(q for q in UNCLEAR if matcher.ask(q).status == "suggest")


def title_of(message: SentMessage) -> str:
    return message.embeds[0]["title"]


def fields_of(message: SentMessage) -> list[tuple[str, str]]:
    return [(f["name"], f["value"]) for f in message.embeds[0].get("fields", [])]


async def test_commands_are_synced_to_the_test_guild(standin: DiscordStandIn) -> None:
    commands = {c["name"]: c for c in standin.synced_commands()}
    assert set(commands) == {"ask", "actor", "faq", "sources", "timeline", "help", "kzadmin", "Ask kzbot"}
    assert not standin.synced_commands(None), "with KZBOT_GUILD_IDS set nothing is registered globally"
    question = commands["ask"]["options"][0]
    assert question["autocomplete"] is True and question["max_length"] == 300
    topics = [c["value"] for c in commands["faq"]["options"][0]["choices"]]
    assert "troops" in topics and len(topics) == 9
    assert int(commands["kzadmin"]["default_member_permissions"]) == 1 << 5, "Manage Server"
    assert commands["Ask kzbot"]["type"] == 3


async def test_ask_answers_with_the_question_and_its_source(standin: DiscordStandIn) -> None:
    user = new_user(standin, "asker")
    reply = await (
        await standin.send_command("ask", {"question": "why didnt china send soldiers"}, user=user)
    ).message()
    assert title_of(reply) == "Why didn't China send troops to Kazakhstan?"
    sources = [value for name, value in fields_of(reply) if name == "Source"]
    assert sources[0].startswith("AP\n“China verbally supported Kazakhstan’s leaders’ deadly crackdown")
    assert reply.embeds[0]["footer"]["text"].startswith("Confidence ")
    assert not reply.ephemeral
    assert pings_nobody(reply)
    assert "kz:ask:china-offered-troops" in [b["custom_id"].rsplit(":", 1)[0] for b in reply.buttons()]
    assert not standin.rejected


async def test_autocomplete_offers_at_most_25_relevant_questions(standin: DiscordStandIn) -> None:
    handle = await standin.send_autocomplete("ask", "question", "why china no troops")
    choices = await handle.choices()
    assert 1 <= len(choices) <= 25
    assert choices[0]["name"] == "Why didn't China send troops to Kazakhstan?"
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    everything = await (await standin.send_autocomplete("ask", "question", "")).choices()
    assert len(everything) == 25
    people = await (await standin.send_autocomplete("actor", "name", "tileub")).choices()
    assert people[0]["name"] == "Mukhtar Tileuberdi"


async def test_a_did_you_mean_button_answers_the_chosen_question(standin: DiscordStandIn) -> None:
    user = new_user(standin, "unsure")
    question = unclear_question()
    offer = await (await standin.send_command("ask", {"question": question}, user=user)).message()
    assert title_of(offer) == "Did you mean…"
    buttons = [b for b in offer.buttons() if b["label"] != "None of these"]
    assert 1 <= len(buttons) <= 3
    answer = await (await standin.press_button(offer, buttons[0]["custom_id"], user=user)).message()
    assert title_of(answer) == buttons[0]["label"]
    assert any(name == "Source" for name, _ in fields_of(answer))
    assert not standin.rejected


@pytest.mark.parametrize(
    ("name", "title", "role"),
    [
        ("Tileuberdi", "Mukhtar Tileuberdi", "Foreign Minister of Kazakhstan"),
        ("tokaev", "Kassym-Jomart Tokayev", "President of Kazakhstan"),
    ],
)
async def test_actor_finds_people_by_any_spelling(standin: DiscordStandIn, name: str, title: str, role: str) -> None:
    user = new_user(standin, f"curious-{name.lower()}")
    reply = await (await standin.send_command("actor", {"name": name}, user=user)).message()
    assert title_of(reply) == title
    assert ("Role", role) in fields_of(reply)
    assert not reply.ephemeral


async def test_a_mention_is_answered_as_a_reply(standin: DiscordStandIn) -> None:
    user = new_user(standin, "mentioner")
    question = await standin.send_message("why didn't china send troops?", mention_bot=True, author=user)
    reply = await question.reply()
    assert str(reply.payload["message_reference"]["message_id"]) == question.id
    assert title_of(reply) == "Why didn't China send troops to Kazakhstan?"
    assert pings_nobody(reply), "not even the asker is pinged"


async def test_everyone_in_a_question_pings_nobody(standin: DiscordStandIn) -> None:
    user = new_user(standin, "pinger")
    other = f"<@{standin.owner['id']}>"
    question = await standin.send_message(
        f"@everyone @here {other} best pizza in naples?", mention_bot=True, author=user
    )
    reply = await question.reply()
    assert pings_nobody(reply)
    text = reply.text()
    assert "@\u200beveryone @\u200bhere" in text, "the echoed question is shown, defused"
    assert "@everyone" not in text and "@here" not in text and other not in text

    slash_user = new_user(standin, "slash-pinger")
    handle = await standin.send_command("ask", {"question": "@everyone pizza?"}, user=slash_user)
    slash = await handle.message()
    assert pings_nobody(slash)
    assert "@everyone" not in slash.text()


async def test_a_second_question_inside_the_cooldown_is_refused_kindly(standin: DiscordStandIn) -> None:
    user = new_user(standin, "hasty")
    first = await (await standin.send_command("ask", {"question": "what is the csto"}, user=user)).message()
    assert title_of(first) == "What is the CSTO?"
    second = await (await standin.send_command("ask", {"question": "what is the sco"}, user=user)).message()
    assert second.ephemeral
    assert "Try again in " in second.text() and " s." in second.text()
    other = await (await standin.send_command("help", user=user)).message()
    assert title_of(other) == "kzbot help", "browsing is not rate-limited"


async def test_the_cooldown_is_one_allowance_however_a_user_asks(standin: DiscordStandIn) -> None:
    user = new_user(standin, "two-ways")
    first = await (await standin.send_command("ask", {"question": "what is the csto"}, user=user)).message()
    assert title_of(first) == "What is the CSTO?"
    question = await standin.send_message("what is the sco?", mention_bot=True, author=user)
    reply = await question.reply()
    assert "Try again in " in reply.text(), "a mention right after /ask counts against the same allowance"
    assert pings_nobody(reply)


async def test_an_off_topic_question_is_declined_privately(standin: DiscordStandIn) -> None:
    user = new_user(standin, "lost")
    reply = await (await standin.send_command("ask", {"question": "best pizza in naples"}, user=user)).message()
    assert reply.flags & FLAG_EPHEMERAL == 64
    assert title_of(reply) == "I can't answer that one"
    assert "/faq" in reply.text()


async def test_an_over_long_question_is_refused_with_the_limit(standin: DiscordStandIn) -> None:
    user = new_user(standin, "verbose")
    reply = await (await standin.send_command("ask", {"question": "why " * 100}, user=user)).message()
    assert reply.ephemeral
    assert "at most 300" in reply.text()


async def test_faq_pages_turn_in_place(standin: DiscordStandIn) -> None:
    first = await (await standin.send_command("faq", {"topic": "troops"})).message()
    assert title_of(first) == "FAQ · Troops and intervention"
    assert first.embeds[0]["footer"]["text"].startswith("Page 1 of 3")
    turned = await (await standin.press_button(first, "kz:faq:troops:1")).message()
    assert turned.id == first.id and turned.edited
    assert turned.embeds[0]["footer"]["text"].startswith("Page 2 of 3")
    question = next(b for b in turned.buttons() if b["custom_id"].startswith("kz:ask:"))
    answer = await (await standin.press_button(turned, question["custom_id"])).message()
    assert title_of(answer) == question["label"].split(". ", 1)[1]


async def test_browsing_commands(standin: DiscordStandIn) -> None:
    sources = await (await standin.send_command("sources")).message()
    assert [name for name, _ in fields_of(sources)][:1] == ["AP"]
    timeline = await (await standin.send_command("timeline")).message()
    assert "**2022-01-02** — " in timeline.embeds[0]["description"]
    index = await (await standin.send_command("faq")).message()
    assert title_of(index) == "FAQ topics" and len(index.buttons()) == 9


async def test_ask_kzbot_on_a_message_replies_to_that_message(standin: DiscordStandIn) -> None:
    author = new_user(standin, "poster")
    target = await standin.send_message("What is the SCO?", author=author)
    invoker = new_user(standin, "helper-user")
    handle = await standin.send_message_command("Ask kzbot", target.record, user=invoker)
    note = await handle.message()
    assert note.ephemeral and "Answered here" in note.content
    reply = await target.reply()
    assert str(reply.payload["message_reference"]["message_id"]) == target.id
    assert title_of(reply) == "What is the Shanghai Cooperation Organization (SCO)?"
    assert pings_nobody(reply)


async def test_a_repeated_delivery_is_answered_once(standin: DiscordStandIn) -> None:
    user = new_user(standin, "echoed")
    command = next(c for c in standin.synced_commands() if c["name"] == "help")
    data = {"id": command["id"], "name": "help", "type": 1, "guild_id": standin.guild_id}
    payload = standin.build_interaction(INTERACTION_COMMAND, data, user=user)
    first = await standin.send_interaction(payload)
    assert title_of(await first.message()) == "kzbot help"
    again = await standin.send_interaction(payload)
    # The bot handles gateway events in order: once a later command is answered, it has seen the repeat.
    await (await standin.send_command("sources", user=user)).message()
    assert again.callbacks == [], "the repeated delivery got a second answer"
    assert len(first.callbacks) == 1
    assert not standin.rejected


async def test_only_managers_may_reload(standin: DiscordStandIn) -> None:
    refused = await (await standin.send_command("kzadmin reload", user=new_user(standin, "member"))).message()
    assert refused.ephemeral and "Manage Server" in refused.text()
    done = await (await standin.send_command("kzadmin reload", user=standin.owner)).message()
    assert done.ephemeral and title_of(done) == "Knowledge reloaded"


async def test_health_reports_ready_with_the_knowledge_version(bot: BotProcess) -> None:
    url = f"http://127.0.0.1:{bot.env['KZBOT_HEALTH_PORT']}/healthz"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def get() -> tuple[int, dict]:
        try:
            with opener.open(url, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    # Ready means discord.py's on_ready, which waits for the guilds to arrive; until then 503 "starting".
    for _ in range(100):
        code, status = await asyncio.to_thread(get)
        if code != 503:
            break
        assert status["status"] == "starting"
        await asyncio.sleep(0.2)
    assert code == 200, status
    assert status["status"] == "ok" and status["guilds"] == 1
    assert len(status["knowledge_version"]) == 12
    assert status["shards"]["0"]["closed"] is False


async def test_an_unknown_command_gets_a_private_note_and_the_bot_carries_on(
    standin: DiscordStandIn, bot: BotProcess
) -> None:
    data = {"id": "1", "name": "removed-command", "type": 1, "guild_id": standin.guild_id}
    handle = await standin.send_interaction(standin.build_interaction(INTERACTION_COMMAND, data))
    note = await handle.message()
    assert note.ephemeral and "try again" in note.text()
    assert "removed-command" in bot.log_text()
    after = await (await standin.send_command("help")).message()
    assert title_of(after) == "kzbot help"
