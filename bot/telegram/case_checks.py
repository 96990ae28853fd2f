"""The one check before any case work: may the presser do this to this report, now?

Every case button and every typed case text comes through `check`, which re-reads the
presser's role and the report's state (callback data is only a request, never a permission).
"""

from __future__ import annotations

import html
import re

from bot.domain.lengths import shorten
from bot.domain.reports import Report
from bot.domain.triage import Action
from bot.services import access, case_lists
from bot.telegram.context import Ctx


async def refuse(ctx: Ctx, why: str, **values: object) -> None:
    """Say no (as the button's answer and in the chat), change nothing."""
    text = ctx.t(f"triage.refused.{why}", **values)
    await ctx.answer(plain(text), alert=True)
    await ctx.reply(text)


async def check(ctx: Ctx, action: Action, report: Report | None) -> bool:
    """Whether the presser may do `action` now; refuses (with a message) when not."""
    if report is None:
        await refuse(ctx, "no_report")
        return False
    # The one authorisation check (bot/services/access.py): role, ownership, community
    # (the same rule as who gets the card) and the report's lifecycle.
    why = await access.case(ctx.services, ctx.person, action, report)
    if why is None:
        return True
    values: dict[str, object] = {"ref": report.ref}
    if why == "already_taken":
        values["name"] = await case_lists.taker_name(ctx.services, report) or "?"
    await refuse(ctx, why, **values)
    return False


def plain(text: str) -> str:
    """A catalog text without tags or escapes, short enough for a button answer (200
    characters); cut after unescaping, so no entity is cut in half."""
    flat = html.unescape(re.sub(r"<[^>]+>", "", text))
    return shorten(flat, 190)
