"""`mockround run console`: one person types as several members to try the bot.

alice: /mock join track=coding level=mid tz=Europe/Berlin
bob: join                      (the /mock prefix is optional)
admin: round start
alice: ready                   (the buttons are commands too: ready, done, noshow, rate)
bob: react 4                   (a quick score on your latest feedback message; react ✋ joins)
bob: submit approach=4 complexity=3 comment="nice"   (after rate opened the form)
tick 5                         (move the clock 5 minutes; plain `tick` jumps to the next timer)
quit
"""

from __future__ import annotations

import asyncio
import shlex
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_dir
from rich.console import Console
from rich.markup import escape

from adapters.console.chat import ConsoleChat, Entry
from bot import actions
from bot.app.bootstrap import build
from bot.clock import FakeClock
from bot.commands import BadInput, ReactionAdded
from bot.messages import SCORE_EMOJIS, Form, Reply
from bot.model import ChannelRef, UserRef
from bot.syntax import parse_text

CHANNEL = ChannelRef("console", "local", "general")


class ConsolePlay:
    def __init__(
        self, app, chat: ConsoleChat, clock: FakeClock, admin: str, console: Console
    ) -> None:
        self.app, self.chat, self.clock, self.admin, self.console = app, chat, clock, admin, console
        self.forms: dict[str, Form] = {}

    def user(self, name: str) -> UserRef:
        return UserRef("console", "local", name.lower())

    def show_entry(self, e: Entry) -> None:
        who = "everyone" if e.audience == "*" else ", ".join(sorted(e.audience))
        self.console.print(f"[bold cyan]{e.where}[/] [dim]→ {who} · #{e.number}[/]")
        self.console.print(e.text, markup=False, highlight=False)

    def show_reply(self, name: str, reply: Reply) -> None:
        if reply.text:
            # what members typed comes back in answers: never read it as markup
            self.console.print(
                f"[{'red' if reply.error else 'green'}](only {escape(name)}) {escape(reply.text)}[/]"
            )
        if reply.message is not None:
            self.console.print(self.chat.render(reply.message), markup=False, highlight=False)
        if reply.form is not None:
            self.forms[name] = reply.form
            fields = " ".join(
                f"{f.id}=<1-5>" if f.kind == "select" else f'{f.id}="..."'
                for f in reply.form.fields
            )
            self.console.print(
                f"(only {name}) form '{reply.form.title}': reply with  {name}: submit {fields}",
                markup=False,
            )

    async def line(self, line: str) -> bool:
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        if line in ("quit", "exit"):
            return False
        if line.split()[0] == "tick":
            await self.tick(line.split()[1:])
            return True
        name, sep, text = line.partition(":")
        if not sep or not name.strip().isidentifier():
            self.console.print(
                "type  name: command  (e.g. alice: /mock join), tick [minutes], or quit",
                style="red",
                markup=False,
            )
            return True
        name, text = name.strip().lower(), text.strip()
        try:
            reply = await self.command(name, text)
        except BadInput as exc:
            reply = Reply.fail(str(exc))
        self.show_reply(name, reply)
        return True

    async def command(self, name: str, text: str) -> Reply:
        me = self.user(name)
        ctx = dict(actor=me, actor_name=name.title(), is_admin=name == self.admin, channel=CHANNEL)
        word = text.split()[0].lower() if text.split() else ""
        if word == "react":
            return await self.react(me, ctx, text.split()[1:])
        if word == "submit":
            return await self.submit(name, ctx, text)
        cmd = parse_text(
            text,
            **ctx,
            resolve_member=lambda token: self.user(token.lstrip("@")),
            resolve_channel=lambda token: ChannelRef("console", "local", token.lstrip("#")),
        )
        return await self.app.service.handle(cmd)

    async def react(self, me: UserRef, ctx: dict, args: list[str]) -> Reply:
        if len(args) != 1 or args[0] not in {"1", "2", "3", "4", "5", "✋"}:
            raise BadInput("react takes one of 1, 2, 3, 4, 5 (a quick score) or ✋ (join)")
        kind = "signup" if args[0] == "✋" else "feedback"
        emoji = "✋" if kind == "signup" else SCORE_EMOJIS[int(args[0]) - 1]
        target = next((e for e in reversed(self.chat.seen_by(me.id)) if e.msg.kind == kind), None)
        if target is None:
            raise BadInput(f"there is no {kind} message for you to react to yet")
        return await self.app.service.handle(ReactionAdded(**ctx, message=target.ref, emoji=emoji))

    async def submit(self, name: str, ctx: dict, text: str) -> Reply:
        form = self.forms.get(name)
        if form is None:
            raise BadInput("open the form first with: rate")
        try:
            pairs = dict(word.partition("=")[::2] for word in shlex.split(text)[1:])
        except ValueError as exc:
            raise BadInput(f"could not read the form values: {exc}") from None
        comment = pairs.pop("comment", "")
        reply = await self.app.service.handle(
            actions.submission(form.form_id, pairs, comment, **ctx)
        )
        if not reply.error:
            self.forms.pop(name, None)
        return reply

    async def tick(self, args: list[str]) -> None:
        if args:
            try:
                self.clock.advance(minutes=float(args[0]))
            except ValueError:
                self.console.print("[red]tick takes a number of minutes, e.g. tick 5[/]")
                return
        else:
            pending = await self.app.store.pending_timers()
            if not pending:
                self.console.print("nothing is scheduled")
                return
            self.clock.set(max(self.clock.now(), pending[0].due_at))
        await self.app.run_due()
        self.console.print(f"[dim]it is now {self.clock.now():%a %H:%M} UTC[/]")


def sandbox(settings, database: str | None) -> tuple[object, str, Path | None]:
    """The console plays on its own database unless one is named: (settings, what to say,
    a temporary file to remove at the end)."""
    if database == "memory":
        tmp = Path(tempfile.mkdtemp(prefix="mockround-console-")) / "console.db"
        url = f"sqlite+aiosqlite:///{tmp}"
        return settings.model_copy(update={"database_url": url}), "in memory (gone at exit)", tmp
    if database:
        chosen = settings.model_copy(update={"database_url": _url(database)})
        return chosen, chosen.database_url, None
    if "database_url" in settings.model_fields_set:
        return settings, settings.database_url, None  # named by the setting: the user asked
    path = Path(user_data_dir("mockround")) / "console.db"
    url = f"sqlite+aiosqlite:///{path}"
    return settings.model_copy(update={"database_url": url}), f"{path} (a sandbox)", None


def _url(database: str) -> str:
    return database if "://" in database else f"sqlite+aiosqlite:///{Path(database).resolve()}"


async def run(settings, admin: str = "admin", database: str | None = None) -> int:
    console = Console(highlight=False)
    clock = FakeClock(datetime.now(UTC).replace(second=0, microsecond=0))
    play: ConsolePlay | None = None
    chat = ConsoleChat(clock, workspace="local", on_entry=lambda e: play.show_entry(e))
    settings, where, temporary = sandbox(settings, database)
    app = await build(settings, chat, clock=clock)
    await app.start()
    play = ConsolePlay(app, chat, clock, admin.lower(), console)
    console.print(f"database: {where}", markup=False)
    console.print(f"mockround console: type as any member ('{admin}' is the admin). Example:")
    console.print(__doc__.split("\n\n", 1)[1], markup=False)
    loop = asyncio.get_running_loop()
    try:
        while True:
            console.print("[bold]>[/] ", end="")
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or not await play.line(line):
                break
    finally:
        await app.stop()
        if temporary is not None:
            shutil.rmtree(temporary.parent, ignore_errors=True)
    return 0
