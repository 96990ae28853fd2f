"""/import in chat: a coordinator sends a CSV or XLSX file; it is checked, then stored whole."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Message
from telegram.error import TelegramError

from bot.importing import describe, import_households
from bot.importing.households import MAX_BYTES
from bot.telegram.context import Ctx
from bot.telegram.household_ui import (
    StaleAnswer,
    is_coordinator,
    join_within,
    today,
)
from storage import flows
from storage.flows import FlowState

log = logging.getLogger(__name__)


# -- /import in chat ---------------------------------------------------------------------------


@dataclass
class ImportFlow(StaleAnswer):
    """/import: the coordinator sends a CSV or XLSX file; it is checked, then stored whole."""

    name: str = "import"
    prefix: str = "im"

    async def start(self, ctx: Ctx) -> None:
        """Ask for the file."""
        await ctx.save_flow(self.name, "file", {})
        await ctx.reply(ctx.t("import.ask"))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask for the file again."""
        await ctx.reply(ctx.t("import.ask"))

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Check and import an uploaded file; errors are listed and the flow waits for a fix."""
        message: Message | None = ctx.message
        document = message.document if message else None
        if document is None:
            await ctx.reply(ctx.t("import.expect"))
            return
        if not is_coordinator(ctx):
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return
        filename = document.file_name or "upload"
        if document.file_size and document.file_size > MAX_BYTES:
            await ctx.reply(ctx.t("import.refused", reason=ctx.t(
                "import.refusal.too_big", max_mb=MAX_BYTES // (1024 * 1024))))
            await ctx.reply(ctx.t("import.again"))
            return
        await ctx.reply(ctx.t("import.checking", filename=filename))
        try:
            remote = await ctx.context.bot.get_file(document.file_id)
            data = bytes(await remote.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not download %s: %s", filename, exc)
            await ctx.reply(ctx.t("import.refused", reason=ctx.t("import.refusal.download")))
            return
        outcome = await import_households(ctx.db, data, filename, today(ctx), ctx.now,
                                          by=ctx.user_id)
        await ctx.reply(join_within(describe(ctx.t, outcome)))
        if outcome.stored is None:
            await ctx.reply(ctx.t("import.again"))
            return
        await flows.clear(ctx.db, ctx.user_id)

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """No buttons of its own."""
        await ctx.answer(ctx.t("log.stale"), alert=True)


