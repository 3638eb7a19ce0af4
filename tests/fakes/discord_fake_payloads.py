"""JSON shapes the fake Discord sends: just enough fields for discord.py to build its models."""

from __future__ import annotations

import itertools
from typing import Any

STAMP = "2026-01-05T17:00:00+00:00"

MANAGE_GUILD = 1 << 5
MANAGE_CHANNELS = 1 << 4
# what a plain member may do in a text channel: view, send, add reactions, use slash commands
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 6) | (1 << 31) | (1 << 38)

_ids = itertools.count(1_200_000_000_000_000_000)


def snowflake() -> int:
    return next(_ids)


def user(uid: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(uid),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "flags": 0,
        "public_flags": 0,
    }


def member(u: dict[str, Any], *, roles: list[int], permissions: int) -> dict[str, Any]:
    return {
        "user": u,
        "roles": [str(r) for r in roles],
        "nick": None,
        "joined_at": STAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": str(permissions),
    }


def role(rid: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": str(rid),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel(cid: int, guild_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(cid),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def thread(
    tid: int, guild_id: int, parent_id: int, owner_id: int, name: str, ttype: int
) -> dict[str, Any]:
    return {
        "id": str(tid),
        "type": ttype,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "message_count": 0,
        "member_count": 0,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 10080,
            "archive_timestamp": STAMP,
            "locked": False,
            "invitable": False,
            "create_timestamp": STAMP,
        },
    }


def dm_channel(cid: int, recipient: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(cid), "type": 1, "recipients": [recipient], "last_message_id": None}


def message(
    mid: int, channel_id: int, author: dict[str, Any], body: dict[str, Any], guild_id: int | None
) -> dict[str, Any]:
    out = {
        "id": str(mid),
        "channel_id": str(channel_id),
        "type": 0,
        "author": author,
        "content": body.get("content") or "",
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "attachments": [
            {
                "id": (aid := str(snowflake())),
                "filename": name,
                "size": len(data),
                "url": f"https://cdn.invalid/attachments/{channel_id}/{aid}/{name}",
                "proxy_url": f"https://media.invalid/attachments/{channel_id}/{aid}/{name}",
            }
            for name, data in (body.get("_files") or {}).items()
        ],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": STAMP,
        "edited_timestamp": None,
        "flags": int(body.get("flags") or 0),
        "reactions": [],
    }
    if guild_id is not None:
        out["guild_id"] = str(guild_id)
    return out


def app_info(app_id: int, owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(app_id),
        "name": "mockround",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": owner,
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "summary": "",
        "rpc_origins": [],
        "interactions_endpoint_url": None,
    }


def guild(
    gid: int,
    owner_id: int,
    channels: list[dict[str, Any]],
    roles: list[dict[str, Any]],
    members: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": str(gid),
        "name": "Mock Interviews",
        "icon": None,
        "owner_id": str(owner_id),
        "unavailable": False,
        "member_count": len(members),
        "large": False,
        "features": [],
        "channels": channels,
        "threads": [],
        "roles": roles,
        "members": members,
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "system_channel_flags": 0,
        "afk_timeout": 300,
        "joined_at": STAMP,
    }


def interaction(
    *,
    iid: int,
    token: str,
    itype: int,
    app_id: int,
    guild_id: int,
    channel: dict[str, Any],
    member_payload: dict[str, Any],
    data: dict[str, Any],
    msg: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out = {
        "id": str(iid),
        "application_id": str(app_id),
        "type": itype,
        "token": token,
        "version": 1,
        "guild_id": str(guild_id),
        "guild": {"id": str(guild_id), "features": [], "locale": "en-US"},
        "channel_id": channel["id"],
        "channel": channel,
        "member": member_payload,
        "data": data,
        "app_permissions": str((1 << 41) - 1),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if msg is not None:
        out["message"] = msg
    return out
