"""A local stand-in for Discord, so end-to-end tests can run the real bot without the internet.

`DiscordStandIn` is an aiohttp server on 127.0.0.1 that speaks the slice of Discord's API v10 that
discord.py 2.7 uses: REST routes under /api/v10 and the gateway websocket. It keeps what the bot did
where a test can read it (synced commands, interaction responses, channel messages, the IDENTIFY
payload, every request) and refuses what Discord refuses (a second response to one interaction,
over-long messages or embeds, more than 25 autocomplete choices, …) with Discord's status and error
codes, so a bug Discord would reject fails the test as well.

    async with DiscordStandIn() as discord_:
        bot = BotProcess(discord_, log_path=tmp_path / "bot.log")  # the run_bot fixture does this
        await bot.start()
        await bot.wait_ready()
        handle = await discord_.send_command("ask", {"question": "Who sent troops?"})
        reply = await handle.message()        # the message a user would see
        assert reply.embeds and not reply.pings

Sections, in order: constants; payload builders (users, guilds, channels, messages); the checks that
mirror Discord's documented limits; the records a test reads; the server (REST, gateway, test API);
`BotProcess`, which runs `python bot.py` against the server.

Every wait takes a timeout (DEFAULT_TIMEOUT seconds unless given) and raises `StandInTimeout`, an
AssertionError that lists the latest requests, so a broken bot fails a test quickly instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import os
import re
import secrets
import signal
import socket
import sys
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger("discord_standin")

# --------------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[2]
API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.Ym90.c3RhbmQtaW4tdG9rZW4tbm90LXJlYWw"
DEFAULT_TIMEOUT = 20.0
DISCORD_EPOCH_MS = 1_420_070_400_000
HEARTBEAT_INTERVAL_MS = 41_250

# Gateway opcodes
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE_STATE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

# Gateway intents (the ones the stand-in looks at)
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Interaction types and interaction callback (response) types
INTERACTION_PING, INTERACTION_COMMAND, INTERACTION_COMPONENT = 1, 2, 3
INTERACTION_AUTOCOMPLETE, INTERACTION_MODAL_SUBMIT = 4, 5
CALLBACK_PONG, CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE = 1, 4, 5
CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE, CALLBACK_AUTOCOMPLETE = 6, 7, 8
CALLBACK_MODAL, CALLBACK_LAUNCH_ACTIVITY = 9, 12
ALLOWED_CALLBACKS = {
    INTERACTION_COMMAND: {CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE, CALLBACK_MODAL, CALLBACK_LAUNCH_ACTIVITY},
    INTERACTION_COMPONENT: {
        CALLBACK_MESSAGE,
        CALLBACK_DEFERRED_MESSAGE,
        CALLBACK_DEFERRED_UPDATE,
        CALLBACK_UPDATE_MESSAGE,
        CALLBACK_MODAL,
        CALLBACK_LAUNCH_ACTIVITY,
    },
    INTERACTION_AUTOCOMPLETE: {CALLBACK_AUTOCOMPLETE},
    INTERACTION_MODAL_SUBMIT: {
        CALLBACK_MESSAGE,
        CALLBACK_DEFERRED_MESSAGE,
        CALLBACK_DEFERRED_UPDATE,
        CALLBACK_UPDATE_MESSAGE,
    },
}

# Application command types and option types
COMMAND_CHAT_INPUT, COMMAND_USER, COMMAND_MESSAGE = 1, 2, 3
OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP, OPTION_STRING, OPTION_INTEGER = 1, 2, 3, 4
OPTION_BOOLEAN, OPTION_USER, OPTION_CHANNEL, OPTION_ROLE, OPTION_MENTIONABLE, OPTION_NUMBER = 5, 6, 7, 8, 9, 10

# Message types and flags
MESSAGE_DEFAULT, MESSAGE_REPLY, MESSAGE_CHAT_INPUT_COMMAND, MESSAGE_CONTEXT_MENU_COMMAND = 0, 19, 20, 23
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15
SETTABLE_MESSAGE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_EPHEMERAL | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2

# Component types
COMPONENT_ACTION_ROW, COMPONENT_BUTTON, COMPONENT_STRING_SELECT, COMPONENT_TEXT_INPUT = 1, 2, 3, 4
SELECT_TYPES = {3, 5, 6, 7, 8}
BUTTON_STYLE_LINK, BUTTON_STYLE_PREMIUM = 5, 6

# Permissions: what an ordinary member and the bot hold in the test channel
PERM_ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (
    (1 << 6)  # add reactions
    | (1 << 10)  # view channel
    | (1 << 11)  # send messages
    | (1 << 14)  # embed links
    | (1 << 15)  # attach files
    | (1 << 16)  # read message history
    | (1 << 31)  # use application commands
)
ALL_PERMISSIONS = (1 << 51) - 1

# Application flags (the "limited" gateway-intent flags of a bot in fewer than 100 guilds)
APP_FLAG_PRESENCE_LIMITED = 1 << 13
APP_FLAG_GUILD_MEMBERS_LIMITED = 1 << 15
APP_FLAG_MESSAGE_CONTENT_LIMITED = 1 << 19
APP_FLAG_COMMAND_BADGE = 1 << 23

# Discord's documented limits
CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
ACTION_ROWS_LIMIT = 5
ROW_WIDTH = 5
CUSTOM_ID_LIMIT = 100
BUTTON_LABEL_LIMIT = 80
SELECT_OPTIONS_LIMIT = 25
SELECT_PLACEHOLDER_LIMIT = 150
SELECT_OPTION_TEXT_LIMIT = 100
V2_COMPONENTS_LIMIT = 40
TEXT_DISPLAY_LIMIT = 4000
AUTOCOMPLETE_CHOICES_LIMIT = 25
CHOICE_NAME_LIMIT = 100
CHOICE_VALUE_LIMIT = 100
COMMAND_NAME_LIMIT = 32
COMMAND_DESCRIPTION_LIMIT = 100
COMMAND_OPTIONS_LIMIT = 25
MODAL_TITLE_LIMIT = 45

# --------------------------------------------------------------------------------------------------
# Payload builders: the shapes Discord documents, with ids as strings
# --------------------------------------------------------------------------------------------------

_snowflake_counter = itertools.count()


def snowflake() -> str:
    """A new, unique Discord id for the current time (milliseconds since 2015 in the high bits)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (1 << 17) | (next(_snowflake_counter) % 4096))


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def make_user(username: str = "tester", *, user_id: int | str | None = None, bot: bool = False) -> dict:
    """A user object. Bots get `bot: true`; everyone is on the new username system (discriminator "0")."""
    return {
        "id": str(user_id or snowflake()),
        "username": username,
        "discriminator": "0",
        "global_name": None if bot else username.title(),
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }


