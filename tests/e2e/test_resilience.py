"""The real bot through Discord's rough patches: dropped connections, rate limits, bursts, repeats, strays.

Each test starts its own `python bot.py` against a fresh stand-in and asks as users of its own, so no
cooldown interferes. What is asserted is what a Discord user would notice: the answer arrives, once.
"""

from __future__ import annotations

import asyncio

import pytest

from kzbot import knowledge
from kzbot.config import Settings
from kzbot.matcher import Matcher

from .conftest import RunBot
from .discord_standin import INTERACTION_COMMAND, DiscordStandIn, InteractionHandle, SentMessage, make_user

pytestmark = pytest.mark.e2e

CALLBACK = "POST /interactions/{interaction_id}/{token}/callback"
BURST = 500


@pytest.fixture(scope="module")
def questions() -> list[str]:
    """Five FAQ questions from different topics that the bot's matcher answers with their own entry, so the
    reply's title is the question itself."""
    settings = Settings()
    kb = knowledge.load(settings.knowledge_dir, settings.seeds_dir)
    matcher = Matcher(kb)
    picked: dict[str, str] = {}
    for entry in kb.entries.values():
        result = matcher.ask(entry.question)
        if entry.topic not in picked and result.entry == entry:
            picked[entry.topic] = entry.question
    assert len(picked) >= 5
    return list(picked.values())[:5]


def user(standin: DiscordStandIn, name: str) -> dict:
    member = make_user(name)
    standin._member_of(standin.guild_id, member)
    return member


async def ask(standin: DiscordStandIn, question: str, name: str) -> InteractionHandle:
    return await standin.send_command("ask", {"question": question}, user=user(standin, name))


def title_of(message: SentMessage) -> str:
    return message.embeds[0]["title"]


async def test_a_dropped_gateway_is_resumed_and_the_next_question_answered(
    standin: DiscordStandIn, run_bot: RunBot, questions: list[str]
) -> None:
    bot = await run_bot()
    await standin.wait_commands()
    first = await ask(standin, questions[0], "before-drop")
    assert title_of(await first.message()) == questions[0]

    assert await standin.drop_connection() == 1
    # Asked while the bot is away: the stand-in, like Discord, replays it when the bot resumes.
    during = await ask(standin, questions[1], "during-drop")
    await standin.wait_resumed()
    after = await ask(standin, questions[2], "after-drop")

    assert title_of(await during.message()) == questions[1]
    assert title_of(await after.message()) == questions[2]
    assert len(standin.identifies) == 1, "the bot resumed its session rather than starting a new one"
    assert not standin.rejected
    assert bot.returncode is None


@pytest.mark.parametrize("is_global", [False, True], ids=["route", "global"])
async def test_a_rate_limited_callback_is_retried_and_the_answer_arrives(
    standin: DiscordStandIn, run_bot: RunBot, questions: list[str], is_global: bool
) -> None:
    await run_bot()
    await standin.wait_commands()
    rule = standin.rate_limit(CALLBACK, nth=1, retry_after=0.3, is_global=is_global)
    handle = await ask(standin, questions[3], "rate-limited")

    assert title_of(await handle.message()) == questions[3]
    assert rule.fired
    statuses = [r.status for r in standin.requests_to(CALLBACK) if handle.id in r.path]
    assert statuses[0] == 429 and statuses[-1] in (200, 204), statuses
    assert [c.accepted for c in handle.callbacks] == [True], "answered exactly once"
    assert not standin.rejected


async def test_500_questions_at_once_are_all_answered_once(
    standin: DiscordStandIn, run_bot: RunBot, questions: list[str]
) -> None:
    bot = await run_bot(env={"KZBOT_LOG_LEVEL": "WARNING"})
    await standin.wait_commands()
    asked = [questions[i % len(questions)] for i in range(BURST)]
    handles = await asyncio.gather(*(ask(standin, q, f"burst-{i}") for i, q in enumerate(asked)))
    replies = await asyncio.gather(*(h.message(timeout=120) for h in handles))

    assert len({h.id for h in handles}) == BURST
    wrong = [(q, title_of(r)) for q, r in zip(asked, replies, strict=True) if title_of(r) != q]
    assert not wrong, f"{len(wrong)} of {BURST} got another answer, e.g. {wrong[:3]}"
    assert all(len(h.callbacks) == 1 and h.callbacks[0].accepted for h in handles)
    assert not standin.rejected
    assert bot.returncode is None


async def test_one_interaction_delivered_twice_at_once_is_answered_once(
    standin: DiscordStandIn, run_bot: RunBot, questions: list[str]
) -> None:
    await run_bot()
    command = next(c for c in await standin.wait_commands() if c["name"] == "ask")
    option = {"name": "question", "type": 3, "value": questions[4]}
    data = {"id": command["id"], "name": "ask", "type": 1, "options": [option], "guild_id": standin.guild_id}
    payload = standin.build_interaction(INTERACTION_COMMAND, data, user=user(standin, "twice"))
    # Back to back, before the first has been answered (a gateway replay can do this).
    first, second = await asyncio.gather(standin.send_interaction(payload), standin.send_interaction(payload))
    assert first is not second and first.id == second.id

    reply = await second.message()
    assert title_of(reply) == questions[4]
    # Events are handled in order: once a later question is answered, the repeat has been seen too.
    await (await ask(standin, questions[0], "after-twice")).message()
    callbacks = standin.requests_to(CALLBACK)
    assert sum(payload["id"] in r.path for r in callbacks) == 1, "the repeated delivery got a second answer"
    assert not standin.rejected


async def test_stray_interactions_are_logged_and_the_bot_keeps_answering(
    standin: DiscordStandIn, run_bot: RunBot, questions: list[str]
) -> None:
    bot = await run_bot()
    ask_command = next(c for c in await standin.wait_commands() if c["name"] == "ask")
    strays = [
        # A command Discord still lists but the bot no longer has, and an older shape of /ask.
        {"id": "1", "name": "no-such-command", "type": 1, "guild_id": standin.guild_id},
        {
            "id": ask_command["id"],
            "name": "ask",
            "type": 1,
            "guild_id": standin.guild_id,
            "options": [{"name": "old-option", "type": 3, "value": "x"}],
        },
    ]
    for data in strays:
        await standin.send_interaction(standin.build_interaction(INTERACTION_COMMAND, data, user=user(standin, "s")))
    answers = await asyncio.gather(*(ask(standin, q, f"next-{i}") for i, q in enumerate(questions)))

    for question, handle in zip(questions, answers, strict=True):
        assert title_of(await handle.message()) == question
    assert "no-such-command" in bot.log_text()
    assert bot.returncode is None
    assert not standin.rejected
