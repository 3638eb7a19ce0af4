"""What members do in the fake Discord: slash commands, autocomplete, clicks, modal submits,
reactions. Each one becomes a gateway event built the way Discord builds it."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from tests.fakes import discord_fake_payloads as p

if TYPE_CHECKING:
    from tests.fakes.discord_fake import FakeDiscord, FakeInteraction

SLASH, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5


class InteractionsMixin:
    async def slash(
        self: FakeDiscord, user: int, sub: str, *, channel: int | None = None, **options: Any
    ) -> FakeInteraction:
        """``/mock <sub> option=value ...`` typed by ``user``; option types come from the synced command."""
        data = self._command_data(sub, options, focused=None)
        return await self._interact(user, SLASH, data, channel or self.channel_id)

    async def autocomplete(
        self: FakeDiscord,
        user: int,
        sub: str,
        focused: str,
        *,
        channel: int | None = None,
        **options: Any,
    ) -> FakeInteraction:
        data = self._command_data(sub, options, focused=focused)
        return await self._interact(user, AUTOCOMPLETE, data, channel or self.channel_id)

    async def click(
        self: FakeDiscord, user: int, message: dict[str, Any], custom_id: str
    ) -> FakeInteraction:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(user, COMPONENT, data, int(message["channel_id"]), msg=message)

    async def submit_modal(
        self: FakeDiscord,
        user: int,
        opened_by: FakeInteraction,
        values: dict[str, str],
    ) -> FakeInteraction:
        """Fill the modal ``opened_by`` showed: ``values`` maps a component custom_id to its value."""
        modal = opened_by.modal
        assert modal is not None, "that interaction did not open a modal"
        components = []
        for top in modal["components"]:
            inner = top.get("component") or top["components"][0]
            value = values.get(inner["custom_id"], "")
            answered = {
                "type": inner["type"],
                "id": inner.get("id", 0),
                "custom_id": inner["custom_id"],
            }
            if inner["type"] == 4:
                answered["value"] = value
            else:
                answered["values"] = [value] if value else []
            if top["type"] == 18:
                components.append({"type": 18, "id": top.get("id", 0), "component": answered})
            else:
                components.append({"type": 1, "id": top.get("id", 0), "components": [answered]})
        data = {"custom_id": modal["custom_id"], "components": components}
        return await self._interact(user, MODAL_SUBMIT, data, opened_by.channel_id)

    async def react(self: FakeDiscord, user: int, message: dict[str, Any], emoji: str) -> None:
        mid, cid = int(message["id"]), int(message["channel_id"])
        self.add_reaction(mid, emoji, user)
        event: dict[str, Any] = {
            "user_id": str(user),
            "channel_id": str(cid),
            "message_id": str(mid),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
            "message_author_id": str(self.bot_id),
        }
        if self.channels.get(cid, {}).get("type") != 1:
            event["guild_id"] = str(self.guild_id)
            event["member"] = self.member_payload(user)
        await self.gateway.dispatch("MESSAGE_REACTION_ADD", event)

    async def answered(
        self: FakeDiscord, inter: FakeInteraction, within: float = 5.0
    ) -> FakeInteraction:
        """Wait until the bot has finished answering: a message, a modal or autocomplete choices."""

        def done() -> bool:
            if inter.modal is not None or inter.choices is not None:
                return True
            return bool(inter.responses) and (inter.original is not None or bool(inter.followups))

        await self.wait_for(done, within, what=f"an answer to interaction {inter.id}")
        return inter

    # --- building the events -------------------------------------------------

    def _command_data(
        self: FakeDiscord, sub: str, options: dict[str, Any], focused: str | None
    ) -> dict[str, Any]:
        mock = next((c for c in self.commands if c["name"] == "mock"), None)
        assert mock is not None, "the bot has not synced /mock"
        sub_def = next((o for o in mock["options"] if o["name"] == sub), None)
        assert sub_def is not None, f"/mock has no subcommand {sub!r}"
        types = {o["name"]: o["type"] for o in sub_def.get("options", [])}
        resolved: dict[str, dict[str, Any]] = {}
        given = []
        for name, value in options.items():
            otype = types.get(
                name, 3
            )  # an unknown option goes in as a string: Discord would refuse it
            if otype == 6:
                resolved.setdefault("users", {})[str(value)] = self.users[int(value)]
                member = self.member_payload(int(value))
                resolved.setdefault("members", {})[str(value)] = {
                    k: v for k, v in member.items() if k != "user"
                }
                value = str(value)
            elif otype == 7:
                ch = self.channels[int(value)]
                resolved.setdefault("channels", {})[str(value)] = dict(
                    ch, permissions=str(p.MEMBER_PERMISSIONS)
                )
                value = str(value)
            opt: dict[str, Any] = {"name": name, "type": otype, "value": value}
            if name == focused:
                opt["focused"] = True
            given.append(opt)
        data: dict[str, Any] = {
            "id": mock["id"],
            "name": "mock",
            "type": 1,
            "options": [{"name": sub, "type": 1, "options": given}],
        }
        if resolved:
            data["resolved"] = resolved
        return data

    async def _interact(
        self: FakeDiscord,
        user: int,
        itype: int,
        data: dict[str, Any],
        channel_id: int,
        msg: dict[str, Any] | None = None,
    ) -> FakeInteraction:
        from tests.fakes.discord_fake import FakeInteraction

        iid, token = p.snowflake(), secrets.token_urlsafe(24)
        channel = dict(self.channels[channel_id])
        channel["permissions"] = str(self.permissions[user])
        payload = p.interaction(
            iid=iid,
            token=token,
            itype=itype,
            app_id=self.app_id,
            guild_id=self.guild_id,
            channel=channel,
            member_payload=self.member_payload(user),
            data=data,
            msg=msg,
        )
        if channel["type"] == 1:  # in a DM: no guild, the user instead of a member
            for key in ("guild_id", "guild", "member", "guild_locale"):
                payload.pop(key, None)
            payload["user"] = self.users[user]
            payload["context"] = 1
        inter = FakeInteraction(iid, token, itype, user, channel_id, payload)
        self.interactions[iid] = inter
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return inter

    async def replay(self: FakeDiscord, inter: FakeInteraction) -> None:
        """Deliver the same interaction event again (a duplicate delivery)."""
        await self.gateway.dispatch("INTERACTION_CREATE", inter.payload)
