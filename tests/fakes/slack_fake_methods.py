"""The Web API methods the fake Slack answers, strict where Slack is strict.

Each ``_m_<method>`` takes the call's arguments and returns Slack's JSON body.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Conversation:
    id: str
    members: set[str] = field(default_factory=set)
    is_im: bool = False
    is_mpim: bool = False


class WebApiMethods:
    team: str
    bot_user: str
    port: int
    users: dict[str, dict[str, Any]]
    conversations: dict[str, Conversation]
    messages: dict[tuple[str, str], dict[str, Any]]
    refuse_dm: set[str]
    triggers: set[str]
    uploads: dict[str, dict[str, Any]]  # file id -> filename, length, data, channel
    usergroups: dict[str, set[str]]
    _ts: itertools.count
    _ids: itertools.count

    def _ts_next(self) -> str:
        return f"1767632400.{next(self._ts):06d}"

    def _m_auth_test(self, a: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.invalid/",
            "team": "Fake team",
            "user": "mockround",
            "team_id": self.team,
            "user_id": self.bot_user,
            "bot_id": "BFAKE",
            "is_enterprise_install": False,
        }

    def _m_users_info(self, a: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(a.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _m_conversations_open(self, a: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(a.get("users", "")).split(",") if u]
        if not users or any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        if len(users) > 8:
            return {"ok": False, "error": "too_many_users"}
        if any(u in self.refuse_dm for u in users):
            return {"ok": False, "error": "cannot_dm_bot"}
        members = set(users) | {self.bot_user}
        for conv in self.conversations.values():
            if (conv.is_im or conv.is_mpim) and conv.members == members:
                return {"ok": True, "channel": {"id": conv.id}, "already_open": True}
        im = len(users) == 1
        conv = Conversation(f"{'D' if im else 'G'}{next(self._ids):06d}", members, im, not im)
        self.conversations[conv.id] = conv
        return {"ok": True, "channel": {"id": conv.id}}

    def _m_chat_postMessage(self, a: dict[str, Any]) -> dict[str, Any]:
        conv = self.conversations.get(a.get("channel", ""))
        if conv is None:
            return {"ok": False, "error": "channel_not_found"}
        if self.bot_user not in conv.members:
            return {"ok": False, "error": "not_in_channel"}
        if not a.get("text") and not a.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = self._ts_next()
        message = {
            "ts": ts,
            "text": a.get("text", ""),
            "blocks": a.get("blocks", []),
            "user": self.bot_user,
        }
        if isinstance(a.get("metadata"), dict):
            message["metadata"] = a["metadata"]
        self.messages[(conv.id, ts)] = message
        return {"ok": True, "channel": conv.id, "ts": ts, "message": message}

    def _m_conversations_history(self, a: dict[str, Any]) -> dict[str, Any]:
        conv = self.conversations.get(a.get("channel", ""))
        if conv is None or self.bot_user not in conv.members:
            return {"ok": False, "error": "channel_not_found"}
        newest_first = [m for (ch, _), m in reversed(self.messages.items()) if ch == conv.id]
        limit = int(a.get("limit") or 100)
        keep_metadata = str(a.get("include_all_metadata", "")).lower() in ("1", "true")
        shown = [
            m if keep_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in newest_first[:limit]
        ]
        return {"ok": True, "messages": shown, "has_more": len(newest_first) > limit}

    def _m_conversations_join(self, a: dict[str, Any]) -> dict[str, Any]:
        conv = self.conversations.get(a.get("channel", ""))
        if conv is None or conv.is_im or conv.is_mpim:
            return {"ok": False, "error": "channel_not_found"}
        conv.members.add(self.bot_user)
        return {"ok": True, "channel": {"id": conv.id}}

    def _m_chat_postEphemeral(self, a: dict[str, Any]) -> dict[str, Any]:
        conv = self.conversations.get(a.get("channel", ""))
        if conv is None:
            return {"ok": False, "error": "channel_not_found"}
        if a.get("user") not in conv.members:
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self._ts_next()}

    def _m_chat_update(self, a: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get((a.get("channel", ""), a.get("ts", "")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.update(text=a.get("text", ""), blocks=a.get("blocks", []))
        return {"ok": True, "channel": a["channel"], "ts": a["ts"], "text": message["text"]}

    def _m_reactions_add(self, a: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get((a.get("channel", ""), a.get("timestamp", "")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if not re.fullmatch(r"[a-z0-9_+\-']+", a.get("name", "")):
            return {"ok": False, "error": "invalid_name"}  # Slack wants short names, not unicode
        names = message.setdefault("reactions", [])
        if a.get("name") in names:
            return {"ok": False, "error": "already_reacted"}
        names.append(a.get("name"))
        return {"ok": True}

    def _m_views_open(self, a: dict[str, Any]) -> dict[str, Any]:
        trigger = a.get("trigger_id", "")
        if trigger not in self.triggers:
            return {"ok": False, "error": "expired_trigger_id"}
        self.triggers.discard(trigger)  # single use, like Slack's
        view = a.get("view") or {}
        if len(view.get("title", {}).get("text", "")) > 24 or len(view.get("blocks", [])) > 100:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {**view, "id": f"V{next(self._ids):06d}"}}

    # --- files (files_upload_v2: get an upload URL, send the bytes, complete) ----------

    def _m_files_getUploadURLExternal(self, a: dict[str, Any]) -> dict[str, Any]:
        if not a.get("filename") or not str(a.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):06d}"
        self.uploads[file_id] = {"filename": a["filename"], "length": int(a["length"])}
        return {
            "ok": True,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
            "file_id": file_id,
        }

    def _m_files_completeUploadExternal(self, a: dict[str, Any]) -> dict[str, Any]:
        import json

        files = a.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        done = []
        for f in files:
            up = self.uploads.get(f.get("id", ""))
            if up is None or "data" not in up:
                return {"ok": False, "error": "file_not_found"}
            channel = a.get("channel_id") or a.get("channels")
            if channel and channel not in self.conversations:
                return {"ok": False, "error": "channel_not_found"}
            up["channel"] = channel
            done.append({"id": f["id"], "name": up["filename"], "title": f.get("title", "")})
        return {"ok": True, "files": done}

    # --- user groups -------------------------------------------------------------------

    def _m_usergroups_users_list(self, a: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(a.get("usergroup", ""))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": sorted(group)}

    def _m_apps_connections_open(self, a: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket?ticket={next(self._ids)}"}