def make_role(
    name: str, *, role_id: int | str | None = None, permissions: int = MEMBER_PERMISSIONS, position: int = 1
) -> dict:
    """A role. The @everyone role of a guild has the guild's id and position 0."""
    return {
        "id": str(role_id or snowflake()),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def make_member(
    user: dict, *, roles: Iterable[str] = (), permissions: int | None = None, nick: str | None = None
) -> dict:
    """A guild member. `permissions` (a decimal string on the wire) is only present in interactions."""
    member = {
        "user": user,
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in roles],
        "joined_at": iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        member["permissions"] = str(permissions)
    return member


def make_channel(
    name: str = "general",
    *,
    guild_id: int | str,
    channel_id: int | str | None = None,
    channel_type: int = 0,
    position: int = 0,
    topic: str | None = None,
) -> dict:
    """A guild channel; type 0 is a text channel."""
    return {
        "id": str(channel_id or snowflake()),
        "type": channel_type,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": topic,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def make_dm_channel(recipient: dict, *, channel_id: int | str | None = None) -> dict:
    """A direct-message channel (type 1) with one recipient."""
    return {
        "id": str(channel_id or snowflake()),
        "type": 1,
        "recipients": [recipient],
        "last_message_id": None,
        "flags": 0,
    }


def make_guild(
    name: str,
    *,
    owner_id: str,
    guild_id: int | str | None = None,
    channels: Sequence[dict] | None = None,
    roles: Sequence[dict] | None = None,
    members: Sequence[dict] = (),
    member_count: int | None = None,
) -> dict:
    """A full guild object as GUILD_CREATE carries it. Without `channels`/`roles`, makes #general and
    @everyone. `member_count` defaults to the number of `members`."""
    gid = str(guild_id or snowflake())
    channels = list(channels) if channels is not None else [make_channel("general", guild_id=gid)]
    roles = list(roles) if roles is not None else [make_role("@everyone", role_id=gid, position=0)]
    return {
        "id": gid,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": channels[0]["id"] if channels else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_members": 500_000,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": iso_now(),
        "large": False,
        "unavailable": False,
        "member_count": len(members) if member_count is None else member_count,
        "voice_states": [],
        "members": list(members),
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def make_message(
    *,
    channel_id: int | str,
    author: dict,
    content: str = "",
    guild_id: int | str | None = None,
    member: dict | None = None,
    mentions: Sequence[dict] = (),
    mention_roles: Sequence[str] = (),
    mention_everyone: bool = False,
    embeds: Sequence[dict] = (),
    components: Sequence[dict] = (),
    attachments: Sequence[dict] = (),
    message_id: int | str | None = None,
    message_type: int = MESSAGE_DEFAULT,
    flags: int = 0,
    message_reference: dict | None = None,
) -> dict:
    """A message object. `member` is the author's partial member (no `user`) in guild messages."""
    message = {
        "id": str(message_id or snowflake()),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": mention_everyone,
        "mentions": list(mentions),
        "mention_roles": [str(r) for r in mention_roles],
        "attachments": list(attachments),
        "embeds": list(embeds),
        "reactions": [],
        "pinned": False,
        "type": message_type,
        "flags": flags,
        "components": list(components),
    }
    if guild_id is not None:
        message["guild_id"] = str(guild_id)
    if member is not None:
        message["member"] = {k: v for k, v in member.items() if k not in ("user", "permissions")}
    if message_reference is not None:
        message["message_reference"] = message_reference
    return message


_MENTION = re.compile(r"<@(?P<kind>[!&]?)(?P<id>\d+)>")


def parse_mentions(content: str) -> tuple[list[str], list[str], bool]:
    """(user ids, role ids, @everyone/@here?) written in message content, in order, without repeats."""
    users: list[str] = []
    roles: list[str] = []
    for match in _MENTION.finditer(content):
        bucket = roles if match["kind"] == "&" else users
        if match["id"] not in bucket:
            bucket.append(match["id"])
    return users, roles, ("@everyone" in content or "@here" in content)


def pings_of(content: str, allowed_mentions: Mapping[str, Any] | None, replied_user: str | None) -> frozenset[str]:
    """Who a new message would notify, as Discord decides it: "user:ID", "role:ID", "everyone",
    "replied:ID". Without allowed_mentions every mention in the content pings (and a reply pings its
    author); with it only what `parse`, `users`, `roles` and `replied_user` allow. Embeds never ping."""
    users, roles, everyone = parse_mentions(content)
    if allowed_mentions is None:
        allowed_users, allowed_roles, allow_everyone, allow_reply = set(users), set(roles), True, True
    else:
        parse = set(allowed_mentions.get("parse") or ())
        allowed_users = set(users) if "users" in parse else {str(u) for u in allowed_mentions.get("users") or ()}
        allowed_roles = set(roles) if "roles" in parse else {str(r) for r in allowed_mentions.get("roles") or ()}
        allow_everyone = "everyone" in parse
        allow_reply = bool(allowed_mentions.get("replied_user", False))
    pinged = {f"user:{u}" for u in users if u in allowed_users}
    pinged |= {f"role:{r}" for r in roles if r in allowed_roles}
    if everyone and allow_everyone:
        pinged.add("everyone")
    if replied_user is not None and allow_reply:
        pinged.add(f"replied:{replied_user}")
    return frozenset(pinged)


# --------------------------------------------------------------------------------------------------
# Checks that mirror Discord's documented limits
# --------------------------------------------------------------------------------------------------


class FormErrors:
    """Collects field errors and renders them as Discord's 400 "Invalid Form Body" (code 50035),
    where `errors` nests by path, e.g. {"embeds": {"0": {"title": {"_errors": [...]}}}}."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple[str | int, ...], str, str]] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        self.items.append((tuple(path), code, message))

    def too_long(self, path: Sequence[str | int], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def body(self) -> dict:
        nested: dict = {}
        for path, code, message in self.items:
            node = nested
            for part in path:
                node = node.setdefault(str(part), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return {"message": "Invalid Form Body", "code": 50035, "errors": nested}

    def summary(self) -> str:
        return "; ".join(f"{'.'.join(map(str, p)) or '(body)'}: {m}" for p, _, m in self.items)


def check_embeds(embeds: Any, errors: FormErrors, path: tuple[str | int, ...] = ("embeds",)) -> None:
    """Per-embed limits, at most 10 embeds, and at most 6000 characters over all of them."""
    if not isinstance(embeds, list):
        errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    errors.too_long(path, embeds, EMBEDS_PER_MESSAGE)
    total = 0
    for i, embed in enumerate(embeds):
        at = (*path, i)
        errors.too_long((*at, "title"), embed.get("title"), EMBED_TITLE_LIMIT)
        errors.too_long((*at, "description"), embed.get("description"), EMBED_DESCRIPTION_LIMIT)
        footer = (embed.get("footer") or {}).get("text")
        author = (embed.get("author") or {}).get("name")
        errors.too_long((*at, "footer", "text"), footer, EMBED_FOOTER_LIMIT)
        errors.too_long((*at, "author", "name"), author, EMBED_AUTHOR_LIMIT)
        fields = embed.get("fields") or []
        errors.too_long((*at, "fields"), fields, EMBED_FIELDS_LIMIT)
        for j, fld in enumerate(fields):
            for key, limit in (("name", EMBED_FIELD_NAME_LIMIT), ("value", EMBED_FIELD_VALUE_LIMIT)):
                text = fld.get(key)
                if not text:
                    errors.add((*at, "fields", j, key), "BASE_TYPE_REQUIRED", "This field is required")
                errors.too_long((*at, "fields", j, key), text, limit)
            total += len(fld.get("name") or "") + len(fld.get("value") or "")
        for text in (embed.get("title"), embed.get("description"), footer, author):
            total += len(text or "")
    if total > EMBED_TOTAL_LIMIT:
        errors.add(path, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}")


def _check_component(comp: dict, path: tuple[str | int, ...], errors: FormErrors, custom_ids: list[str]) -> None:
    kind = comp.get("type")
    custom_id = comp.get("custom_id")
    if custom_id is not None:
        errors.too_long((*path, "custom_id"), custom_id, CUSTOM_ID_LIMIT)
        if custom_id in custom_ids:
            errors.add(
                (*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        custom_ids.append(custom_id)
    if kind == COMPONENT_BUTTON:
        errors.too_long((*path, "label"), comp.get("label"), BUTTON_LABEL_LIMIT)
        style = comp.get("style")
        if style == BUTTON_STYLE_LINK and not comp.get("url"):
            errors.add((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
        elif style not in (BUTTON_STYLE_LINK, BUTTON_STYLE_PREMIUM) and not custom_id:
            errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
        if style != BUTTON_STYLE_PREMIUM and not comp.get("label") and not comp.get("emoji"):
            errors.add((*path, "label"), "BUTTON_COMPONENT_INVALID", "A button needs a label or an emoji")
    elif kind in SELECT_TYPES:
        if not custom_id:
            errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
        errors.too_long((*path, "placeholder"), comp.get("placeholder"), SELECT_PLACEHOLDER_LIMIT)
        options = comp.get("options")
        if kind == COMPONENT_STRING_SELECT:
            if not options:
                errors.add((*path, "options"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
            errors.too_long((*path, "options"), options, SELECT_OPTIONS_LIMIT)
            for k, option in enumerate(options or []):
                for key in ("label", "value", "description"):
                    errors.too_long((*path, "options", k, key), option.get(key), SELECT_OPTION_TEXT_LIMIT)
    elif kind == 10:  # text display (components v2)
        errors.too_long((*path, "content"), comp.get("content"), TEXT_DISPLAY_LIMIT)


def check_components(components: Any, errors: FormErrors, *, v2: bool = False) -> None:
    """Classic messages: at most 5 action rows, each with up to 5 buttons or exactly one select.
    Components-v2 messages: at most 40 components in all. Both: custom_id ≤ 100 and unique,
    button label ≤ 80, select limits."""
    if not isinstance(components, list):
        errors.add(("components",), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    custom_ids: list[str] = []
    if v2:
        count = 0

        def walk(items: list, path: tuple[str | int, ...]) -> None:
            nonlocal count
            for i, comp in enumerate(items):
                count += 1
                _check_component(comp, (*path, i), errors, custom_ids)
                for key in ("components", "items"):
                    if isinstance(comp.get(key), list):
                        walk(comp[key], (*path, i, key))
                if isinstance(comp.get("accessory"), dict):
                    count += 1
                    _check_component(comp["accessory"], (*path, i, "accessory"), errors, custom_ids)

        walk(components, ("components",))
        if count > V2_COMPONENTS_LIMIT:
            errors.add(("components",), "BASE_TYPE_MAX_LENGTH", f"Must be {V2_COMPONENTS_LIMIT} or fewer in length.")
        return
    errors.too_long(("components",), components, ACTION_ROWS_LIMIT)
    for i, row in enumerate(components):
        path = ("components", i)
        if row.get("type") != COMPONENT_ACTION_ROW:
            errors.add((*path, "type"), "UNION_TYPE_CHOICES", "Top-level components must be action rows")
            continue
        children = row.get("components") or []
        if not children:
            errors.add((*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        errors.too_long((*path, "components"), children, ROW_WIDTH)
        if any(c.get("type") in SELECT_TYPES for c in children) and len(children) > 1:
            errors.add(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for j, child in enumerate(children):
            _check_component(child, (*path, "components", j), errors, custom_ids)


def check_allowed_mentions(allowed: Any, errors: FormErrors) -> None:
    if allowed is None:
        return
    parse = allowed.get("parse") or []
    for value in parse:
        if value not in ("roles", "users", "everyone"):
            errors.add(("allowed_mentions", "parse"), "BASE_TYPE_CHOICES", f"Value {value!r} is not valid.")
    for key in ("users", "roles"):
        if key in parse and allowed.get(key):
            errors.add(
                ("allowed_mentions", key),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{key}"] and {key}: [ids] are mutually exclusive.',
            )
        errors.too_long(("allowed_mentions", key), allowed.get(key), 100)


def check_message_fields(body: Mapping[str, Any], errors: FormErrors) -> None:
    """Limits on the fields a create or edit carries (emptiness is judged on the whole message)."""
    if body.get("content") is not None:
        errors.too_long(("content",), body["content"], CONTENT_LIMIT)
    if body.get("embeds") is not None:
        check_embeds(body["embeds"], errors)
    v2 = bool(int(body.get("flags") or 0) & FLAG_COMPONENTS_V2)
    if body.get("components") is not None:
        check_components(body["components"], errors, v2=v2)
    if v2 and (body.get("content") or body.get("embeds")):
        errors.add(("content",), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "Cannot use content")
    check_allowed_mentions(body.get("allowed_mentions"), errors)


def is_empty_message(message: Mapping[str, Any]) -> bool:
    """Discord refuses (50006) a message with nothing to show."""
    return not any(
        message.get(key) for key in ("content", "embeds", "components", "attachments", "sticker_ids", "poll")
    )


def check_autocomplete_choices(data: Any, errors: FormErrors) -> None:
    """At most 25 choices; each name 1–100 characters, each string value at most 100."""
    choices = (data or {}).get("choices")
    if not isinstance(choices, list):
        errors.add(("data", "choices"), "BASE_TYPE_REQUIRED", "This field is required")
        return
    errors.too_long(("data", "choices"), choices, AUTOCOMPLETE_CHOICES_LIMIT)
    for i, choice in enumerate(choices):
        name = choice.get("name")
        if not name:
            errors.add(("data", "choices", i, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        errors.too_long(("data", "choices", i, "name"), name, CHOICE_NAME_LIMIT)
        if isinstance(choice.get("value"), str):
            errors.too_long(("data", "choices", i, "value"), choice["value"], CHOICE_VALUE_LIMIT)


def check_modal(data: Any, errors: FormErrors) -> None:
    data = data or {}
    if not data.get("custom_id"):
        errors.add(("data", "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
    errors.too_long(("data", "custom_id"), data.get("custom_id"), CUSTOM_ID_LIMIT)
    if not data.get("title"):
        errors.add(("data", "title"), "BASE_TYPE_REQUIRED", "This field is required")
    errors.too_long(("data", "title"), data.get("title"), MODAL_TITLE_LIMIT)
    if not data.get("components"):
        errors.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")


def _valid_command_name(name: Any, *, chat_input: bool) -> bool:
    if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME_LIMIT:
        return False
    if not chat_input:
        return True
    return name == name.lower() and all(ch.isalnum() or ch in "-_'" for ch in name)


def _check_options(options: Any, path: tuple[str | int, ...], errors: FormErrors) -> None:
    options = options or []
    errors.too_long(path, options, COMMAND_OPTIONS_LIMIT)
    seen_optional = False
    names: set[str] = set()
    for i, option in enumerate(options):
        at = (*path, i)
        if not _valid_command_name(option.get("name"), chat_input=True):
            errors.add((*at, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if option.get("name") in names:
            errors.add((*at, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option name is duplicated")
        names.add(option.get("name"))
        description = option.get("description") or ""
        if not 1 <= len(description) <= COMMAND_DESCRIPTION_LIMIT:
            errors.add((*at, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if option.get("type") in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP):
            _check_options(option.get("options"), (*at, "options"), errors)
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    (*at, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        errors.too_long((*at, "choices"), choices, AUTOCOMPLETE_CHOICES_LIMIT)
        for k, choice in enumerate(choices):
            errors.too_long((*at, "choices", k, "name"), choice.get("name"), CHOICE_NAME_LIMIT)
        if choices and option.get("autocomplete"):
            errors.add((*at, "autocomplete"), "AUTOCOMPLETE_AND_CHOICES", "Autocomplete cannot be used with choices")


def check_commands(commands: Any, errors: FormErrors) -> None:
    """Names, descriptions, option order and counts of application commands being registered."""
    if not isinstance(commands, list):
        errors.add((), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        kind = int(command.get("type") or COMMAND_CHAT_INPUT)
        chat_input = kind == COMMAND_CHAT_INPUT
        if not _valid_command_name(command.get("name"), chat_input=chat_input):
            errors.add((i, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if (kind, command.get("name")) in seen:
            errors.add((i, "name"), "APPLICATION_COMMAND_ALREADY_EXISTS", "Application command names must be unique")
        seen.add((kind, command.get("name")))
        description = command.get("description") or ""
        if chat_input and not 1 <= len(description) <= COMMAND_DESCRIPTION_LIMIT:
            errors.add((i, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if not chat_input and description:
            errors.add((i, "description"), "BASE_TYPE_MAX_LENGTH", "Context menu commands have no description")
        _check_options(command.get("options"), (i, "options"), errors)


# --------------------------------------------------------------------------------------------------
# Records a test reads
# --------------------------------------------------------------------------------------------------


class StandInError(Exception):
    """The test used the stand-in in a way that cannot happen on Discord (e.g. pressing a missing button)."""


class StandInTimeout(AssertionError):
    """A wait ran out of time. The message says what was awaited and what the bot did last."""


@dataclass
class RecordedRequest:
    """One REST request the stand-in answered."""

    method: str
    path: str  # e.g. /api/v10/channels/123/messages
    route: str  # the route it matched, e.g. "POST /channels/{channel_id}/messages" ("" when unknown)
    query: dict[str, str]
    body: Any  # parsed JSON (or multipart payload_json), None without a body
    files: list[str]  # file names of multipart uploads
    status: int = 0
    response: Any = None

    @property
    def rejected(self) -> bool:
        """Refused the way Discord refuses a bad request (400–499, deliberate 429s excluded)."""
        return 400 <= self.status < 500 and self.status != 429


@dataclass(eq=False)
class SentMessage:
    """A message as it now stands on the stand-in: one the bot posted (kind "channel", "interaction",
    "followup") or one a test injected as a user (kind "user")."""

    payload: dict  # the message object, updated in place by edits
    kind: str
    allowed_mentions: dict | None = None  # exactly as the bot sent it (None: not sent)
    pings: frozenset[str] = frozenset()  # who creating it notified; see pings_of()
    interaction_id: str | None = None
    history: list[dict] = field(default_factory=list)  # earlier versions, oldest first
    deleted: bool = False

    @property
    def id(self) -> str:
        return self.payload["id"]

    @property
    def channel_id(self) -> str:
        return self.payload["channel_id"]

    @property
    def content(self) -> str:
        return self.payload.get("content") or ""

    @property
    def embeds(self) -> list[dict]:
        return self.payload.get("embeds") or []

    @property
    def components(self) -> list[dict]:
        return self.payload.get("components") or []

    @property
    def flags(self) -> int:
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred response still showing "… is thinking"."""
        return bool(self.flags & FLAG_LOADING)

    @property
    def edited(self) -> bool:
        return bool(self.history)

    def buttons(self) -> list[dict]:
        """Every button on the message, in reading order, however deeply nested."""
        return [c for c in _walk_components(self.components) if c.get("type") == COMPONENT_BUTTON]

    def text(self) -> str:
        """Everything a reader sees as text: content, then each embed's title, description, fields and
        footer, one per line. Handy for `in` assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for fld in embed.get("fields") or []:
                parts += [fld.get("name") or "", fld.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
        for comp in _walk_components(self.components):
            if comp.get("type") == 10:
                parts.append(comp.get("content") or "")
        return "\n".join(p for p in parts if p)


def _walk_components(components: Iterable[dict]) -> Iterable[dict]:
    for comp in components:
        yield comp
        for key in ("components", "items"):
            if isinstance(comp.get(key), list):
                yield from _walk_components(comp[key])
        if isinstance(comp.get("accessory"), dict):
            yield comp["accessory"]


@dataclass
class Callback:
    """One POST to /interactions/{id}/{token}/callback, accepted or refused."""

    type: int  # 4 message, 5 deferred, 6 deferred update, 7 update, 8 autocomplete, 9 modal
    data: dict | None
    status: int  # the HTTP status the stand-in answered
    error: dict | None = None  # Discord's error body when refused
    message: SentMessage | None = None  # the message it created or updated, if any

    @property
    def accepted(self) -> bool:
        return self.error is None


@dataclass(eq=False)
class InteractionHandle:
    """An interaction the stand-in sent to the bot, and everything the bot answered to it."""

    standin: DiscordStandIn = field(repr=False)
    payload: dict
    callbacks: list[Callback] = field(default_factory=list)  # every attempt, in order
    followups: list[SentMessage] = field(default_factory=list)
    original: SentMessage | None = None  # the message "@original" refers to, once there is one

    @property
    def id(self) -> str:
        return self.payload["id"]

    @property
    def token(self) -> str:
        return self.payload["token"]

    @property
    def type(self) -> int:
        return self.payload["type"]

    @property
    def initial(self) -> Callback | None:
        """The accepted initial response, if the bot has given one."""
        return next((c for c in self.callbacks if c.accepted), None)

    async def response(self, timeout: float = DEFAULT_TIMEOUT) -> Callback:
        """Wait for the bot's accepted initial response (the interaction callback)."""
        return await self.standin.wait_for(
            lambda: self.initial, timeout=timeout, what=f"a response to interaction {self._what()}"
        )

    async def message(self, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:
        """Wait for the message the user sees: the response message, or the finished edit of a deferred
        ("thinking…") response, or the component message as the bot updated it."""

        def visible() -> SentMessage | None:
            initial = self.initial
            if initial is None or self.original is None or self.original.loading:
                return None
            if initial.type == CALLBACK_DEFERRED_UPDATE and not self.original.edited:
                return None
            return self.original

        return await self.standin.wait_for(visible, timeout=timeout, what=f"the reply to {self._what()}")

    async def followup(self, index: int = 0, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:
        """Wait for the bot's follow-up message number `index` (0 is the first)."""
        return await self.standin.wait_for(
            lambda: self.followups[index] if len(self.followups) > index else None,
            timeout=timeout,
            what=f"follow-up #{index} to {self._what()}",
        )

    async def choices(self, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
        """Wait for an autocomplete result and return its choices ({"name", "value"} dicts)."""
        callback = await self.response(timeout)
        if callback.type != CALLBACK_AUTOCOMPLETE:
            raise AssertionError(f"expected an autocomplete result (type 8), got type {callback.type}")
        return (callback.data or {}).get("choices", [])

    def _what(self) -> str:
        data = self.payload.get("data") or {}
        label = data.get("name") or data.get("custom_id") or "?"
        return f"{self.id} ({label!r}, type {self.type})"


@dataclass(eq=False)
class UserMessageHandle:
    """A message a test posted as a user (MESSAGE_CREATE), and the bot's messages after it."""

    standin: DiscordStandIn = field(repr=False)
    record: SentMessage
    mark: int  # how many bot messages existed when it was sent

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def channel_id(self) -> str:
        return self.record.channel_id

    @property
    def replies(self) -> list[SentMessage]:
        """Bot messages posted in the same channel since this message was sent."""
        later = self.standin.bot_messages[self.mark :]
        return [m for m in later if m.channel_id == self.channel_id and m.kind == "channel"]

    async def reply(self, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:
        """Wait for the first bot message in this channel after this one."""
        return await self.standin.wait_for(
            lambda: self.replies[0] if self.replies else None,
            timeout=timeout,
            what=f"a bot message in channel {self.channel_id} after user message {self.id}",
        )


@dataclass
class RateLimitRule:
    """Answer the `nth` request to `route` (counted from when the rule was added) with a 429."""

    route: str
    nth: int
    retry_after: float
    is_global: bool
    seen: int = 0
    fired: bool = False


@dataclass
class GatewayConnection:
    """One websocket connection to the gateway."""

    ws: web.WebSocketResponse = field(repr=False)
    query: dict[str, str]
    compress: bool
    session: GatewaySession | None = None
    close_code: int | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _zlib: Any = field(default=None, repr=False)

    async def send(self, payload: dict) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self.lock:
            if self.compress:
                if self._zlib is None:
                    self._zlib = zlib.compressobj()
                data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)


@dataclass
class GatewaySession:
    """A gateway session: outlives a connection so that RESUME can pick it up again."""

    session_id: str
    identify: dict
    intents: int
    shard: tuple[int, int]  # (shard id, shard count); (0, 1) when not sharded
    seq: int = 0
    history: list[dict] = field(default_factory=list, repr=False)  # every dispatch, for RESUME
    connection: GatewayConnection | None = field(default=None, repr=False)
    resumable: bool = True
    ready: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def covers(self, guild_id: str | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (int(guild_id) >> 22) % count == shard_id


@dataclass
class _Call:
    """What a REST handler needs to know about a request."""

    method: str
    params: dict[str, str]
    query: Mapping[str, str]
    body: Any
    files: list[dict]


class _ApiError(Exception):
    def __init__(self, status: int, body: dict) -> None:
        super().__init__(body.get("message"))
        self.status = status
        self.body = body


def _not_found(what: str, code: int) -> _ApiError:
    return _ApiError(404, {"message": f"Unknown {what}", "code": code})


def _reject(errors: FormErrors) -> None:
    if errors:
        raise _ApiError(400, errors.body())


EMPTY_MESSAGE = _ApiError(400, {"message": "Cannot send an empty message", "code": 50006})
MISSING_ACCESS = _ApiError(403, {"message": "Missing Access", "code": 50001})


@dataclass
class _Route:
    method: str
    template: str
    handler: Callable[[_Call], Awaitable[tuple[int, Any]]]
    auth: bool = True
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        self.pattern = re.compile(f"^{regex}$")

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


# --------------------------------------------------------------------------------------------------
# The stand-in server
# --------------------------------------------------------------------------------------------------


class DiscordStandIn:
    """A fake Discord on 127.0.0.1 for the real discord.py client (see the module docstring).

    Out of the box it has one bot user (whose id is also the application id), one human `user`, and one
    guild (`guild_id`) with a text channel (`channel_id`), three roles and three members. Use it as an
    `async with` block, or call `start()` and `stop()`.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        guild_name: str = "Stand-in Guild",
        privileged_intents: int = PRIVILEGED_INTENTS,
        heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
        recommended_shards: int = 1,
    ) -> None:
        """`privileged_intents` are the ones "enabled in the developer portal": a bot that asks for any
        other privileged intent is disconnected with close code 4014, as Discord does."""
        self.token = token
        self.privileged_intents = privileged_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.recommended_shards = recommended_shards

        self.bot_user = make_user("kzbot-standin", user_id=snowflake(), bot=True)
        self.bot_user.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
        self.application_id = self.bot_user["id"]
        self.owner = make_user("guild-owner")
        self.user = make_user("tester")

        self.guilds: dict[str, dict] = {}
        self.channels: dict[str, dict] = {}
        self.dm_channels: dict[str, dict] = {}  # user id -> DM channel
        guild = self.add_guild(guild_name)
        self.guild_id: str = guild["id"]
        self.channel_id: str = guild["channels"][0]["id"]

        # What the bot did, for tests to read
        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.commands: dict[str | None, list[dict]] = {}  # guild id (None: global) -> registered commands
        self.interactions: dict[str, InteractionHandle] = {}
        self.messages: dict[str, SentMessage] = {}  # every message, by id
        self.bot_messages: list[SentMessage] = []  # the bot's messages, in the order it created them
        self.reactions: list[tuple[str, str, str]] = []  # (channel id, message id, emoji)
        self.identifies: list[dict] = []
        self.presence_updates: list[dict] = []
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.heartbeats = 0
        self.resumes = 0
        self.drops = 0
        self.refused_connections = 0  # gateway connections turned away while refuse_connections() holds
        self.rate_limits: list[RateLimitRule] = []
        self._ready_gate = asyncio.Event()
        self._ready_gate.set()
        self._refusing = False
        self._pending: set[asyncio.Task[None]] = set()

        self._changed = asyncio.Condition()
        self._routes = self._build_routes()
        self._runner: web.AppRunner | None = None
        self.port: int = 0

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> DiscordStandIn:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_get(GATEWAY_PATH, self._gateway)
        app.router.add_get("/", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        """Close every gateway connection (1001, going away) and stop listening."""
        for task in list(self._pending):
            task.cancel()
        for conn in list(self.connections):
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.ws.close(code=1001, message=b"stand-in stopping"), 5)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordStandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """What discord.http.Route.BASE must be set to (the bot reads it from DISCORD_API_BASE)."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """What DiscordWebSocket.DEFAULT_GATEWAY must be (the bot reads it from DISCORD_GATEWAY_URL)."""
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @property
    def bot_mention(self) -> str:
        return f"<@{self.bot_user['id']}>"

    # ---- guilds and channels -------------------------------------------------------------------

    def add_guild(
        self, name: str, *, channel_names: Sequence[str] = ("general",), guild_id: int | str | None = None
    ) -> dict:
        """Add a guild with the bot, `owner` and `user` as members, @everyone, Moderator and Member
        roles, and the named text channels. After the bot is connected this is a guild join
        (GUILD_CREATE on the live session); call `announce_guild()` for that. `guild_id` picks the id,
        and with it the shard that owns the guild: (guild_id >> 22) % shard count."""
        gid = str(guild_id or snowflake())
        everyone = make_role("@everyone", role_id=gid, position=0)
        member_role = make_role("Member", position=1)
        moderator = make_role("Moderator", permissions=MEMBER_PERMISSIONS | (1 << 13), position=2)
        channels = [make_channel(n, guild_id=gid, position=i) for i, n in enumerate(channel_names)]
        members = [
            make_member(self.owner, roles=[moderator["id"]]),
            make_member(self.user, roles=[member_role["id"]]),
            make_member(self.bot_user),
        ]
        guild = make_guild(
            name,
            guild_id=gid,
            owner_id=self.owner["id"],
            channels=channels,
            roles=[everyone, member_role, moderator],
            members=members,
        )
        self.guilds[gid] = guild
        for channel in channels:
            self.channels[channel["id"]] = channel
        return guild

    async def announce_guild(self, guild_id: str) -> None:
        """Tell connected sessions about a guild added with add_guild() (the bot "joins" it)."""
        for session in self._live_sessions():
            if session.covers(guild_id):
                await self._dispatch(session, "GUILD_CREATE", self.guilds[guild_id])

    def dm_channel(self, user: dict) -> dict:
        """The DM channel between the bot and `user`, made on first use."""
        channel = self.dm_channels.get(user["id"])
        if channel is None:
            channel = make_dm_channel(user)
            self.dm_channels[user["id"]] = channel
            self.channels[channel["id"]] = channel
        return channel

    def add_member(self, user: dict | str, *, guild_id: str | None = None, roles: Sequence[str] = ()) -> dict:
        """Make `user` (a user object, or a username for a new one) a member of a guild (default: the
        test guild) and return the user object, ready for user= in send_command and friends. Handy
        for giving each test its own user, e.g. for per-user cooldowns."""
        user = make_user(user) if isinstance(user, str) else user
        gid = guild_id or self.guild_id
        member = self._member_of(gid, user)
        member["roles"] = sorted({*member["roles"], *map(str, roles)})
        self.guilds[gid]["member_count"] = len(self.guilds[gid]["members"])
        return user

    def role_id(self, name: str, guild_id: str | None = None) -> str:
        """The id of a role by name ("Member", "Moderator", "@everyone")."""
        roles = self.guilds[guild_id or self.guild_id]["roles"]
        return next(r["id"] for r in roles if r["name"] == name)

    def _member_of(self, guild_id: str, user: dict) -> dict:
        guild = self.guilds[guild_id]
        for member in guild["members"]:
            if member["user"]["id"] == user["id"]:
                return member
        member = make_member(user)
        guild["members"].append(member)
        return member

    def _permissions_of(self, guild_id: str, member: dict) -> int:
        guild = self.guilds[guild_id]
        if guild["owner_id"] == member["user"]["id"]:
            return ALL_PERMISSIONS
        value = 0
        for role in guild["roles"]:
            if role["id"] == guild_id or role["id"] in member["roles"]:
                value |= int(role["permissions"])
        return ALL_PERMISSIONS if value & PERM_ADMINISTRATOR else value

    # ---- waiting -------------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], Any], *, timeout: float = DEFAULT_TIMEOUT, what: str) -> Any:
        """Wait until `predicate()` returns something truthy and return it; raise StandInTimeout
        (saying `what` was awaited) after `timeout` seconds. The predicate is checked again each time
        the stand-in's state changes (a request, a gateway frame), so it should read stand-in state."""
        async with self._changed:
            try:
                return await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                raise StandInTimeout(f"timed out after {timeout:g}s waiting for {what}\n{self.describe()}") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_ready(self, timeout: float = DEFAULT_TIMEOUT, *, after: int = 0) -> None:
        """Wait until the bot has identified and been sent READY and its guilds (every shard, when it
        shards). Its on_ready comes about two seconds later; interactions work already. `after`
        ignores the first sessions (BotProcess passes the count from before it started, so a
        restarted bot is not taken for ready on its predecessor's session)."""

        def ready() -> bool:
            sessions = [s for s in list(self.sessions.values())[after:] if s.resumable]
            if not sessions:
                return False
            count = sessions[0].shard[1]
            return len({s.shard[0] for s in sessions if s.ready}) >= count

        await self.wait_for(ready, timeout=timeout, what="the bot to identify on the gateway")

    async def wait_resumed(self, count: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until the bot has resumed `count` times (default: once per drop_connection())."""
        target = self.drops if count is None else count
        await self.wait_for(lambda: self.resumes >= target, timeout=timeout, what=f"{target} RESUME(s)")

    async def wait_commands(self, guild_id: str | None = "default", timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
        """Wait until commands are registered for `guild_id` ("default": the test guild; None: global)."""
        key = self.guild_id if guild_id == "default" else guild_id
        return await self.wait_for(
            lambda: self.commands.get(key), timeout=timeout, what=f"commands to be synced to {key or 'global'}"
        )

    # ---- state getters ------------------------------------------------------------------------

    def synced_commands(self, guild_id: str | None = "default") -> list[dict]:
        """Registered commands for a guild ("default": the test guild) or, with None, the global ones."""
        return self.commands.get(self.guild_id if guild_id == "default" else guild_id, [])

    @property
    def identify_payload(self) -> dict | None:
        """The `d` of the latest IDENTIFY (token, properties, intents, shard, presence …)."""
        return self.identifies[-1] if self.identifies else None

    @property
    def intents(self) -> int | None:
        """The intents the bot identified with."""
        return None if self.identify_payload is None else self.identify_payload.get("intents")

    @property
    def rejected(self) -> list[RecordedRequest]:
        """Requests refused like Discord would (4xx other than deliberate 429s): a healthy bot has none."""
        return [r for r in self.requests if r.rejected]

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """Requests that matched `route`, e.g. "POST /channels/{channel_id}/messages"."""
        return [r for r in self.requests if r.route == route]

    def channel_messages(self, channel_id: str | None = None) -> list[SentMessage]:
        """Messages the bot posted to a channel (default: the test channel) with POST …/messages."""
        channel_id = channel_id or self.channel_id
        return [m for m in self.bot_messages if m.kind == "channel" and m.channel_id == channel_id]

    def describe(self, last: int = 12) -> str:
        """A short account of the latest requests, refusals and unknown routes, for failure messages."""
        lines = [f"stand-in on port {self.port}: {len(self.identifies)} IDENTIFY, {self.resumes} RESUME"]
        for r in self.requests[-last:]:
            note = ""
            if r.status >= 400 and isinstance(r.response, dict):
                note = f"  -> {r.response.get('code')} {r.response.get('message')}"
            lines.append(f"  {r.status} {r.method} {r.path}{note}")
        if self.unknown_routes:
            lines.append("unknown routes: " + ", ".join(f"{r.method} {r.path}" for r in self.unknown_routes))
        return "\n".join(lines)

    # ---- test controls --------------------------------------------------------------------------

    def rate_limit(
        self, route: str, *, nth: int = 1, retry_after: float = 0.05, is_global: bool = False
    ) -> RateLimitRule:
        """Answer the `nth` request to `route` from now on with 429, a Retry-After header and a JSON
        `retry_after`, once. `route` is a key such as "POST /channels/{channel_id}/messages"."""
        if route not in {r.key for r in self._routes}:
            raise StandInError(f"unknown route {route!r}; known: {sorted(r.key for r in self._routes)}")
        rule = RateLimitRule(route, nth, retry_after, is_global)
        self.rate_limits.append(rule)
        return rule

    async def drop_connection(self, code: int = 4000) -> int:
        """Close the bot's gateway socket(s) from the server side with a resumable close code. The
        client should reconnect to resume_gateway_url and RESUME; see wait_resumed(). Returns how many
        sockets were closed."""
        closed = 0
        for session in self._live_sessions():
            conn = session.connection
            if conn is not None and not conn.ws.closed:
                session.connection = None
                await conn.ws.close(code=code, message=b"stand-in dropped the connection")
                closed += 1
        self.drops += 1
        await self._notify()
        return closed

    def hold_ready(self) -> None:
        """From now on, record each IDENTIFY but send no READY (and no guilds) until release_ready():
        the bot sits connected and identified, but not ready, as when Discord is slow to start a session.
        Heartbeats are still answered."""
        self._ready_gate.clear()

    def release_ready(self) -> None:
        """Send the READY (and guilds) of every held IDENTIFY, and stop holding new ones."""
        self._ready_gate.set()

    def refuse_connections(self) -> None:
        """Turn every new gateway connection away with HTTP 503 before the websocket opens, as when
        Discord's gateway is down, until accept_connections(). Sockets already open are left alone:
        pair it with drop_connection() to keep a bot offline. `refused_connections` counts attempts."""
        self._refusing = True

    def accept_connections(self) -> None:
        """Let the bot connect again after refuse_connections()."""
        self._refusing = False

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client should close, reconnect and RESUME."""
        self.drops += 1
        for session in self._live_sessions():
            if session.connection is not None:
                await session.connection.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    # ---- injecting events -------------------------------------------------------------------------

    async def send_interaction(self, payload: dict, timeout: float = DEFAULT_TIMEOUT) -> InteractionHandle:
        """Send a ready-made INTERACTION_CREATE payload (see build_interaction) to the bot."""
        await self.wait_ready(timeout)
        handle = InteractionHandle(self, payload)
        self.interactions[payload["id"]] = handle
        await self._dispatch(self._session_for(payload.get("guild_id")), "INTERACTION_CREATE", payload)
        return handle

    def build_interaction(
        self,
        interaction_type: int,
        data: dict,
        *,
        user: dict | None = None,
        guild_id: str | None = "default",
        channel_id: str | None = None,
        message: dict | None = None,
        locale: str = "en-US",
    ) -> dict:
        """An INTERACTION_CREATE payload from `user` (default: the test user) in a guild channel (default:
        the test channel) or, with guild_id=None, in the user's DMs."""
        user = user or self.user
        gid = self.guild_id if guild_id == "default" else guild_id
        payload: dict[str, Any] = {
            "id": snowflake(),
            "application_id": self.application_id,
            "type": interaction_type,
            "data": data,
            "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48),
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if gid is not None:
            if channel_id is not None:
                channel = self.channels[channel_id]
            elif gid == self.guild_id:
                channel = self.channels[self.channel_id]
            else:
                channel = self.guilds[gid]["channels"][0]
            member = copy.deepcopy(self._member_of(gid, user))
            member["permissions"] = str(self._permissions_of(gid, member))
            bot_member = self._member_of(gid, self.bot_user)
            payload.update(
                guild_id=gid,
                guild={"id": gid, "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=member,
                channel=channel,
                channel_id=channel["id"],
                app_permissions=str(self._permissions_of(gid, bot_member)),
                authorizing_integration_owners={"0": gid},
                context=0,
            )
        else:
            channel = self.dm_channel(user)
            payload.update(
                user=user,
                channel=channel,
                channel_id=channel["id"],
                app_permissions=str(MEMBER_PERMISSIONS),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = message
        return payload

    async def send_command(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[dict] = (),
        *,
        focused: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        **where: Any,
    ) -> InteractionHandle:
        """Invoke the registered slash command `name` ("group sub" for subcommands) with `options`
        given as {name: value}; their types come from the registered command. With `focused`, send an
        autocomplete (type 4) request for that option instead, its value being what the user typed.
        `where` goes to build_interaction (user=, guild_id=, channel_id=)."""
        path = name.split()
        command = await self._registered_command(path[0], COMMAND_CHAT_INPUT, where.get("guild_id", "default"), timeout)
        definitions = command.get("options") or []
        for part in path[1:]:
            sub = next((o for o in definitions if o.get("name") == part), None)
            if sub is None or sub.get("type") not in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP):
                raise StandInError(f"/{path[0]} has no subcommand {part!r}")
            definitions = sub.get("options") or []
        resolved: dict[str, dict] = {}
        built = self._build_options(options, definitions, resolved, focused)
        for part in reversed(path[1:]):
            kind = OPTION_SUB_COMMAND if part == path[-1] else OPTION_SUB_COMMAND_GROUP
            built = [{"name": part, "type": kind, "options": built}]
        data: dict[str, Any] = {"id": command["id"], "name": path[0], "type": COMMAND_CHAT_INPUT, "options": built}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        kind = INTERACTION_AUTOCOMPLETE if focused else INTERACTION_COMMAND
        return await self.send_interaction(self.build_interaction(kind, data, **where), timeout)

    async def send_autocomplete(
        self, name: str, focused: str, typed: str, options: Mapping[str, Any] | None = None, **where: Any
    ) -> InteractionHandle:
        """The user is typing `typed` into option `focused` of /`name`; await handle.choices()."""
        return await self.send_command(name, {**(options or {}), focused: typed}, focused=focused, **where)

    async def send_message_command(
        self, name: str, target: dict | SentMessage, timeout: float = DEFAULT_TIMEOUT, **where: Any
    ) -> InteractionHandle:
        """Invoke the message context-menu command `name` ("Apps → name") on message `target`."""
        target_payload = target.payload if isinstance(target, SentMessage) else target
        command = await self._registered_command(name, COMMAND_MESSAGE, where.get("guild_id", "default"), timeout)
        data = {
            "id": command["id"],
            "name": name,
            "type": COMMAND_MESSAGE,
            "target_id": target_payload["id"],
            "resolved": {"messages": {target_payload["id"]: target_payload}},
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self.send_interaction(self.build_interaction(INTERACTION_COMMAND, data, **where), timeout)

    async def send_user_command(
        self, name: str, target: dict, timeout: float = DEFAULT_TIMEOUT, **where: Any
    ) -> InteractionHandle:
        """Invoke the user context-menu command `name` on user `target`."""
        command = await self._registered_command(name, COMMAND_USER, where.get("guild_id", "default"), timeout)
        resolved: dict[str, dict] = {"users": {target["id"]: target}}
        gid = self.guild_id if where.get("guild_id", "default") == "default" else where.get("guild_id")
        if gid is not None:
            member = {k: v for k, v in self._member_of(gid, target).items() if k != "user"}
            resolved["members"] = {target["id"]: {**member, "permissions": "0"}}
        data = {
            "id": command["id"],
            "name": name,
            "type": COMMAND_USER,
            "target_id": target["id"],
            "resolved": resolved,
        }
        return await self.send_interaction(self.build_interaction(INTERACTION_COMMAND, data, **where), timeout)

    async def press_button(
        self, message: SentMessage | dict, custom_id: str, timeout: float = DEFAULT_TIMEOUT, **where: Any
    ) -> InteractionHandle:
        """Click the button `custom_id` on a message (as the test user unless user= is given). Like
        Discord, only an enabled button that is on the message can be pressed."""
        return await self._use_component(message, custom_id, None, timeout, **where)

    async def choose(
        self,
        message: SentMessage | dict,
        custom_id: str,
        values: Sequence[str],
        timeout: float = DEFAULT_TIMEOUT,
        **where: Any,
    ) -> InteractionHandle:
        """Pick `values` in the select menu `custom_id` on a message."""
        return await self._use_component(message, custom_id, list(values), timeout, **where)

    async def _use_component(
        self, message: SentMessage | dict, custom_id: str, values: list[str] | None, timeout: float, **where: Any
    ) -> InteractionHandle:
        record = message if isinstance(message, SentMessage) else self.messages.get(message["id"])
        payload = record.payload if record is not None else message
        components = list(_walk_components(payload.get("components") or []))
        target = next((c for c in components if c.get("custom_id") == custom_id), None)
        if target is None:
            present = [c.get("custom_id") for c in components if c.get("custom_id")]
            raise StandInError(f"message {payload['id']} has no component {custom_id!r}; it has {present}")
        if target.get("disabled"):
            raise StandInError(f"component {custom_id!r} is disabled")
        if record is not None and record.deleted:
            raise StandInError(f"message {payload['id']} was deleted")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": target["type"]}
        if values is not None:
            data["values"] = values
        if "channel_id" not in where and "guild_id" not in where:
            channel = self.channels.get(payload["channel_id"])
            if channel is not None and channel.get("guild_id"):
                where.update(guild_id=channel["guild_id"], channel_id=channel["id"])
            elif channel is not None:
                where.update(guild_id=None)
        interaction = self.build_interaction(INTERACTION_COMPONENT, data, message=copy.deepcopy(payload), **where)
        return await self.send_interaction(interaction, timeout)

    async def send_message(
        self,
        content: str,
        *,
        author: dict | None = None,
        channel_id: str | None = None,
        mention_bot: bool = False,
        dm: bool = False,
        embeds: Sequence[dict] = (),
        reply_to: SentMessage | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> UserMessageHandle:
        """Post a message as a user (default: the test user) to a channel (default: the test channel)
        or, with dm=True, to the bot's DMs; the bot gets MESSAGE_CREATE. `mention_bot` puts the bot's
        mention in front of `content`. Without the message-content intent the bot sees empty content
        unless it is mentioned or in DMs, as on Discord. Await handle.reply() for the bot's answer."""
        await self.wait_ready(timeout)
        author = author or self.user
        if mention_bot:
            content = f"{self.bot_mention} {content}"
        channel = self.dm_channel(author) if dm else self.channels[channel_id or self.channel_id]
        guild_id = channel.get("guild_id")
        user_ids, role_ids, everyone = parse_mentions(content)
        known_users = {u["id"]: u for u in (self.bot_user, self.user, self.owner)}
        for guild in self.guilds.values():
            known_users.update({m["user"]["id"]: m["user"] for m in guild["members"]})
        payload = make_message(
            channel_id=channel["id"],
            author=author,
            content=content,
            guild_id=guild_id,
            member=self._member_of(guild_id, author) if guild_id else None,
            mentions=[known_users[u] for u in user_ids if u in known_users],
            mention_roles=role_ids,
            mention_everyone=everyone,
            embeds=list(embeds),
            message_type=MESSAGE_REPLY if reply_to else MESSAGE_DEFAULT,
            message_reference=(
                {"message_id": reply_to.id, "channel_id": reply_to.channel_id, "guild_id": guild_id}
                if reply_to
                else None
            ),
        )
        record = SentMessage(payload, kind="user")
        self.messages[record.id] = record
        handle = UserMessageHandle(self, record, mark=len(self.bot_messages))
        await self._deliver_message_event("MESSAGE_CREATE", payload)
        return handle

    # ---- internals: commands and options ------------------------------------------------------

    async def _registered_command(self, name: str, kind: int, guild_id: Any, timeout: float) -> dict:
        gid = self.guild_id if guild_id == "default" else guild_id

        def find() -> dict | None:
            for scope in (gid, None) if gid is not None else (None,):
                for command in self.commands.get(scope, []):
                    if command["name"] == name and int(command.get("type") or 1) == kind:
                        return command
            return None

        try:
            return await self.wait_for(find, timeout=timeout, what=f"command {name!r} (type {kind}) to be registered")
        except StandInTimeout as exc:
            known = {scope: [c["name"] for c in cmds] for scope, cmds in self.commands.items()}
            raise StandInTimeout(f"{exc}\nregistered commands: {known}") from None

    def _build_options(
        self,
        options: Mapping[str, Any] | Sequence[dict],
        definitions: list[dict],
        resolved: dict[str, dict],
        focused: str | None,
    ) -> list[dict]:
        if not isinstance(options, Mapping):
            return [dict(o) for o in options]  # already in wire form
        built = []
        for name, value in options.items():
            definition = next((d for d in definitions if d.get("name") == name), None)
            if definition is None:
                raise StandInError(f"no option {name!r}; the command has {[d.get('name') for d in definitions]}")
            kind = definition["type"]
            if isinstance(value, dict):  # a user, role or channel object
                key = {OPTION_USER: "users", OPTION_ROLE: "roles", OPTION_CHANNEL: "channels"}.get(kind, "users")
                if kind == OPTION_MENTIONABLE and "username" not in value:
                    key = "roles"
                resolved.setdefault(key, {})[value["id"]] = value
                value = value["id"]
            option = {"name": name, "type": kind, "value": value}
            if name == focused:
                option["focused"] = True
            built.append(option)
        return built

    # ---- internals: gateway -------------------------------------------------------------------------

    def _live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.resumable]

    def _session_for(self, guild_id: str | None) -> GatewaySession:
        """The session that gets events for a guild: the newest connected one (a restarted bot's old
        session may linger if it died without closing), else the newest that can still RESUME."""
        candidates = [s for s in self._live_sessions() if s.covers(guild_id)]
        candidates.sort(key=lambda s: s.connection is not None)  # stable: keeps creation order within
        if candidates:
            return candidates[-1]
        raise StandInError("no gateway session covers this guild: has the bot identified? (await wait_ready())")

    async def _dispatch(self, session: GatewaySession, event: str, data: Any) -> None:
        """Send a DISPATCH (op 0) with the next sequence number; kept for RESUME if the socket is down."""
        async with session.lock:
            session.seq += 1
            frame = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
            session.history.append(frame)
            conn = session.connection
            if conn is not None and not conn.ws.closed:
                try:
                    await conn.send(frame)
                except (ConnectionError, RuntimeError):
                    log.info("dispatch %s not delivered; kept for RESUME", event)

    async def _deliver_message_event(self, event: str, message: dict) -> None:
        """MESSAGE_CREATE/UPDATE to the session for the message's guild, honouring the intents: guild
        messages need GUILD_MESSAGES, DMs DIRECT_MESSAGES, and without MESSAGE_CONTENT the content,
        embeds, attachments and components are blank unless the bot wrote it, is mentioned or it's a DM."""
        guild_id = message.get("guild_id")
        try:
            session = self._session_for(guild_id)
        except StandInError:
            return
        needed = INTENT_GUILD_MESSAGES if guild_id else INTENT_DIRECT_MESSAGES
        if not session.intents & needed:
            return
        data = copy.deepcopy(message)
        mentioned = any(u["id"] == self.bot_user["id"] for u in data.get("mentions", []))
        is_bot = data["author"]["id"] == self.bot_user["id"]
        if not session.intents & INTENT_MESSAGE_CONTENT and guild_id and not (mentioned or is_bot):
            data.update(content="", embeds=[], attachments=[], components=[])
        await self._dispatch(session, event, data)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self._refusing:
            self.refused_connections += 1
            await self._notify()
            return web.json_response({"message": "503: Service Unavailable", "code": 0}, status=503)
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        conn = GatewayConnection(ws, query, compress=query.get("compress") == "zlib-stream")
        self.connections.append(conn)
        if query.get("v", "10") != "10":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        if query.get("encoding", "json") != "json" or query.get("compress") not in (None, "zlib-stream"):
            log.warning("gateway asked for %s; only encoding=json with zlib-stream or none", query)
            await ws.close(code=4002, message=b"Decode error")
            return ws
        await conn.send({"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    await ws.close(code=4002, message=b"Decode error")
                    break
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Decode error")
                    break
                await self._on_gateway_frame(conn, frame)
        finally:
            conn.close_code = ws.close_code
            session = conn.session
            if session is not None and session.connection is conn:
                # Not dropped by drop_connection(): the client went away. Closing with 1000/1001 ends
                # the session on Discord (no RESUME); any other code leaves it resumable.
                session.connection = None
                if ws.close_code in (1000, 1001):
                    session.resumable = False
            await self._notify()
        return ws

    async def _on_gateway_frame(self, conn: GatewayConnection, frame: dict) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == OP_HEARTBEAT:
            self.heartbeats += 1
            await conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated")
        elif op == OP_PRESENCE:
            self.presence_updates.append(data)
        elif op == OP_REQUEST_MEMBERS:
            await self._member_chunk(conn.session, data or {})
        elif op == OP_VOICE_STATE:
            pass
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode")
        await self._notify()

    async def _identify(self, conn: GatewayConnection, data: dict) -> None:
        self.identifies.append(data)
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated")
            return
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await conn.ws.close(code=4013, message=b"Invalid intent(s)")
            return
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s)")
            return
        shard = tuple(data.get("shard") or (0, 1))
        if len(shard) != 2 or not 0 <= shard[0] < shard[1]:
            await conn.ws.close(code=4010, message=b"Invalid shard")
            return
        pair = (int(shard[0]), int(shard[1]))
        if not self._ready_gate.is_set():
            # Answer later, from a task, so this connection's heartbeats are still read meanwhile.
            task = asyncio.ensure_future(self._ready_when_released(conn, data, intents, pair))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            return
        await self._start_session(conn, data, intents, pair)

    async def _ready_when_released(
        self, conn: GatewayConnection, data: dict, intents: int, shard: tuple[int, int]
    ) -> None:
        await self._ready_gate.wait()
        if not conn.ws.closed:
            await self._start_session(conn, data, intents, shard)
            await self._notify()

    async def _start_session(self, conn: GatewayConnection, data: dict, intents: int, shard: tuple[int, int]) -> None:
        """A new session for an accepted IDENTIFY: READY, then a GUILD_CREATE per guild of its shard."""
        session = GatewaySession(secrets.token_hex(16), data, intents, shard)
        self.sessions[session.session_id] = session
        session.connection, conn.session = conn, session
        guild_ids = [gid for gid in self.guilds if session.covers(gid)]
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": gid, "unavailable": True} for gid in guild_ids],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": self._application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["discord-standin"],
        }
        if data.get("shard"):
            ready["shard"] = list(session.shard)
        await self._dispatch(session, "READY", ready)
        for gid in guild_ids:
            await self._dispatch(session, "GUILD_CREATE", self.guilds[gid])
        session.ready = True

    async def _resume(self, conn: GatewayConnection, data: dict) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed")
            return
        if session is None or not session.resumable:
            await conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        seq = int(data.get("seq") or 0)
        async with session.lock:
            old = session.connection
            session.connection, conn.session = conn, session
            for frame in session.history:
                if frame["s"] > seq:
                    await conn.send(frame)
        if old is not None and old is not conn and not old.ws.closed:
            await old.ws.close(code=4000, message=b"Session resumed elsewhere")
        self.resumes += 1
        await self._dispatch(session, "RESUMED", {"_trace": ["discord-standin"]})

    async def _member_chunk(self, session: GatewaySession, data: dict) -> None:
        guild = self.guilds.get(str(data.get("guild_id")))
        if guild is None:
            return
        query = (data.get("query") or "").lower()
        members = [m for m in guild["members"] if m["user"]["username"].lower().startswith(query)]
        if data.get("limit"):
            members = members[: data["limit"]]
        chunk = {"guild_id": guild["id"], "members": members, "chunk_index": 0, "chunk_count": 1, "not_found": []}
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _application_flags(self) -> int:
        flags = APP_FLAG_COMMAND_BADGE
        if self.privileged_intents & INTENT_GUILD_PRESENCES:
            flags |= APP_FLAG_PRESENCE_LIMITED
        if self.privileged_intents & INTENT_GUILD_MEMBERS:
            flags |= APP_FLAG_GUILD_MEMBERS_LIMITED
        if self.privileged_intents & INTENT_MESSAGE_CONTENT:
            flags |= APP_FLAG_MESSAGE_CONTENT_LIMITED
        return flags

    # ---- internals: REST plumbing ---------------------------------------------------------------

    def _build_routes(self) -> list[_Route]:
        app_cmds = "/applications/{application_id}/commands"
        guild_cmds = "/applications/{application_id}/guilds/{guild_id}/commands"
        webhook_msgs = "/webhooks/{application_id}/{token}/messages"
        routes = [
            _Route("GET", "/users/@me", self._get_me),
            _Route("GET", "/gateway", self._get_gateway, auth=False),
            _Route("GET", "/gateway/bot", self._get_gateway_bot),
            _Route("GET", "/oauth2/applications/@me", self._get_application),
            _Route("GET", "/applications/@me", self._get_application),
            _Route("POST", "/users/@me/channels", self._create_dm),
            _Route("GET", "/channels/{channel_id}", self._get_channel),
            _Route("POST", "/channels/{channel_id}/messages", self._post_channel_message),
            _Route("GET", "/channels/{channel_id}/messages/{message_id}", self._get_channel_message),
            _Route("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_channel_message),
            _Route("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_channel_message),
            _Route("POST", "/channels/{channel_id}/typing", self._typing),
            _Route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._react),
            _Route("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, auth=False),
            _Route("POST", "/webhooks/{application_id}/{token}", self._post_followup, auth=False),
            _Route("GET", f"{webhook_msgs}/@original", self._get_webhook_message, auth=False),
            _Route("PATCH", f"{webhook_msgs}/@original", self._edit_webhook_message, auth=False),
            _Route("DELETE", f"{webhook_msgs}/@original", self._delete_webhook_message, auth=False),
            _Route("GET", f"{webhook_msgs}/{{message_id}}", self._get_webhook_message, auth=False),
            _Route("PATCH", f"{webhook_msgs}/{{message_id}}", self._edit_webhook_message, auth=False),
            _Route("DELETE", f"{webhook_msgs}/{{message_id}}", self._delete_webhook_message, auth=False),
        ]
        for base in (app_cmds, guild_cmds):
            routes += [
                _Route("GET", base, self._list_commands),
                _Route("PUT", base, self._overwrite_commands),
                _Route("POST", base, self._upsert_command),
                _Route("GET", f"{base}/permissions", self._command_permissions),
                _Route("GET", f"{base}/{{command_id}}", self._get_command),
                _Route("PATCH", f"{base}/{{command_id}}", self._edit_command),
                _Route("DELETE", f"{base}/{{command_id}}", self._delete_command),
            ]
        return routes

    async def _rest(self, request: web.Request) -> web.Response:
        """Every HTTP request lands here: match a route, check auth and rate-limit rules, run the
        handler, record the exchange, answer JSON (or 204)."""
        path = request.path
        sub = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else None
        route, params = None, {}
        for candidate in self._routes if sub is not None else ():
            match = candidate.pattern.match(sub) if candidate.method == request.method else None
            if match:
                route, params = candidate, match.groupdict()
                break
        body, files = await self._read_body(request)
        record = RecordedRequest(request.method, path, route.key if route else "", dict(request.query), body, files)
        self.requests.append(record)
        headers: dict[str, str] = {}
        try:
            if route is None:
                log.warning("stand-in: no route for %s %s", request.method, path)
                self.unknown_routes.append(record)
                raise _ApiError(404, {"message": "404: Not Found", "code": 0})
            if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise _ApiError(401, {"message": "401: Unauthorized", "code": 0})
            limited = self._rate_limited(route.key)
            if limited is not None:
                headers = {
                    "Retry-After": str(max(1, round(limited.retry_after))),
                    "X-RateLimit-Scope": "global" if limited.is_global else "user",
                    "Via": "1.1 google",  # discord.py treats a 429 without it as a Cloudflare ban
                }
                if limited.is_global:
                    headers["X-RateLimit-Global"] = "true"
                raise _ApiError(
                    429,
                    {
                        "message": "You are being rate limited.",
                        "retry_after": limited.retry_after,
                        "global": limited.is_global,
                        "code": 0,
                    },
                )
            call = _Call(request.method, params, request.query, body, files)
            status, payload = await route.handler(call)
        except _ApiError as exc:
            status, payload = exc.status, exc.body
        record.status, record.response = status, payload
        await self._notify()
        if status == 204 or payload is None:
            return web.Response(status=204)
        # Exactly "application/json", no charset: discord.py only parses JSON under that header.
        headers["Content-Type"] = "application/json"
        return web.Response(body=json.dumps(payload).encode(), status=status, headers=headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict]]:
        if not request.can_read_body:
            return None, []
        if request.content_type.startswith("multipart/"):
            body, files = None, []
            form = await request.post()
            for key, value in form.items():
                if key == "payload_json":
                    body = json.loads(value if isinstance(value, str) else value.file.read())
                elif hasattr(value, "filename"):
                    files.append({"field": key, "filename": value.filename, "size": len(value.file.read())})
            return body, files
        text = await request.text()
        if not text:
            return None, []
        try:
            return json.loads(text), []
        except ValueError:
            return text, []

    def _rate_limited(self, key: str) -> RateLimitRule | None:
        for rule in self.rate_limits:
            if rule.route == key and not rule.fired:
                rule.seen += 1
                if rule.seen == rule.nth:
                    rule.fired = True
                    return rule
        return None

    def _check_app(self, call: _Call) -> None:
        if call.params.get("application_id") != self.application_id:
            raise _not_found("Application", 10002)

    # ---- REST handlers: identity and gateway --------------------------------------------------

    async def _get_me(self, call: _Call) -> tuple[int, Any]:
        return 200, self.bot_user

    async def _get_gateway(self, call: _Call) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, call: _Call) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit}

    async def _get_application(self, call: _Call) -> tuple[int, Any]:
        return 200, {
            "id": self.application_id,
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot": self.bot_user,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": secrets.token_hex(32),
            "owner": self.owner,
            "team": None,
            "flags": self._application_flags(),
            "interactions_endpoint_url": None,
            "install_params": None,
            "tags": [],
            "approximate_guild_count": len(self.guilds),
        }

    async def _create_dm(self, call: _Call) -> tuple[int, Any]:
        recipient_id = str((call.body or {}).get("recipient_id"))
        users = {m["user"]["id"]: m["user"] for g in self.guilds.values() for m in g["members"]}
        if recipient_id not in users:
            raise _not_found("User", 10013)
        return 200, self.dm_channel(users[recipient_id])

    # ---- REST handlers: application commands ----------------------------------------------------

    def _command_scope(self, call: _Call) -> str | None:
        self._check_app(call)
        guild_id = call.params.get("guild_id")
        if guild_id is not None and guild_id not in self.guilds:
            raise MISSING_ACCESS  # Discord's answer when the bot is not in that guild
        return guild_id

    def _stored_command(self, spec: dict, scope: str | None, old: dict | None) -> dict:
        command = {
            "type": COMMAND_CHAT_INPUT,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **copy.deepcopy(spec),
            "id": old["id"] if old else snowflake(),
            "application_id": self.application_id,
            "version": snowflake(),
        }
        if command["default_member_permissions"] is not None:  # Discord answers with a string
            command["default_member_permissions"] = str(command["default_member_permissions"])
        if scope is not None:
            command["guild_id"] = scope
        else:
            command.setdefault("contexts", None)
            command.setdefault("integration_types", [0])
        return command

    async def _list_commands(self, call: _Call) -> tuple[int, Any]:
        return 200, self.commands.get(self._command_scope(call), [])

    async def _overwrite_commands(self, call: _Call) -> tuple[int, Any]:
        scope = self._command_scope(call)
        errors = FormErrors()
        check_commands(call.body, errors)
        _reject(errors)
        old = {(c["name"], int(c.get("type") or 1)): c for c in self.commands.get(scope, [])}
        self.commands[scope] = [
            self._stored_command(spec, scope, old.get((spec["name"], int(spec.get("type") or 1)))) for spec in call.body
        ]
        return 200, self.commands[scope]

    async def _upsert_command(self, call: _Call) -> tuple[int, Any]:
        scope = self._command_scope(call)
        errors = FormErrors()
        check_commands([call.body], errors)
        _reject(errors)
        existing = self.commands.setdefault(scope, [])
        kind = int(call.body.get("type") or 1)
        old = next((c for c in existing if c["name"] == call.body["name"] and int(c["type"]) == kind), None)
        command = self._stored_command(call.body, scope, old)
        if old is not None:
            existing[existing.index(old)] = command
            return 200, command
        existing.append(command)
        return 201, command

    def _find_command(self, call: _Call) -> tuple[list[dict], dict]:
        existing = self.commands.get(self._command_scope(call), [])
        command = next((c for c in existing if c["id"] == call.params["command_id"]), None)
        if command is None:
            raise _not_found("application command", 10063)
        return existing, command

    async def _get_command(self, call: _Call) -> tuple[int, Any]:
        return 200, self._find_command(call)[1]

    async def _edit_command(self, call: _Call) -> tuple[int, Any]:
        existing, command = self._find_command(call)
        merged = {**command, **(call.body or {})}
        errors = FormErrors()
        check_commands([merged], errors)
        _reject(errors)
        existing[existing.index(command)] = merged
        return 200, merged

    async def _delete_command(self, call: _Call) -> tuple[int, Any]:
        existing, command = self._find_command(call)
        existing.remove(command)
        return 204, None

    async def _command_permissions(self, call: _Call) -> tuple[int, Any]:
        self._command_scope(call)
        return 200, []

    # ---- REST handlers: channels ------------------------------------------------------------------

    def _channel(self, call: _Call) -> dict:
        channel = self.channels.get(call.params["channel_id"])
        if channel is None:
            raise _not_found("Channel", 10003)
        return channel

    def _channel_message(self, call: _Call) -> SentMessage:
        channel = self._channel(call)
        record = self.messages.get(call.params["message_id"])
        if record is None or record.deleted or record.channel_id != channel["id"] or record.ephemeral:
            raise _not_found("Message", 10008)
        return record

    async def _get_channel(self, call: _Call) -> tuple[int, Any]:
        return 200, self._channel(call)

    async def _post_channel_message(self, call: _Call) -> tuple[int, Any]:
        channel = self._channel(call)
        body = self._message_body(call)
        reference = body.get("message_reference")
        replied_user = None
        if reference:
            target = self.messages.get(str(reference.get("message_id")))
            if target is None and reference.get("fail_if_not_exists", True):
                errors = FormErrors()
                errors.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                _reject(errors)
            if target is not None:
                replied_user = target.payload["author"]["id"]
        record = self._create_message(channel["id"], body, kind="channel", replied_user=replied_user)
        await self._deliver_message_event("MESSAGE_CREATE", record.payload)
        return 200, record.payload

    async def _get_channel_message(self, call: _Call) -> tuple[int, Any]:
        return 200, self._channel_message(call).payload

    async def _edit_channel_message(self, call: _Call) -> tuple[int, Any]:
        record = self._channel_message(call)
        if record.payload["author"]["id"] != self.bot_user["id"]:
            raise _ApiError(403, {"message": "Cannot edit a message authored by another user", "code": 50005})
        self._edit_message(record, self._message_body(call))
        await self._deliver_message_event("MESSAGE_UPDATE", record.payload)
        return 200, record.payload

    async def _delete_channel_message(self, call: _Call) -> tuple[int, Any]:
        record = self._channel_message(call)
        record.deleted = True
        return 204, None

    async def _typing(self, call: _Call) -> tuple[int, Any]:
        self._channel(call)
        return 204, None

    async def _react(self, call: _Call) -> tuple[int, Any]:
        record = self._channel_message(call)
        self.reactions.append((record.channel_id, record.id, call.params["emoji"]))
        return 204, None

    # ---- REST handlers: interactions and their webhooks -------------------------------------------

    async def _callback(self, call: _Call) -> tuple[int, Any]:
        handle = self.interactions.get(call.params["interaction_id"])
        if handle is None or handle.token != call.params["token"]:
            raise _not_found("interaction", 10062)
        body = call.body or {}
        kind = body.get("type")
        data = body.get("data")
        if call.files and data is not None:
            data = {**data, "attachments": self._attachments(call.files)}
        attempt = Callback(type=kind, data=data, status=0)
        handle.callbacks.append(attempt)
        try:
            status, payload = self._accept_callback(handle, attempt, call)
        except _ApiError as exc:
            attempt.status, attempt.error = exc.status, exc.body
            raise
        attempt.status = status
        if attempt.message is not None and not attempt.message.ephemeral:
            if kind in (CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE):
                await self._deliver_message_event("MESSAGE_CREATE", attempt.message.payload)
            elif kind == CALLBACK_UPDATE_MESSAGE:
                await self._deliver_message_event("MESSAGE_UPDATE", attempt.message.payload)
        return status, payload

    def _accept_callback(self, handle: InteractionHandle, attempt: Callback, call: _Call) -> tuple[int, Any]:
        if any(c.accepted for c in handle.callbacks if c is not attempt):
            raise _ApiError(400, {"message": "Interaction has already been acknowledged.", "code": 40060})
        kind, data = attempt.type, attempt.data or {}
        errors = FormErrors()
        if kind not in ALLOWED_CALLBACKS.get(handle.type, set()):
            errors.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid response type for this interaction")
        elif kind == CALLBACK_AUTOCOMPLETE:
            check_autocomplete_choices(data, errors)
        elif kind == CALLBACK_MODAL:
            check_modal(data, errors)
        elif kind in (CALLBACK_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            check_message_fields(data, errors)
        _reject(errors)

        channel_id = handle.payload["channel_id"]
        if kind == CALLBACK_MESSAGE:
            msg_type = MESSAGE_DEFAULT
            if handle.type == INTERACTION_COMMAND:
                command_type = handle.payload["data"].get("type", COMMAND_CHAT_INPUT)
                msg_type = MESSAGE_CHAT_INPUT_COMMAND if command_type == 1 else MESSAGE_CONTEXT_MENU_COMMAND
            attempt.message = self._create_message(
                channel_id, data, kind="interaction", handle=handle, msg_type=msg_type
            )
            handle.original = attempt.message
        elif kind == CALLBACK_DEFERRED_MESSAGE:
            flags = (int(data.get("flags") or 0) & FLAG_EPHEMERAL) | FLAG_LOADING
            attempt.message = self._create_message(
                channel_id, {"content": "", "flags": flags}, kind="interaction", handle=handle, loading=True
            )
            handle.original = attempt.message
        elif kind in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE):
            target = self.messages.get(handle.payload.get("message", {}).get("id", ""))
            if target is None:
                raise _not_found("Message", 10008)
            if kind == CALLBACK_UPDATE_MESSAGE:
                self._edit_message(target, data)
            attempt.message = handle.original = target

        if call.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        message = attempt.message
        interaction = {"id": handle.id, "type": handle.type}
        if message is not None:
            interaction.update(
                response_message_id=message.id,
                response_message_loading=message.loading,
                response_message_ephemeral=message.ephemeral,
            )
        response: dict[str, Any] = {"interaction": interaction}
        if message is not None:
            response["resource"] = {"type": kind, "message": message.payload}
        return 200, response

    def _webhook(self, call: _Call) -> InteractionHandle:
        self._check_app(call)
        handle = next((h for h in self.interactions.values() if h.token == call.params["token"]), None)
        if handle is None or handle.initial is None:
            raise _not_found("Webhook", 10015)  # follow-ups need an acknowledged interaction
        return handle

    def _webhook_message(self, call: _Call) -> tuple[InteractionHandle, SentMessage]:
        handle = self._webhook(call)
        message_id = call.params.get("message_id")
        if message_id is None:
            record = handle.original
        else:
            record = next((m for m in [handle.original, *handle.followups] if m and m.id == message_id), None)
        if record is None or record.deleted:
            raise _not_found("Message", 10008)
        return handle, record

    async def _post_followup(self, call: _Call) -> tuple[int, Any]:
        handle = self._webhook(call)
        body = self._message_body(call)
        record = self._create_message(handle.payload["channel_id"], body, kind="followup", handle=handle)
        handle.followups.append(record)
        if not record.ephemeral:
            await self._deliver_message_event("MESSAGE_CREATE", record.payload)
        wait = call.query.get("wait", "false").lower() in ("1", "true")
        return (200, record.payload) if wait else (204, None)

    async def _get_webhook_message(self, call: _Call) -> tuple[int, Any]:
        return 200, self._webhook_message(call)[1].payload

    async def _edit_webhook_message(self, call: _Call) -> tuple[int, Any]:
        _, record = self._webhook_message(call)
        self._edit_message(record, self._message_body(call))
        if not record.ephemeral:
            await self._deliver_message_event("MESSAGE_UPDATE", record.payload)
        return 200, record.payload

    async def _delete_webhook_message(self, call: _Call) -> tuple[int, Any]:
        _, record = self._webhook_message(call)
        record.deleted = True
        return 204, None

    # ---- internals: messages ------------------------------------------------------------------

    def _message_body(self, call: _Call) -> dict:
        """The JSON (or multipart payload_json) of a create/edit, with uploads as attachments, checked
        against Discord's field limits."""
        body = dict(call.body or {}) if isinstance(call.body, dict) or call.body is None else None
        if body is None:
            raise _ApiError(400, {"message": "400: Bad Request", "code": 50109})
        if call.files:
            body["attachments"] = self._attachments(call.files)
        errors = FormErrors()
        check_message_fields(body, errors)
        _reject(errors)
        return body

    def _attachments(self, files: list[dict]) -> list[dict]:
        return [
            {
                "id": snowflake(),
                "filename": f["filename"],
                "size": f["size"],
                "url": f"http://127.0.0.1:{self.port}/attachments/{f['filename']}",
                "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{f['filename']}",
            }
            for f in files
        ]

    def _create_message(
        self,
        channel_id: str,
        body: dict,
        *,
        kind: str,
        handle: InteractionHandle | None = None,
        msg_type: int = MESSAGE_DEFAULT,
        loading: bool = False,
        replied_user: str | None = None,
    ) -> SentMessage:
        if not loading and is_empty_message(body):
            raise EMPTY_MESSAGE
        channel = self.channels.get(channel_id, {})
        guild_id = channel.get("guild_id")
        content = body.get("content") or ""
        flags = int(body.get("flags") or 0) & SETTABLE_MESSAGE_FLAGS | (FLAG_LOADING if loading else 0)
        allowed = body.get("allowed_mentions")
        pings = pings_of(content, allowed, replied_user)
        users = {m["user"]["id"]: m["user"] for g in self.guilds.values() for m in g["members"]}
        payload = make_message(
            channel_id=channel_id,
            author=self.bot_user,
            content=content,
            guild_id=guild_id,
            member=self._member_of(guild_id, self.bot_user) if guild_id else None,
            mentions=[users[p[5:]] for p in sorted(pings) if p.startswith("user:") and p[5:] in users],
            mention_roles=[p[5:] for p in sorted(pings) if p.startswith("role:")],
            mention_everyone="everyone" in pings,
            embeds=[{"type": "rich", **e} for e in body.get("embeds") or []],
            components=copy.deepcopy(body.get("components") or []),
            attachments=body.get("attachments") or [],
            message_type=MESSAGE_REPLY if replied_user else msg_type,
            flags=flags,
            message_reference=body.get("message_reference"),
        )
        payload["tts"] = bool(body.get("tts", False))
        if handle is not None:
            payload["webhook_id"] = self.application_id
            payload["application_id"] = self.application_id
            invoker = handle.payload.get("member", {}).get("user") or handle.payload.get("user")
            payload["interaction_metadata"] = {
                "id": handle.id,
                "type": handle.type,
                "user": invoker,
                "authorizing_integration_owners": handle.payload.get("authorizing_integration_owners", {}),
            }
        record = SentMessage(
            payload,
            kind=kind,
            allowed_mentions=copy.deepcopy(allowed),
            pings=pings,
            interaction_id=handle.id if handle else None,
        )
        self.messages[record.id] = record
        self.bot_messages.append(record)
        return record

    def _edit_message(self, record: SentMessage, body: dict) -> None:
        """Apply an edit: fields present replace the old ones; a deferred response stops loading.
        Edits never ping anyone new (Discord only notifies on creation)."""
        updated = copy.deepcopy(record.payload)
        for key in ("content", "components", "attachments"):
            if key in body:
                updated[key] = copy.deepcopy(body[key]) if body[key] is not None else ([] if key != "content" else "")
        if "embeds" in body:
            updated["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
        flags = int(updated.get("flags") or 0) & ~FLAG_LOADING
        if body.get("flags") is not None:
            flags = (flags & FLAG_EPHEMERAL) | (int(body["flags"]) & SETTABLE_MESSAGE_FLAGS & ~FLAG_EPHEMERAL)
        updated["flags"] = flags
        if is_empty_message(updated):
            raise EMPTY_MESSAGE
        if "allowed_mentions" in body:
            record.allowed_mentions = copy.deepcopy(body["allowed_mentions"])
        updated["edited_timestamp"] = iso_now()
        record.history.append(record.payload)
        record.payload = updated


# --------------------------------------------------------------------------------------------------
# The real bot as a child process
# --------------------------------------------------------------------------------------------------


def bot_environment(
    standin: DiscordStandIn, *, state_dir: Path, extra: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """The environment for `python bot.py` against `standin`: this process's environment without any
    DISCORD_*/KZBOT_* variable, the stand-in's token, API base, gateway URL and guild, a private state
    directory, and `extra` on top (a None value removes a variable). Keys set in the repo's .env are
    blanked, so a developer's own .env cannot leak into a test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "KZBOT_"))}
    dotenv = REPO_ROOT / ".env"
    if dotenv.is_file():
        for line in dotenv.read_text(encoding="utf-8", errors="replace").splitlines():
            key = line.strip().removeprefix("export ").partition("=")[0].strip()
            if key and not key.startswith("#"):
                env[key] = ""
    env.update(
        PYTHONUNBUFFERED="1",
        DISCORD_TOKEN=standin.token,
        DISCORD_API_BASE=standin.api_base,
        DISCORD_GATEWAY_URL=standin.gateway_url,
        KZBOT_GUILD_IDS=standin.guild_id,
        KZBOT_STATE_DIR=str(state_dir),
    )
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class BotProcess:
    """`python bot.py` (the real entry point, run from the repo root) as a child process pointed at a
    stand-in, with stdout and stderr in `log_path`. Always `stop()` it (the run_bot fixture does)."""

    def __init__(
        self,
        standin: DiscordStandIn,
        *,
        log_path: Path,
        env: Mapping[str, str | None] | None = None,
        args: Sequence[str] = (),
        state_dir: Path | None = None,
    ) -> None:
        self.standin = standin
        self.log_path = log_path
        self.args = list(args)
        self.env = bot_environment(standin, state_dir=state_dir or log_path.parent / "kzbot-state", extra=env)
        self.proc: asyncio.subprocess.Process | None = None
        self.killed = False  # True when it ignored SIGTERM and had to be killed
        self._sessions_before = 0
        self._log_file: Any = None

    async def start(self) -> BotProcess:
        self._sessions_before = len(self.standin.sessions)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "bot.py",
            *self.args,
            cwd=REPO_ROOT,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
        return self

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.returncode

    def log_text(self) -> str:
        """Everything the bot has printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    async def wait_ready(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until the bot identifies on the stand-in; fail at once, with its log, if it exits first."""
        assert self.proc is not None, "start() the bot first"
        ready = asyncio.ensure_future(self.standin.wait_ready(timeout, after=self._sessions_before))
        exited = asyncio.ensure_future(self.proc.wait())
        try:
            await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            exited.cancel()
        if ready.done():
            exc = ready.exception()
            if exc is not None:
                raise StandInTimeout(f"{exc}\n--- bot log ---\n{self.log_tail()}") from None
            return
        ready.cancel()
        with contextlib.suppress(asyncio.CancelledError, StandInTimeout):
            await ready
        raise AssertionError(
            f"the bot exited with status {self.proc.returncode} before identifying\n--- bot log ---\n{self.log_tail()}"
        )

    async def wait_exit(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Wait for the bot to exit by itself and return its status."""
        assert self.proc is not None, "start() the bot first"
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            raise StandInTimeout(
                f"the bot was still running after {timeout:g}s\n--- bot log ---\n{self.log_tail()}"
            ) from None

    async def stop(self, grace: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL if it is still running after `grace` seconds. Returns the exit status."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace)
            except TimeoutError:
                self.killed = True
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return self.returncode


RunBot = Callable[..., Awaitable[BotProcess]]
"""The type of the run_bot fixture: `await run_bot(env=None, args=(), wait_ready=True, timeout=20.0)`."""
