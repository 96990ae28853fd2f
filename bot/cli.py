"""The command line: `zhongfu run | tick | demo | import | backup | restore | doctor`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot import eventloop, logs
from bot.config import ConfigError, Settings, environment, load_settings
from bot.version import version
from storage import copies
from storage.db import Database, DatabaseUnavailable

EXIT_CONFIG = 2
log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhongfu", description="众扶 Zhongfu — community social assistance on Telegram"
    )
    parser.add_argument("--version", action="version", version=f"zhongfu {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot (long polling, or webhook when configured)")
    tick = sub.add_parser(
        "tick", help="do once what is scheduled at an instant, then exit",
        description="Do, once, every scheduled piece of work due at the instant (reminders, "
        "escalations, digests, housekeeping) and send what waits in the outbox, then exit. "
        "Run twice for one instant, it sends nothing new.",
        epilog="exit status: 0 done (messages Telegram's pace left for later go at the next "
        "tick); 1 Telegram could not be reached, or messages wait to be tried again after a "
        "failed send: the last line says which ('Telegram not reachable or failing', or "
        "'Telegram answered; … wait to be tried again'), nothing is lost and the next ticks "
        "try again (1 is also an unexpected error: 'zhongfu stopped by an unexpected "
        "error'); 2 the settings or the database cannot be used (one line says what).")
    tick.add_argument("--at", metavar="ISO-8601", help="the instant (default: now)")
    imp = sub.add_parser("import", help="import a CSV or XLSX file (checked first)")
    what = imp.add_subparsers(dest="what", required=True, metavar="WHAT")
    households = what.add_parser(
        "households", help="a household roster (花名册), by external id or name (see docs)")
    households.add_argument("file", type=Path)
    referrals = what.add_parser("referrals", help="one agency's referral list (see README)")
    referrals.add_argument("file", type=Path)
    referrals.add_argument("--source", required=True, metavar="NAME", help="the agency")
    households.add_argument("--dry-run", action="store_true",
                            help="check and summarise the file, store nothing")
    households.add_argument("--sheet", metavar="NAME", help="the sheet holding the roster")
    demo = sub.add_parser("demo", help="the real bot in the browser, without Telegram")
    demo.add_argument("--port", type=int, default=8315, help="the page's port (0: any free)")
    demo.add_argument("--at", metavar="ISO-8601", help="the bot's clock at start (default: now)")
    demo.add_argument("--dir", type=Path, help="a new folder for the demo's files "
                      "(default: a temporary one, removed at exit)")
    erase = sub.add_parser("erase", help="remove a person's personal data (audited)")
    whom = erase.add_subparsers(dest="what", required=True, metavar="WHAT")
    person = whom.add_parser("person", help="a resident, by Telegram user id")
    person.add_argument("telegram_id", type=int)
    # Two forms: `export --from DATE --to DATE … OUT` (a period's figures and data) and
    # `export referrals --source NAME --quarter 2026Q3 OUT` (an agency's return).
    sub.add_parser("export", help="write a spreadsheet: a period's figures and data, "
                   "or (export referrals …) an agency's quarterly return",
                   add_help=False)
    backup = sub.add_parser("backup", help="copy the database safely to FILE")
    backup.add_argument("file", type=Path)
    restore = sub.add_parser(
        "restore", help="replace the database with a checked backup FILE (stop the bot first)",
        description="Replace the database with FILE, once it is checked to be an intact "
        "zhongfu database. The database it replaces is kept beside it "
        "(<database>.before-restore-<time>.bak, or <time>-2.bak, -3… for another restore "
        "within the same second: a copy is never written over); only the newest "
        f"{copies.KEEP} such copies are kept, older ones are removed (as are copies taken "
        f"before a migration, <database>.v<N>-<time>.bak, beyond the newest {copies.KEEP}). "
        "Where ZHONGFU_DATABASE names no file yet (a new server) but its folder exists, "
        "FILE is restored into a new file, and the first line says so: check "
        "ZHONGFU_DATABASE if you meant to replace a database.")
    restore.add_argument("file", type=Path)
    doctor = sub.add_parser("doctor", help="check the configuration, Telegram, the database "
                                           "and fonts; exit 1 if anything is wrong")
    doctor.add_argument("--quick", action="store_true",
                        help="only the configuration and the database (a container health check)")
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
    parser = _parser()
    # `export` has two forms parsed on their own (see _export): it takes the rest as it is.
    args, rest = parser.parse_known_args(argv)
    if args.command == "export":
        # Parsed now: `export --help` answers before any setting or database is looked at.
        args.export = _export_args(rest)
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    # The database, its WAL, backups and lock files are the owner's only, whatever the shell's
    # umask (the systemd unit and the backup script set the same).
    os.umask(0o077)
    if args.command == "demo":
        return _demo(args)
    env = environment(os.environ, Path.cwd())
    if args.command == "doctor":
        from bot.doctor import doctor_cli

        return doctor_cli(env, quick=args.quick)
    try:
        settings = load_settings(env, token_required=args.command in ("run", "tick"))
        logs.setup(settings.log_level, [settings.token or "", settings.webhook_secret or ""],
                   settings.log_format)
        return _dispatch(args, settings)
    except (ConfigError, DatabaseUnavailable) as exc:
        # One line and exit 2: systemd does not restart on it (RestartPreventExitStatus=2).
        print(f"zhongfu: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Through logging (plain or JSON, secrets scrubbed), one line; the traceback at DEBUG.
        log.error("zhongfu stopped by an unexpected error: %s: %s", type(exc).__name__, exc)
        log.debug("the traceback of that error", exc_info=True)
        return 1


def _demo(args: argparse.Namespace) -> int:
    """`zhongfu demo`: none of the deployment's settings are read, so none can leak in."""
    from bot.demo import app

    logs.setup("WARNING", [app.TOKEN])
    try:
        start = app.start_instant(args.at)
        app.prepare(args.dir)
    except ValueError as exc:
        print(f"zhongfu: {exc}", file=sys.stderr)
        return EXIT_CONFIG

    def ready(url: str) -> None:
        print(f"zhongfu demo: open {url} in a browser (Ctrl-C stops the demo)", flush=True)

    try:
        return asyncio.run(app.serve("127.0.0.1", args.port, args.dir, start, ready))
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(f"zhongfu: the demo could not listen on port {args.port} ({exc.strerror}); "
              "try --port 0", file=sys.stderr)
        return 1
    except RuntimeError as exc:  # the bot did not start: the message says where its log is
        print(f"zhongfu: {exc}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import runner  # imported late: config errors should not pay for PTB's import

    if args.command == "run":
        return eventloop.run(runner.run(settings))
    if args.command == "tick":
        return eventloop.run(runner.tick(settings, parse_instant(args.at, settings)))
    # Every command but `run` needs the database to exist: a typo in ZHONGFU_DATABASE or the
    # wrong working folder must not import into (or back up, erase from) a new empty file.
    # `restore` needs only the folder: it brings the file.
    Database.check_path(settings.database, create=args.command == "restore")
    if args.command == "import" and args.what == "referrals":
        from bot.referrals_cli import import_cli

        return import_cli(settings, args.file, args.source)
    if args.command == "export":
        return _export(settings, args.export)
    if args.command == "import":
        from bot.importing import import_file_cli
        from storage import lock

        try:
            # Like a running bot: `restore` must not replace the file under an import.
            with lock.held(settings.database, exclusive=False):
                return import_file_cli(settings, args.file, args.dry_run, args.sheet)
        except lock.DatabaseInUse:
            raise ConfigError(f"{settings.database} is being restored; import after") from None
    if args.command == "backup":
        import sqlite3

        from storage.backup import backup

        try:
            asyncio.run(backup(settings.database, args.file))
        except (OSError, sqlite3.Error) as exc:
            print(f"zhongfu: no backup written: {exc}", file=sys.stderr)
            return 1
        print(f"zhongfu: backup written to {args.file}")
        return 0
    if args.command == "restore":
        return _restore(settings, args.file)
    if args.command == "erase":
        return asyncio.run(_erase(settings, args.telegram_id))
    raise AssertionError(args.command)


async def _erase(settings: Settings, telegram_id: int) -> int:
    """`zhongfu erase person ID`: their contact, name, places, photos and messages go."""
    from bot.config import SUPPORTED_LANGUAGES
    from bot.i18n import Catalog
    from bot.services.context import Services, clock_for
    from bot.services.erasure import erase_person

    db = await Database.open(settings.database, create=False)
    try:
        services = Services(settings, db, Catalog.load(SUPPORTED_LANGUAGES, settings.language),
                            clock=clock_for(settings))
        done = await erase_person(services, telegram_id, None, services.clock())
    finally:
        await db.close()
    if not done.person and not done.reports:
        print(f"zhongfu: nobody with Telegram id {telegram_id} is known; nothing erased",
              file=sys.stderr)
        return 1
    print(f"zhongfu: personal data of {telegram_id} erased ({done.reports} report(s) "
          f"anonymised, {done.withdrawn} waiting message(s) withdrawn, {done.details} "
          "message(s) showing their details edited down to one line; the figures keep "
          "their anonymous facts)")
    return 0


def _export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhongfu export", description="the figures and data of a period",
        epilog="an agency's quarterly referral return: zhongfu export referrals --help")
    parser.add_argument("--from", dest="start", required=True, metavar="DATE")
    parser.add_argument("--to", dest="end", required=True, metavar="DATE")
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--with-contacts", action="store_true",
                        help="include phone numbers and exact addresses")
    parser.add_argument("out", type=Path, metavar="OUT")
    return parser


