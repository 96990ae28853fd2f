"""Assemble the python-telegram-bot Application: client settings and every handler."""

from __future__ import annotations

import html
import logging
import re
import sqlite3

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.domain.people import Role
from bot.services.context import Services
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import LANGUAGE, CommonHandlers
from bot.telegram.context import SERVICES_KEY, Ctx, build_ctx, handler
from bot.telegram.failures import Failures
from bot.telegram.flows import FLOWS_KEY, FlowRegistry
from bot.telegram.menus import MENU
from bot.telegram.registry import features
from bot.telegram.transport import RECEIVED_KEY, AiohttpRequest, UpdatesRequest
from storage import flows
from storage.db import transient_error

log = logging.getLogger(__name__)

# Long-poll wait asked of Telegram; short enough that shutdown never waits on it.
POLL_TIMEOUT = 20


class Addressed(filters.MessageFilter):
    """In groups: only messages that mention the bot or answer one of its messages."""

    def filter(self, message: object) -> bool:
        """Whether a group message is meant for the bot."""
        from telegram import Message

        if not isinstance(message, Message):
            return False
        bot = message.get_bot()
        text = message.text or message.caption or ""
        if bot.username and f"@{bot.username}".lower() in text.lower():
            return True
        reply = message.reply_to_message
        return bool(reply and reply.from_user and reply.from_user.id == bot.id)


# Only new messages: an edited message is not a new answer (it would otherwise be taken as
# the answer to whatever step the person has reached since).
NEW = filters.UpdateType.MESSAGE
PRIVATE = NEW & filters.ChatType.PRIVATE
FOR_BOT = PRIVATE | (NEW & filters.ChatType.GROUPS & Addressed())


# Connections beside a full second of paced messages: press answers, which are not paced, and
# the odd call made outside the pacer (getMe, commands) never queue behind a burst.
UNPACED_ROOM = 8


def pool_size(per_second: int) -> int:
    """Connections to Telegram for `per_second` paced messages: the pacer lets up to that many
    go at once, and one that found no free connection within the pool timeout would fail
    unsent (a slow Telegram, a proxy) and be tried again later, for nothing."""
    return per_second + UNPACED_ROOM


def build_application(services: Services) -> tuple[Application, CommandTable]:  # type: ignore[type-arg]
    """Build the application and its command table; the caller starts it."""
    settings = services.settings
    received = UpdatesRequest(read_timeout=POLL_TIMEOUT + 10, connect_timeout=10)
    app = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .request(AiohttpRequest(connection_pool_size=pool_size(settings.pace_per_second),
                                read_timeout=settings.telegram_timeout, write_timeout=30,
                                connect_timeout=10))
        .get_updates_request(received)
        .updater(None)  # our own durable intake fetches updates (bot/telegram/intake.py)
        .concurrent_updates(64)  # ordering per chat is kept by the intake
        .build()
    )
    app.bot_data[SERVICES_KEY] = services
    app.bot_data[RECEIVED_KEY] = received
    table = CommandTable()
    flows = FlowRegistry()
    app.bot_data[FLOWS_KEY] = flows  # a flow about to start asks it which one is open
    common = CommonHandlers(table, flows)
    _register_common(table, common)
    for feature in features():
        feature.register(app, table, flows, common)
    _register_handlers(app, table, common)
    # Before any other handler: the bot makes only printable ASCII callback data, so anything
    # else is forged (and "²".isdigit() is True, while int("²") fails).
    app.add_handler(CallbackQueryHandler(_refuse_foreign(common), pattern=FOREIGN_DATA),
                    group=-1)
    check_prefixes(button_prefixes(app))
    app.add_error_handler(_on_error)
    return app, table


FOREIGN_DATA = re.compile(r"(?s).*[^ -~]")


def _refuse_foreign(common: CommonHandlers):  # type: ignore[no-untyped-def]
    """Answer callback data the bot never makes as a stale button, and stop there."""
    stale = handler(common.stale_button)

    async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await stale(update, context)
        raise ApplicationHandlerStop

    return refuse


_PREFIX_RE = re.compile(r"^\^(?:\(\?:)?([a-z|]+)\)?:$")
PREFIX_MAX = 8  # leaves room for the action and ids within the 64 bytes of callback data


def button_prefixes(app: Application) -> list[str]:  # type: ignore[type-arg]
    """Every callback-data prefix a handler answers, once per handler that claims it."""
    found: list[str] = []
    for group in app.handlers.values():
        for registered in group:
            pattern = getattr(registered, "pattern", None)
            text = getattr(pattern, "pattern", None)
            if not isinstance(registered, CallbackQueryHandler) or not isinstance(text, str):
                continue
            match = _PREFIX_RE.match(text)
            if match is not None:
                found += match.group(1).split("|")
    return found


