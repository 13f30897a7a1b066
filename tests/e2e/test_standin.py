"""The Discord stand-in, proved against a real discord.py client running in this process.

If these pass, the end-to-end tests of the bot talk to something discord.py accepts as Discord, and
what the stand-in refuses is what Discord refuses.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .discord_standin import (
    CALLBACK_AUTOCOMPLETE,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_MESSAGE,
    CALLBACK_UPDATE_MESSAGE,
    INTENT_MESSAGE_CONTENT,
    DiscordStandIn,
    RunBot,
    StandInError,
)

WAIT = 20.0


@contextlib.contextmanager
def pointed_at(standin: DiscordStandIn) -> Iterator[None]:
    """Point discord.py's REST base and gateway at the stand-in, and put them back afterwards."""
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = standin.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


class Panel(discord.ui.View):
    @discord.ui.button(label="More", custom_id="more")
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="You pressed More.", view=None)


class ProbeClient(discord.Client):
    """A small discord.py client with a few commands, in the shape a real bot uses them."""

    def __init__(self, guild_id: str, **options: Any) -> None:
        options.setdefault("intents", discord.Intents.default())
        super().__init__(guild_ready_timeout=0.2, **options)
        self.guild = discord.Object(int(guild_id))
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.resumed = asyncio.Event()
        self.errors: list[Exception] = []
        self.answered_twice = asyncio.Event()
        self.seen: list[discord.Message] = []
        self._new_message = asyncio.Event()
        self.choice_count = 25
        self.choice_name = "Kazakhstan"
        self._add_commands()

    def _add_commands(self) -> None:
        @self.tree.command(guild=self.guild, description="Repeat some text")
        async def echo(interaction: discord.Interaction, text: str, times: int = 1) -> None:
            await interaction.response.send_message(
                " ".join([f"echo: {text}"] * times), allowed_mentions=discord.AllowedMentions.none()
            )

        @self.tree.command(guild=self.guild, description="Answer twice at once (a bug)")
        async def double(interaction: discord.Interaction) -> None:
            results = await asyncio.gather(
                interaction.response.send_message("first"),
                interaction.response.send_message("second"),
                return_exceptions=True,
            )
            self.errors += [r for r in results if isinstance(r, Exception)]
            self.answered_twice.set()

        @self.tree.command(guild=self.guild, description="Look something up")
        async def lookup(interaction: discord.Interaction, query: str) -> None:
            await interaction.response.send_message(f"looked up {query}")

        @lookup.autocomplete("query")
        async def lookup_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=f"{self.choice_name} {i} {current}", value=f"v{i}")
                for i in range(self.choice_count)
            ]

        @self.tree.command(guild=self.guild, description="Think, then answer")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.edit_original_response(content="Done thinking.")
            await interaction.followup.send("A follow-up.", ephemeral=True)

        @self.tree.command(guild=self.guild, description="Show a button")
        async def panel(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Press it.", view=Panel())

        @self.tree.context_menu(name="Quote", guild=self.guild)
        async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_message(f"> {message.content}", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=self.guild)

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def wait_seen(self, count: int) -> list[discord.Message]:
        """Wait until on_message has seen `count` messages."""
        while len(self.seen) < count:
            self._new_message.clear()
            await self._new_message.wait()
        return self.seen

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)
        self._new_message.set()
        if message.author != self.user and self.user in message.mentions:
            await message.channel.send(
                f"Hello {message.author.mention}", allowed_mentions=discord.AllowedMentions.none()
            )


