"""Menus: the /start buttons and the command lists published to Telegram per role and language."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.callbacks import CODEC, Pattern
from bot.domain.people import Person, Role
from bot.i18n import Catalog
from bot.services.context import Services
from bot.telegram.commands import CommandTable
from bot.telegram.context import Ctx

log = logging.getLogger(__name__)

MENU = CODEC.prefix("cmd", "the menu buttons (bot/telegram/menus.py)")
# cmd:<command>, a name as Telegram takes commands (a-z, 0-9 and _, at most 32): the data
# /start's buttons have always carried.
COMMAND = MENU.button("", Pattern(r"[a-z0-9_]{1,32}", 32))


def menu_keyboard(ctx: Ctx, table: CommandTable) -> InlineKeyboardMarkup:
    """The buttons of the acting person's role, two per row."""
    buttons = [
        InlineKeyboardButton(ctx.t(f"button.{c.name}"), callback_data=COMMAND.data(c.name))
        for c in table.for_role(ctx.role)
        if c.button
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(rows)


def bot_commands(catalog: Catalog, table: CommandTable, role: Role, lang: str) -> list[BotCommand]:
    """The command menu of one role in one language."""
    return [BotCommand(c.name, catalog.t(lang, f"cmd.{c.name}")) for c in table.for_role(role)]


async def publish_defaults(bot: Bot, services: Services, table: CommandTable) -> None:
    """Set the residents' menu for everyone, in each language and the deployment's default."""
    catalog = services.catalog
    for lang in catalog.languages():
        await bot.set_my_commands(
            bot_commands(catalog, table, Role.RESIDENT, lang),
            scope=BotCommandScopeDefault(), language_code=lang,
        )
    await bot.set_my_commands(
        bot_commands(catalog, table, Role.RESIDENT, services.settings.language),
        scope=BotCommandScopeDefault(),
    )


async def publish_for(bot: Bot, services: Services, table: CommandTable, telegram_id: int,
                      role: Role, lang: str) -> None:
    """Give one person the menu of their role in their language (chat scope)."""
    scope = BotCommandScopeChat(telegram_id)
    try:
        if role is Role.RESIDENT:
            # Drop a staff menu left from an earlier role; the default scope applies again.
            await bot.delete_my_commands(scope=scope)
            return
        await bot.set_my_commands(bot_commands(services.catalog, table, role, lang), scope=scope)
    except (BadRequest, Forbidden) as exc:
        # A configured coordinator who never opened the bot has no chat yet.
        log.info("menu for %s not published: %s", telegram_id, exc)
    except TelegramError as exc:
        # Telegram limits setMyCommands tightly; the menu is a convenience, and the handler
        # that publishes it (/start, a role or language change) must still finish its work.
        log.warning("menu for %s not published: %s", telegram_id, exc)


async def publish_person(bot: Bot, services: Services, table: CommandTable,
                         person: Person) -> None:
    """Publish the menu of a person's current role and language."""
    await publish_for(bot, services, table, person.telegram_id, services.role_of(person),
                      services.lang_of(person))


async def publish_all(bot: Bot, services: Services, table: CommandTable,
                      staff: Iterable[Person]) -> None:
    """Publish the default menus and every staff member's menu; failures do not stop start-up."""
    try:
        await publish_defaults(bot, services, table)
        seen: set[int] = set()
        for person in staff:
            seen.add(person.telegram_id)
            await publish_person(bot, services, table, person)
        for coordinator in sorted(services.settings.coordinators - seen):
            await publish_for(bot, services, table, coordinator, Role.COORDINATOR,
                              services.settings.language)
    except TelegramError as exc:
        log.warning("command menus not published: %s", exc)