def _referrals_return_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhongfu export referrals",
                                     description="an agency's quarterly return (XLSX)")
    parser.add_argument("--source", required=True, metavar="NAME", help="the agency")
    parser.add_argument("--quarter", required=True, metavar="2026Q3")
    parser.add_argument("--with-contacts", action="store_true",
                        help="include phone and address (the agency's copy only)")
    parser.add_argument("out", type=Path)
    return parser


def _export_args(rest: list[str]) -> tuple[bool, argparse.Namespace]:
    """`export`'s own arguments: whether it is an agency's return (`export referrals …`),
    and the parsed rest; usage errors and --help exit here."""
    if rest[:1] == ["referrals"]:
        return True, _referrals_return_parser().parse_args(rest[1:])
    return False, _export_parser().parse_args(rest)


def _export(settings: Settings, parsed: tuple[bool, argparse.Namespace]) -> int:
    """`zhongfu export …`: a period's workbook, or `export referrals …` an agency's return."""
    referrals, answer = parsed
    if referrals:
        from bot.referrals_cli import export_cli as return_cli

        return return_cli(settings, answer.source, answer.quarter, answer.out,
                          answer.with_contacts)
    from bot.exporting.cli import export_cli

    return export_cli(settings, answer.start, answer.end, answer.format, answer.with_contacts,
                      answer.out)


