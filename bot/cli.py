"""`mockround ...`: the command line. Platform adapters are loaded only when asked for,
so the core never imports them."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from pathlib import Path

from rich.console import Console

from bot.app.config import SettingsError, load_settings
from bot.questions import cli as questions_cli
from bot.questions.packs import load_bank


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

    run = sub.add_parser("run", help="run the bot on a platform")
    run.add_argument("platform", choices=["console", "discord", "slack"])
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        if args.members < 2 or args.members > 500:
            print("mockround: --members must be from 2 to 500", file=sys.stderr)
            return 2
        return importlib.import_module("adapters.console.demo").main(
            args.members, args.seed, args.full
        )
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"mockround: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "questions":
        if args.questions_command == "validate":
            return questions_cli.validate(args.paths, sys.stdout)
        return questions_cli.list_questions(load_bank(settings.pack_dirs), args.track, Console())
    runner = importlib.import_module(f"adapters.{args.platform}.runner")
    try:
        if args.platform == "console":
            return asyncio.run(runner.run(settings, admin=args.admin, database=args.database)) or 0
        asyncio.run(runner.run(settings))
    except KeyboardInterrupt:
        return 0
    except SettingsError as exc:
        print(f"mockround: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