def check_prefixes(prefixes: list[str]) -> None:
    """Refuse to start with two handlers claiming one button prefix, or a long prefix."""
    seen: set[str] = set()
    for prefix in prefixes:
        if prefix in seen:
            raise RuntimeError(f"button prefix {prefix!r} is claimed by two handlers")
        if len(prefix) > PREFIX_MAX:
            raise RuntimeError(f"button prefix {prefix!r} is longer than {PREFIX_MAX}")
        seen.add(prefix)


def _register_common(table: CommandTable, common: CommonHandlers) -> None:
    table.add(Command("start", Role.RESIDENT, common.start, button=False, order=0))
    table.add(Command("help", Role.RESIDENT, common.help, order=90))
    table.add(Command("language", Role.RESIDENT, common.language, order=91))
    table.add(Command("cancel", Role.RESIDENT, common.cancel, button=False, order=99))


def _register_handlers(app: Application, table: CommandTable,  # type: ignore[type-arg]
                       common: CommonHandlers) -> None:
    """Wire commands, buttons and messages; order matters, fallbacks last."""
    for command in table.all():
        app.add_handler(CommandHandler(command.name, handler(_runner(common, command.name)),
                                       filters=FOR_BOT))
    app.add_handler(CallbackQueryHandler(handler(common.menu_button), pattern=f"^{MENU.name}:"))
    app.add_handler(CallbackQueryHandler(handler(common.language_chosen),
                                         pattern=f"^{LANGUAGE.name}:"))
    prefixes = "|".join(sorted(common.flows.by_prefix))
    if prefixes:
        app.add_handler(CallbackQueryHandler(handler(common.flow_button),
                                             pattern=f"^(?:{prefixes}):"))
    app.add_handler(CallbackQueryHandler(handler(common.stale_button)))
    app.add_handler(MessageHandler(filters.COMMAND & FOR_BOT, handler(common.unknown_command)))
    app.add_handler(MessageHandler(PRIVATE & ~filters.COMMAND, handler(common.message)))
    app.add_handler(ChatMemberHandler(handler(common.membership),
                                      ChatMemberHandler.MY_CHAT_MEMBER))
    # A live location arrives as edits of its message every time the phone moves (for up
    # to 8 hours): those are not corrections to answer.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE
                                   & ~filters.LOCATION, handler(common.edited)))
    app.add_handler(MessageHandler(NEW & filters.ChatType.GROUPS & Addressed() & ~filters.COMMAND,
                                   handler(common.group_hint)))


def _runner(common: CommonHandlers, name: str):  # type: ignore[no-untyped-def]
    async def run(ctx: Ctx) -> None:
        await common.run_command(ctx, name)

    run.__doc__ = f"/{name}"
    run.__name__ = f"command_{name}"
    return run


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a handler failure and tell the person, in their language, to try again."""
    passing = transient_error(context.error)
    if passing is not None and isinstance(update, Update):
        await _will_retry(update, context, passing)
        return
    log.error("handler failed: %s", context.error, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_user is None:
        return
    if isinstance(context.error, Forbidden):
        return
    try:
        ctx = await build_ctx(update, context)
        if ctx is None:
            return
        await ctx.answer()
        in_flow = await flows.get(ctx.db, ctx.user_id) is not None
        if in_flow:
            # The question the person was at may never have reached them: their next
            # message or press shows it again instead of being taken as its answer.
            await flows.set_unasked(ctx.db, ctx.user_id, True)
        error = context.error
        if isinstance(error, RetryAfter | NetworkError) and not isinstance(error, BadRequest):
            return  # Telegram is failing right now: a message would fail the same way
        # Only in a flow is there something filled in to keep and a question to ask again.
        await ctx.reply(ctx.t("error.internal_flow" if in_flow else "error.internal"))
    except TelegramError as exc:
        log.warning("could not report the failure to the person: %s", html.escape(str(exc)))
    except Exception:
        log.exception("error handler failed")


async def _will_retry(update: Update, context: ContextTypes.DEFAULT_TYPE,
                      error: sqlite3.Error) -> None:
    """A storage failure that may pass (a full disk, a lock held too long): the intake tries
    the update again later and logs each round; the person hears it once, at the first."""
    log.debug("handler met %s", error, exc_info=context.error)
    first = Failures.of(context.application.bot_data).note(update.update_id, error)
    if not first or update.effective_user is None:
        return
    try:
        ctx = await build_ctx(update, context)
        if ctx is None:
            return
        await ctx.answer()
        # Nothing is marked unasked: the try again either takes the answer or, if it was
        # taken, asks the question the person is now at (the replay check of flows).
        in_flow = await flows.get(ctx.db, ctx.user_id) is not None
        await ctx.reply(ctx.t("error.later_flow" if in_flow else "error.later"))
    except (TelegramError, sqlite3.Error) as exc:
        # A new person cannot even be recorded on a full disk: they get the answer later.
        log.warning("could not tell the person that update %s waits: %s", update.update_id,
                    html.escape(str(exc)))
