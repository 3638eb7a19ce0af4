"""Your data: organisers export their community's members, sessions and ratings; every
member exports their own, or has themself forgotten (after a confirmation)."""

from __future__ import annotations

import csv
import io
import json

from bot import actions
from bot import commands as c
from bot.commands import BadInput
from bot.messages import Attachment, Button, OutMessage, Reply

TABLES = ("members", "sessions", "ratings")


class YourData:
    def __init__(self, practice, organiser) -> None:
        self.practice, self.store, self.clock = practice, practice.store, practice.clock
        self.organiser = organiser  # async (command) -> bool: may run organiser commands

    async def export(self, cmd: c.ExportData) -> Reply:
        form = cmd.form.lower()
        if form not in ("csv", "json"):
            raise BadInput(f"export comes as csv or json, not '{c.quote(cmd.form, 20)}'")
        community = cmd.actor.community
        if cmd.whose == "me":
            rows = await self.store.export_rows(community, only=cmd.actor.id)
            title, name = "Your data", f"mockround-{cmd.actor.id}"
        else:
            if not await self.organiser(cmd):
                raise BadInput(
                    "only organisers export the community's data: /mock export me gives yours"
                )
            rows = await self.store.export_rows(community)
            title, name = "Community export", "mockround-community"
        stamp = f"{self.clock.now():%Y%m%d}"
        files = _as_json(rows, f"{name}-{stamp}") if form == "json" else _as_csv(rows, stamp)
        counts = ", ".join(f"{len(rows[k])} {k}" for k in TABLES)
        return Reply(message=OutMessage(kind="info", title=title, text=counts, files=files))

    async def forget(self, cmd: c.ForgetMe) -> Reply:
        m = await self.store.get_member(cmd.actor)
        if m is None:
            raise BadInput("mockround holds nothing about you: you never joined here")
        if await self.practice.current_session(cmd.actor) is not None:
            raise BadInput("you are in a session: finish or cancel it first, then ask again")
        if not cmd.confirmed:
            return Reply(
                message=OutMessage(
                    kind="info",
                    title="Forget you?",
                    text=(
                        "This deletes your name, your availability and every comment you "
                        "wrote or received, takes you out of the rounds and off the board. "
                        "Sessions and scores stay only as anonymous counts. It cannot be "
                        "undone. (/mock export me first if you want a copy.)"
                    ),
                    buttons=(Button(actions.forget(), "Yes, forget me", "danger"),),
                )
            )
        comments = await self.store.forget_member(cmd.actor)
        return Reply.ok(
            f"Done: your name, availability and {comments} comment"
            f"{'s' if comments != 1 else ''} are deleted. /mock join starts afresh."
        )


def _as_json(rows: dict[str, list[dict]], name: str) -> tuple[Attachment, ...]:
    data = json.dumps(rows, indent=2, ensure_ascii=False, default=str).encode()
    return (Attachment(f"{name}.json", data, "application/json"),)


def _as_csv(rows: dict[str, list[dict]], stamp: str) -> tuple[Attachment, ...]:
    files = []
    for table in TABLES:
        out = io.StringIO()
        items = rows[table]
        if items:
            writer = csv.DictWriter(out, fieldnames=list(items[0]))
            writer.writeheader()
            for item in items:
                writer.writerow(
                    {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in item.items()}
                )
        files.append(Attachment(f"{table}-{stamp}.csv", out.getvalue().encode(), "text/csv"))
    return tuple(files)
