"""The command line: `zhongfu run | tick | import | export | backup`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot import logs
from bot.config import ConfigError, Settings, environment, load_settings

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhongfu", description="众扶 Zhongfu — community social assistance on Telegram"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot (long polling)")
    tick = sub.add_parser("tick", help="do once what is scheduled at an instant, then exit")
    tick.add_argument("--at", metavar="ISO-8601", help="the instant (default: now)")
    imp = sub.add_parser("import", help="import a CSV or XLSX file (checked first)")
    what = imp.add_subparsers(dest="what", required=True, metavar="WHAT")
    households = what.add_parser("households", help="households, by external id (see docs)")
    households.add_argument("file", type=Path)
    export = sub.add_parser("export", help="write the figures and data of a period to OUT")
    export.add_argument("--from", dest="start", required=True, metavar="DATE")
    export.add_argument("--to", dest="end", required=True, metavar="DATE")
    export.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    export.add_argument("--with-contacts", action="store_true",
                        help="include phone numbers and exact addresses")
    export.add_argument("out", type=Path, metavar="OUT")
    backup = sub.add_parser("backup", help="copy the database safely to FILE")
    backup.add_argument("file", type=Path)
    return parser


def parse_instant(text: str | None, settings: Settings) -> datetime:
    """An ISO-8601 instant; without an offset it is read in the deployment's time zone."""
    if text is None:
        return datetime.now(UTC) + settings.clock_shift
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--at must be an ISO-8601 date and time, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.timezone)
    return moment


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `zhongfu` command."""
    args = _parser().parse_args(argv)
    try:
        env = environment(os.environ, Path.cwd())
        settings = load_settings(env, token_required=args.command in ("run", "tick"))
        logs.setup(settings.log_level, [settings.token or ""])
        return _dispatch(args, settings)
    except ConfigError as exc:
        print(f"zhongfu: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import runner  # imported late: config errors should not pay for PTB's import

    if args.command == "run":
        return asyncio.run(runner.run(settings))
    if args.command == "tick":
        return asyncio.run(runner.tick(settings, parse_instant(args.at, settings)))
    if args.command == "import":
        from bot.importing import import_file_cli

        return import_file_cli(settings, args.file)
    if args.command == "export":
        from bot.exporting.cli import export_cli

        return export_cli(settings, args.start, args.end, args.format, args.with_contacts,
                          args.out)
    if args.command == "backup":
        from storage.backup import backup

        asyncio.run(backup(settings.database, args.file))
        print(f"zhongfu: backup written to {args.file}")
        return 0
    raise AssertionError(args.command)
