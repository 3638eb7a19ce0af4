"""`mockround ...`: the command line. Platform adapters are loaded only when asked for,
so the core never imports them."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from pathlib import Path

from rich.console import Console

from bot import logs
from bot.app.config import SettingsError, load_settings
from bot.questions import cli as questions_cli
from bot.questions.packs import load_bank
from bot.storage.sql_engine import StorageUnavailable, hold_single_process


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mockround", description="Peer mock-interview rounds for Discord and Slack"
    )
    p.add_argument("--config", type=Path, help="a TOML settings file (environment variables win)")
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="a simulated community runs one round on the console")
    demo.add_argument("--members", type=int, default=12, help="community size (default 12)")
    demo.add_argument("--seed", type=int, default=7, help="makes the run repeatable (default 7)")
    demo.add_argument("--full", action="store_true", help="print every space's messages in full")

    run = sub.add_parser("run", help="run the bot on a platform, or on Discord and Slack at once")
    run.add_argument("platform", nargs="+", choices=["console", "discord", "slack"])
    run.add_argument("--admin", default="admin", help="console: the user name that is an admin")
    run.add_argument(
        "--database",
        help="console: a database URL or file, or 'memory' (default: a sandbox of its own, "
        "unless MOCKROUND_DATABASE_URL names one)",
    )

    q = sub.add_parser("questions", help="question packs")
    qsub = q.add_subparsers(dest="questions_command", required=True)
    v = qsub.add_parser("validate", help="check packs (default: the shipped ones)")
    v.add_argument("paths", nargs="*", type=Path)
    ls = qsub.add_parser("list", help="list questions")
    ls.add_argument("--track")
    return p


EXTRAS = {"discord": "discord", "slack_sdk": "slack", "slack_bolt": "slack", "asyncpg": "postgres"}


def main(argv: list[str] | None = None) -> int:
    """Every start-up problem ends in one line naming what to fix, never a traceback."""
    args = _parser().parse_args(argv)
    try:
        return _main(args)
    except KeyboardInterrupt:
        return 0
    except (SettingsError, StorageUnavailable) as exc:
        print(f"mockround: {exc}", file=sys.stderr)
    except ModuleNotFoundError as exc:
        top = (exc.name or "").split(".")[0]
        if top not in EXTRAS:
            raise
        extra = EXTRAS[top]
        print(
            f'mockround: the {extra} extra is not installed: pip install "mockround[{extra}]"',
            file=sys.stderr,
        )
    return 2


def _main(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)  # demo too: a bad file or value is refused alike
    logs.configure(settings.log_level, settings.log_format)
    if args.command == "demo":
        if args.members < 2 or args.members > 500:
            raise SettingsError("--members must be from 2 to 500")
        return importlib.import_module("adapters.console.demo").main(
            args.members, args.seed, args.full
        )
    if args.command == "questions":
        if args.questions_command == "validate":
            return questions_cli.validate(args.paths, sys.stdout)
        return questions_cli.list_questions(load_bank(settings.pack_dirs), args.track, Console())
    platforms = sorted(set(args.platform))
    # held while the bot runs (the system drops it if the process is killed); the
    # console's sandbox is a file of its own
    held = hold_single_process(settings.database_url) if platforms != ["console"] else None
    try:
        return _run(args, settings, platforms)
    finally:
        if held is not None:
            held.close()


def _run(args: argparse.Namespace, settings, platforms: list[str]) -> int:
    from bot.app.bootstrap import settle_startup

    if len(platforms) > 1:
        if "console" in platforms:
            raise SettingsError("the console runs alone: run console, or run discord slack")
        importlib.import_module("adapters.discord.runner")  # a missing extra names itself
        runner = importlib.import_module("adapters.together.runner")
    else:
        runner = importlib.import_module(f"adapters.{platforms[0]}.runner")
    settle_startup()  # after the imports: what they loaded is set apart too
    if platforms == ["console"]:
        return asyncio.run(runner.run(settings, admin=args.admin, database=args.database)) or 0
    asyncio.run(runner.run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