async def until(awaitable: Awaitable[Any], task: asyncio.Task[Any], timeout: float = WAIT) -> Any:
    """Await `awaitable`, but fail at once if the client task dies first (and never hang)."""
    waiter = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({waiter, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if waiter in done:
        return waiter.result()
    waiter.cancel()
    if task in done:
        raise AssertionError(f"the client stopped: {task.exception()!r}")
    raise AssertionError(f"timed out after {timeout}s")


@contextlib.asynccontextmanager
async def running(client: discord.Client, token: str) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(client.start(token))
    try:
        yield task
    finally:
        await client.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, WAIT)


@pytest.fixture
async def probe(standin: DiscordStandIn) -> AsyncIterator[ProbeClient]:
    """A ProbeClient logged in to the stand-in and past on_ready."""
    with pointed_at(standin):
        client = ProbeClient(standin.guild_id)
        async with running(client, standin.token) as task:
            await until(client.ready.wait(), task)
            client.task = task  # type: ignore[attr-defined]
            yield client


async def raw(standin: DiscordStandIn, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One REST call to the stand-in, authorised as the bot, bypassing discord.py's own checks."""
    headers = {"Authorization": f"Bot {standin.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, standin.api_base + path, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json() if resp.status != 204 else None


# ---- connecting -------------------------------------------------------------------------------------


async def test_client_logs_in_receives_its_guild_and_identifies_with_its_intents(
    standin: DiscordStandIn, probe: ProbeClient
) -> None:
    assert probe.user is not None and str(probe.user.id) == standin.bot_user["id"]
    assert str(probe.application_id) == standin.application_id
    guild = probe.get_guild(int(standin.guild_id))
    assert guild is not None and guild.name == "Stand-in Guild"
    assert [c.name for c in guild.text_channels] == ["general"]
    assert {r.name for r in guild.roles} == {"@everyone", "Member", "Moderator"}
    assert guild.member_count == 3
    assert standin.intents == probe.intents.value
    assert standin.identify_payload["properties"]["browser"] == "discord.py"
    assert standin.connections[0].query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert standin.heartbeats >= 1


async def test_a_wrong_token_is_refused_like_discord_does(standin: DiscordStandIn) -> None:
    with pointed_at(standin):
        client = ProbeClient(standin.guild_id)
        try:
            with pytest.raises(discord.LoginFailure):
                await client.login("not-the-token")
        finally:
            await client.close()
    assert standin.requests[0].status == 401


async def test_a_privileged_intent_not_enabled_for_the_app_disconnects_the_client() -> None:
    async with DiscordStandIn(privileged_intents=0) as standin:
        with pointed_at(standin):
            intents = discord.Intents.default()
            intents.message_content = True
            client = ProbeClient(standin.guild_id, intents=intents)
            async with running(client, standin.token) as task:
                with pytest.raises(discord.PrivilegedIntentsRequired):
                    await asyncio.wait_for(task, WAIT)


async def test_a_dropped_connection_is_resumed_and_missed_events_are_replayed(
    standin: DiscordStandIn, probe: ProbeClient
) -> None:
    assert await standin.drop_connection() == 1
    # Sent while the client is away: Discord keeps it for the RESUME, and so does the stand-in.
    handle = await standin.send_command("echo", {"text": "still there?"})
    await standin.wait_resumed()
    await until(probe.resumed.wait(), probe.task)
    assert (await handle.message()).content == "echo: still there?"
    assert len(standin.identifies) == 1  # resumed, not identified again


async def test_an_auto_sharded_client_gets_one_session_per_recommended_shard() -> None:
    async with DiscordStandIn(recommended_shards=2) as standin:
        standin.add_guild("Second Guild")
        with pointed_at(standin):
            client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.2)
            async with running(client, standin.token) as task:
                await until(standin.wait_ready(), task)
                await until(client.wait_until_ready(), task)
                assert sorted(i["shard"] for i in standin.identifies) == [[0, 2], [1, 2]]
                assert {g.name for g in client.guilds} == {"Stand-in Guild", "Second Guild"}
    assert standin.requests_to("GET /gateway/bot")


# ---- application commands ------------------------------------------------------------------------------


async def test_synced_commands_are_stored_with_ids_and_option_types(
    standin: DiscordStandIn, probe: ProbeClient
) -> None:
    commands = {c["name"]: c for c in standin.synced_commands()}
    assert set(commands) == {"echo", "double", "lookup", "slow", "panel", "Quote"}
    assert all(c["id"] and c["application_id"] == standin.application_id for c in commands.values())
    assert [(o["name"], o["type"], o.get("required", False)) for o in commands["echo"]["options"]] == [
        ("text", 3, True),
        ("times", 4, False),
    ]
    fetched = await probe.tree.fetch_commands(guild=probe.guild)
    assert {c.name for c in fetched} == set(commands)


async def test_a_command_is_answered_and_its_message_pings_nobody(standin: DiscordStandIn, probe: ProbeClient) -> None:
    mention = f"<@{standin.owner['id']}>"
    handle = await standin.send_command("echo", {"text": f"hi {mention}", "times": 2})
    callback = await handle.response()
    assert callback.type == CALLBACK_MESSAGE and callback.status == 200
    message = await handle.message()
    assert message.content == f"echo: hi {mention} echo: hi {mention}"
    assert message.allowed_mentions == {"parse": []}
    assert message.pings == frozenset()
    assert not standin.rejected


async def test_a_second_response_to_one_interaction_is_rejected_with_40060(
    standin: DiscordStandIn, probe: ProbeClient
) -> None:
    handle = await standin.send_command("double")
    assert (await handle.message()).content == "first"
    await standin.wait_for(lambda: len(handle.callbacks) == 2, what="the second response")
    second = handle.callbacks[1]
    assert (second.status, second.error["code"]) == (400, 40060)
    await until(probe.answered_twice.wait(), probe.task)
    assert isinstance(probe.errors[0], discord.HTTPException) and probe.errors[0].code == 40060


@pytest.mark.parametrize(
    ("count", "name", "accepted"),
    [(25, "Kazakhstan", True), (26, "Kazakhstan", False), (1, "K" * 101, False)],
    ids=["25 choices", "26 choices", "101-char name"],
)
async def test_autocomplete_results_are_held_to_discords_limits(
    standin: DiscordStandIn, probe: ProbeClient, count: int, name: str, accepted: bool
) -> None:
    probe.choice_count, probe.choice_name = count, name
    handle = await standin.send_autocomplete("lookup", "query", "kaz")
    assert handle.payload["data"]["options"] == [{"name": "query", "type": 3, "value": "kaz", "focused": True}]
    await standin.wait_for(lambda: handle.callbacks, what="an autocomplete answer")
    attempt = handle.callbacks[0]
    assert attempt.type == CALLBACK_AUTOCOMPLETE
    if accepted:
        choices = await handle.choices()
        assert len(choices) == count and choices[0]["name"].endswith("kaz")
    else:
        assert (attempt.status, attempt.error["code"]) == (400, 50035)


async def test_a_deferred_answer_becomes_visible_when_the_original_is_edited(
    standin: DiscordStandIn, probe: ProbeClient
) -> None:
    handle = await standin.send_command("slow")
    assert (await handle.response()).type == CALLBACK_DEFERRED_MESSAGE
    message = await handle.message()
    assert message.content == "Done thinking." and not message.loading
    followup = await handle.followup()
    assert followup.content == "A follow-up." and followup.ephemeral


async def test_pressing_a_button_reaches_the_view_which_updates_the_message(
    standin: DiscordStandIn, probe: ProbeClient
) -> None:
    shown = await (await standin.send_command("panel")).message()
    assert [b["custom_id"] for b in shown.buttons()] == ["more"]
    with pytest.raises(StandInError, match="no component 'less'"):
        await standin.press_button(shown, "less")
    press = await standin.press_button(shown, "more")
    assert (await press.response()).type == CALLBACK_UPDATE_MESSAGE
    assert shown.content == "You pressed More." and shown.buttons() == []
    assert shown.edited


async def test_a_message_context_menu_command_receives_the_resolved_message(
    standin: DiscordStandIn, probe: ProbeClient
) -> None:
    said = await standin.send_message("Beijing called it a colour revolution.")
    handle = await standin.send_message_command("Quote", said.record)
    reply = await handle.message()
    assert reply.content == "> Beijing called it a colour revolution." and reply.ephemeral


# ---- channel messages ----------------------------------------------------------------------------------


async def test_a_mention_gets_a_channel_reply_and_content_needs_the_intent(
    standin: DiscordStandIn, probe: ProbeClient
) -> None:
    assert not probe.intents.message_content
    unmentioned = await standin.send_message("what about the CSTO?")
    mentioned = await standin.send_message("what about the CSTO?", mention_bot=True)
    reply = await mentioned.reply()
    assert reply.content == f"Hello <@{standin.user['id']}>"
    assert reply.pings == frozenset() and reply.allowed_mentions == {"parse": []}
    assert unmentioned.replies == [reply]  # the channel's only bot message came after both
    # Without the message-content intent Discord blanks other people's messages unless they mention the bot.
    seen = await until(probe.wait_seen(3), probe.task)
    contents = {str(m.id): m.content for m in seen}
    assert contents[unmentioned.id] == ""
    assert contents[mentioned.id].endswith("what about the CSTO?")
    assert contents[reply.id] == reply.content  # its own message, echoed like Discord does
    assert standin.channel_messages() == [reply]


async def test_a_client_with_the_content_intent_sees_all_messages() -> None:
    async with DiscordStandIn() as standin:
        intents = discord.Intents.default()
        intents.message_content = True
        with pointed_at(standin):
            client = ProbeClient(standin.guild_id, intents=intents)
            async with running(client, standin.token) as task:
                await until(client.ready.wait(), task)
                assert standin.intents & INTENT_MESSAGE_CONTENT
                said = await standin.send_message("no mention here")
                seen = await until(client.wait_seen(1), task)
                assert seen[0].content == "no mention here" and str(seen[0].id) == said.id


async def test_mentions_without_allowed_mentions_are_recorded_as_pings(
    standin: DiscordStandIn, probe: ProbeClient
) -> None:
    channel = probe.get_channel(int(standin.channel_id))
    await channel.send(f"<@{standin.user['id']}> and @everyone")
    await channel.send(f"<@{standin.user['id']}>", allowed_mentions=discord.AllowedMentions(users=False))
    loud, quiet = standin.channel_messages()
    assert loud.pings == {f"user:{standin.user['id']}", "everyone"} and loud.allowed_mentions is None
    assert quiet.pings == frozenset()


async def test_an_overlong_message_from_the_client_is_rejected(standin: DiscordStandIn, probe: ProbeClient) -> None:
    channel = probe.get_channel(int(standin.channel_id))
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("x" * 2001)
    assert (caught.value.status, caught.value.code) == (400, 50035)
    assert "2000 or fewer" in caught.value.text
    await channel.send("x" * 2000)
    assert [len(m.content) for m in standin.channel_messages()] == [2000]
    assert len(standin.rejected) == 1


def _embed(**extra: Any) -> dict:
    return {"title": "CSTO", "description": "Troops arrived.", **extra}


def _row(*buttons: dict) -> dict:
    return {"type": 1, "components": list(buttons)}


def _button(custom_id: str = "b", label: str = "Go") -> dict:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label}


BAD_MESSAGES = {
    "empty": ({}, 50006),
    "content 2001": ({"content": "x" * 2001}, 50035),
    "title 257": ({"embeds": [_embed(title="t" * 257)]}, 50035),
    "description 4097": ({"embeds": [_embed(description="d" * 4097)]}, 50035),
    "26 fields": ({"embeds": [_embed(fields=[{"name": "n", "value": "v"}] * 26)]}, 50035),
    "field name 257": ({"embeds": [_embed(fields=[{"name": "n" * 257, "value": "v"}])]}, 50035),
    "field value 1025": ({"embeds": [_embed(fields=[{"name": "n", "value": "v" * 1025}])]}, 50035),
    "footer 2049": ({"embeds": [_embed(footer={"text": "f" * 2049})]}, 50035),
    "6001 in total": ({"embeds": [_embed(description="d" * 4000), _embed(description="d" * 2000)]}, 50035),
    "11 embeds": ({"embeds": [_embed()] * 11}, 50035),
    "6 rows": ({"components": [_row(_button(f"r{i}")) for i in range(6)]}, 50035),
    "6 buttons in a row": ({"components": [_row(*(_button(f"b{i}") for i in range(6)))]}, 50035),
    "custom_id 101": ({"components": [_row(_button("c" * 101))]}, 50035),
    "label 81": ({"components": [_row(_button(label="l" * 81))]}, 50035),
    "duplicate custom_id": ({"components": [_row(_button("same"), _button("same"))]}, 50035),
}


@pytest.mark.parametrize(("body", "code"), list(BAD_MESSAGES.values()), ids=list(BAD_MESSAGES))
async def test_messages_beyond_discords_limits_are_rejected(standin: DiscordStandIn, body: dict, code: int) -> None:
    status, error = await raw(standin, "POST", f"/channels/{standin.channel_id}/messages", body)
    assert (status, error["code"]) == (400, code)
    assert standin.channel_messages() == []


async def test_messages_at_discords_limits_are_accepted(standin: DiscordStandIn) -> None:
    body = {
        "content": "x" * 2000,
        "embeds": [_embed(title="t" * 256, description="d" * 4096, fields=[{"name": "n", "value": "v"}] * 25)],
        "components": [_row(*(_button(f"b{r}{i}", "l" * 80) for i in range(5))) for r in range(5)],
        "allowed_mentions": {"parse": []},
    }
    status, message = await raw(standin, "POST", f"/channels/{standin.channel_id}/messages", body)
    assert status == 200 and message["content"] == "x" * 2000
    status, fetched = await raw(standin, "GET", f"/channels/{standin.channel_id}/messages/{message['id']}")
    assert status == 200 and fetched["embeds"][0]["title"] == "t" * 256


async def test_a_rate_limited_request_is_retried_by_the_client(standin: DiscordStandIn, probe: ProbeClient) -> None:
    rule = standin.rate_limit("POST /channels/{channel_id}/messages", retry_after=0.05)
    await probe.get_channel(int(standin.channel_id)).send("after a 429")
    assert rule.fired
    attempts = standin.requests_to("POST /channels/{channel_id}/messages")
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[0].response["retry_after"] == 0.05
    assert [m.content for m in standin.channel_messages()] == ["after a 429"]


async def test_an_unknown_route_is_a_logged_404(standin: DiscordStandIn, probe: ProbeClient) -> None:
    with pytest.raises(discord.NotFound):
        await probe.fetch_guild(int(standin.guild_id))
    assert [(r.method, r.path) for r in standin.unknown_routes] == [("GET", f"/api/v10/guilds/{standin.guild_id}")]


async def test_commands_for_a_guild_the_bot_is_not_in_are_refused(standin: DiscordStandIn) -> None:
    path = f"/applications/{standin.application_id}/guilds/123/commands"
    status, error = await raw(standin, "PUT", path, [{"name": "ask", "description": "Ask", "type": 1}])
    assert (status, error["code"]) == (403, 50001)
    status, error = await raw(standin, "PUT", path.replace("/guilds/123", ""), [{"name": "Ask", "description": "x"}])
    assert (status, error["code"]) == (400, 50035)  # chat-input names are lower case


# ---- the fixtures themselves -------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
async def test_module_standin_serves_the_gateway_url(module_standin: DiscordStandIn) -> None:
    status, body = await raw(module_standin, "GET", "/gateway/bot")
    assert status == 200 and body["url"] == module_standin.gateway_url and body["shards"] == 1


@pytest.mark.e2e
async def test_run_bot_starts_the_real_bot_against_the_stand_in_and_stops_it(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    bot = await run_bot()
    assert standin.identify_payload["token"] == standin.token
    assert bot.returncode is None
    await bot.stop()
    assert bot.returncode is not None
    await standin.wait_for(
        lambda: all(c.ws.closed for c in standin.connections), what="the bot's gateway socket to close"
    )


@pytest.mark.e2e
async def test_run_bot_fails_at_once_with_the_log_when_the_bot_exits_early(
    standin: DiscordStandIn, run_bot: RunBot
) -> None:
    with pytest.raises(AssertionError, match=r"(?s)exited with status 78 .*KZBOT_COOLDOWN_RATE"):
        await run_bot(env={"KZBOT_COOLDOWN_RATE": "not-a-number"})
    assert standin.identifies == []


@pytest.mark.e2e
async def test_a_bot_restarted_after_a_crash_gets_the_events(standin: DiscordStandIn, run_bot: RunBot) -> None:
    crashed = await run_bot()
    crashed.proc.kill()  # no close frame: its session lingers, as on Discord
    await crashed.wait_exit()
    await run_bot()
    assert len(standin.identifies) == 2
    simple = next(
        c["name"]
        for c in standin.synced_commands()
        if c["type"] == 1 and not any(o.get("required") or o["type"] in (1, 2) for o in c.get("options", []))
    )
    callback = await (await standin.send_command(simple)).response()
    assert callback.accepted
