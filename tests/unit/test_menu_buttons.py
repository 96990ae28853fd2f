"""The menu buttons (cmd:<command>) and the language picker (lang:<code>) go through the
callback codec: what earlier releases put in chats reads back the same, and forged data is
answered as a stale button without anything being done."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.config import SUPPORTED_LANGUAGES, load_settings
from bot.services.context import Services
from bot.telegram.app import build_application
from bot.telegram.commands import CommandTable
from bot.telegram.common import CHOOSE_LANGUAGE, CommonHandlers
from bot.telegram.flows import FlowRegistry
from bot.telegram.menus import COMMAND
from storage.db import Database
from tests.use_cases import catalog


async def command_table(tmp_path: Path) -> CommandTable:
    """The command table of the application as it starts."""
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123456:TEST-token-abcdefghij",
                              "ZHONGFU_DATABASE": str(tmp_path / "z.sqlite3")})
    db = await Database.open(settings.database)
    try:
        _, table = build_application(
            Services(settings, db, catalog()))
    finally:
        await db.close()
    return table


async def test_every_command_s_menu_button_is_written_as_before_and_reads_back(
        tmp_path: Path) -> None:
    names = [c.name for c in (await command_table(tmp_path)).all()]
    assert {"start", "help", "language", "report", "log", "digest"} <= set(names)
    for name in names:
        assert COMMAND.data(name) == f"cmd:{name}"
        assert COMMAND.parse(f"cmd:{name}") == (name,)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_language_button_is_written_as_before_and_reads_back(lang: str) -> None:
    assert CHOOSE_LANGUAGE.data(lang) == f"lang:{lang}"
    assert CHOOSE_LANGUAGE.parse(f"lang:{lang}") == (lang,)


FORGED_LANGUAGES = ["lang:xx", "lang:", "lang", "lang:zh:1", "lang:ZH", "lang:zh ",
                    "lang:<b>", "cmd:zh", "lg:zh", "lang:" + "z" * 60]
FORGED_COMMANDS = ["cmd:", "cmd", "cmd:help:1", "cmd:HELP", "cmd:<b>x</b>", "cmd:help me",
                   "cmd:" + "a" * 33, "cmd:²", "lang:help", "cm:help", "cmd::help"]


@pytest.mark.parametrize("forged", FORGED_LANGUAGES)
def test_forged_language_data_is_no_language(forged: str) -> None:
    assert CHOOSE_LANGUAGE.parse(forged) is None


@pytest.mark.parametrize("forged", FORGED_COMMANDS)
def test_forged_menu_data_is_no_command(forged: str) -> None:
    assert COMMAND.parse(forged) is None


class PressCtx:
    """A press with some callback data: only answers and replies; anything else it is asked
    (the person, the database) fails the test."""

    def __init__(self, data: str) -> None:
        self.query = SimpleNamespace(data=data)
        self.answers: list[tuple[str | None, bool]] = []
        self.replies: list[str] = []

    def t(self, key: str, /, **values: object) -> str:
        return key

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        self.answers.append((text, alert))

    async def reply(self, text: str, markup: object = None) -> None:
        self.replies.append(text)


def handlers() -> CommonHandlers:
    return CommonHandlers(CommandTable(), FlowRegistry())


@pytest.mark.parametrize("forged", FORGED_LANGUAGES)
async def test_a_forged_language_press_is_answered_as_stale_and_changes_nothing(
        forged: str) -> None:
    ctx: Any = PressCtx(forged)
    await handlers().language_chosen(ctx)
    assert ctx.answers == [("error.stale_button", True)]
    assert ctx.replies == []


@pytest.mark.parametrize("forged", FORGED_COMMANDS)
async def test_a_forged_menu_press_is_answered_as_stale_and_runs_nothing(forged: str) -> None:
    ctx: Any = PressCtx(forged)
    await handlers().menu_button(ctx)
    assert ctx.answers == [("error.stale_button", True)]
    assert ctx.replies == []


async def test_a_menu_button_of_a_command_no_longer_there_says_so_in_the_chat() -> None:
    ctx: Any = PressCtx("cmd:nosuch")
    await handlers().menu_button(ctx)
    assert ctx.answers == [(None, False)]
    assert ctx.replies == ["error.stale_button"]
