"""/import in chat: a coordinator sends a roster (CSV or XLSX); it is checked and summarised
(a dry run), and stored whole only when they confirm."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import Message
from telegram.error import TelegramError

from bot.domain.access import Action
from bot.importing import Outcome, check_households, describe, refusal_text, store
from bot.importing.households import MAX_BYTES, HouseholdFile
from bot.telegram.context import Ctx
from bot.telegram.household_ui import (
    StaleAnswer,
    arg_int,
    buttons,
    join_within,
    may,
    short,
    today,
)
from storage import flows
from storage.flows import FlowState

log = logging.getLogger(__name__)

STEP_FILE, STEP_SHEET, STEP_CONFIRM = "file", "sheet", "confirm"
SHEET_BUTTON_SIZE = 30


def _signature(checked: HouseholdFile) -> list[int]:
    """What the person confirmed: the counts of the dry run (a change asks again)."""
    return [checked.to_create, checked.to_update, checked.with_worker, len(checked.rows)]


# -- /import in chat ---------------------------------------------------------------------------


@dataclass
class ImportFlow(StaleAnswer):
    """/import: the coordinator sends a roster; it is checked, summarised, then stored whole."""

    name: str = "import"
    prefix: str = "im"

    async def start(self, ctx: Ctx) -> None:
        """Ask for the file."""
        await ctx.save_flow(self.name, STEP_FILE, {})
        await ctx.reply(ctx.t("import.ask"))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask for the file again."""
        await ctx.reply(ctx.t("import.ask"))

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Check an uploaded file and show what it would import (nothing is stored yet)."""
        message: Message | None = ctx.message
        document = message.document if message else None
        if document is None:
            await ctx.reply(ctx.t("import.expect"))
            return
        if not await may(ctx, Action.HOUSEHOLD_MANAGE):
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
        await self._check(ctx, {"file": document.file_id, "filename": filename})

    async def _download(self, ctx: Ctx, file_id: str) -> bytes | None:
        try:
            remote = await ctx.context.bot.get_file(file_id)
            return bytes(await remote.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not download an import file: %s", exc)
            await ctx.reply(ctx.t("import.refused", reason=ctx.t("import.refusal.download")))
            return None

    async def _check(self, ctx: Ctx, data: dict[str, Any]) -> None:
        """Download and check the file; offer its sheets, list its errors, or ask to confirm."""
        content = await self._download(ctx, str(data["file"]))
        if content is None:
            return
        sheet = data.get("sheet")
        outcome = await check_households(ctx.db, content, str(data["filename"]), today(ctx),
                                         sheet=str(sheet) if sheet is not None else None)
        await self._show(ctx, data, outcome)

    async def _show(self, ctx: Ctx, data: dict[str, Any], outcome: Outcome) -> None:
        refusal = outcome.refusal
        if refusal is not None and refusal.code == "choose_sheet":
            listed = refusal.values.get("sheets")
            sheets = [str(s) for s in listed] if isinstance(listed, list) else []
            await ctx.save_flow(self.name, STEP_SHEET, {**data, "sheets": sheets})
            rows = [[(short(name, SHEET_BUTTON_SIZE), f"{self.prefix}:sh:{index}")]
                    for index, name in enumerate(sheets)]
            await ctx.reply(ctx.t("import.refused", reason=refusal_text(ctx.t, refusal)))
            await ctx.reply(ctx.t("import.choose_sheet"), buttons(rows))
            return
        await ctx.reply(join_within(describe(ctx.t, outcome)))
        checked = outcome.checked
        if checked is None or checked.errors:
            await ctx.save_flow(self.name, STEP_FILE, {})
            await ctx.reply(ctx.t("import.again"))
            return
        await ctx.save_flow(self.name, STEP_CONFIRM, {**data, "counts": _signature(checked)})
        await ctx.reply(ctx.t("import.confirm_ask"), buttons([[
            (ctx.t("import.confirm"), f"{self.prefix}:ok"),
            (ctx.t("import.cancel"), f"{self.prefix}:no")]]))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """A sheet chosen, or the dry run confirmed or dropped (coordinators only)."""
        action = parts[0] if parts else ""
        if not await may(ctx, Action.HOUSEHOLD_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        data = dict(state.data)
        if state.step == STEP_SHEET and action == "sh":
            sheets = [str(s) for s in data.get("sheets", [])]
            index = arg_int(parts, 1)
            if index is None or index >= len(sheets):
                await ctx.answer(ctx.t("log.stale"), alert=True)
                return
            await self._pressed(ctx)
            await ctx.reply(ctx.t("import.sheet_chosen", sheet=sheets[index]))
            data.pop("sheets", None)
            await self._check(ctx, {**data, "sheet": sheets[index]})
        elif state.step == STEP_CONFIRM and action == "ok":
            await self._pressed(ctx)
            await self._confirm(ctx, data)
        elif state.step == STEP_CONFIRM and action == "no":
            await self._pressed(ctx)
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("flow.import.cancelled"))
        else:
            await ctx.answer(ctx.t("log.stale"), alert=True)

    async def _pressed(self, ctx: Ctx) -> None:
        await ctx.answer()
        await ctx.drop_keyboard()

    async def _confirm(self, ctx: Ctx, data: dict[str, Any]) -> None:
        """Check the file once more and store it, unless what it would do has changed."""
        content = await self._download(ctx, str(data["file"]))
        if content is None:
            return
        sheet = data.get("sheet")
        outcome = await check_households(ctx.db, content, str(data["filename"]), today(ctx),
                                         sheet=str(sheet) if sheet is not None else None)
        checked = outcome.checked
        if checked is None or checked.errors or _signature(checked) != data.get("counts"):
            await ctx.reply(ctx.t("import.changed"))
            await self._show(ctx, data, outcome)
            return
        stored = await store(ctx.db, checked, today(ctx), ctx.now, by=ctx.user_id)
        await flows.clear(ctx.db, ctx.user_id)
        await ctx.reply(join_within(describe(ctx.t, Outcome(checked=checked, stored=stored))))