def _restore(settings: Settings, file: Path) -> int:
    """Check FILE, then replace the database with it while no bot holds the database."""
    import sqlite3

    from storage import lock
    from storage.backup import NotRestorable, give_owner, restore

    try:
        with lock.held(settings.database, exclusive=True):
            if not settings.database.exists():
                # A first install on a new server, or a mistyped ZHONGFU_DATABASE whose
                # folder exists: the restore goes ahead, and the operator sees which it was.
                print(f"zhongfu: no database at {settings.database.absolute()}: restoring "
                      "into a new file (if you meant to replace a database, check "
                      "ZHONGFU_DATABASE)", flush=True)
            kept = restore(file, settings.database)
            # A lock file made by this (root) process would keep the bot out as well.
            give_owner(lock.lock_path(settings.database), settings.database)
    except lock.DatabaseInUse:
        print(f"zhongfu: a bot is using {settings.database}; stop it first "
              "(systemctl stop zhongfu, or docker compose stop bot), then restore",
              file=sys.stderr)
        return 1
    except (NotRestorable, OSError, sqlite3.Error) as exc:
        print(f"zhongfu: not restored: {exc}", file=sys.stderr)
        return 1
    print(f"zhongfu: {settings.database} restored from {file}")
    if kept is not None:
        print(f"zhongfu: the database it replaced is kept at {kept} (with at most "
              f"{copies.KEEP - 1} older such copies; older ones are removed)")
    return 0
