"""/import in chat: a coordinator sends a roster (CSV or XLSX); it is checked and summarised
(a dry run), and stored whole only when they confirm."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup, Message
from telegram.error import TelegramError

from bot.domain.access import Action
from bot.domain.paging import page_of
from bot.domain.people import Role
from bot.importing import Outcome, check_households, describe, refusal_text, store
from bot.importing.households import MAX_BYTES, HouseholdFile
from bot.telegram.context import Ctx
from bot.telegram.flowkit import CODEC, STALE, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.household_ui import buttons, join_within, may, short, today
from bot.telegram.keyboards import page_line, page_rows
from storage.flows import FlowState

log = logging.getLogger(__name__)

STEP_FILE, STEP_SHEET, STEP_CONFIRM = "file", "sheet", "confirm"
SHEET_BUTTON_SIZE = 30


def _signature(checked: HouseholdFile) -> list[int]:
    """What the person confirmed: the counts of the dry run (a change asks again)."""
    return [checked.to_create, checked.to_update, checked.with_worker, len(checked.rows)]


IM = CODEC.prefix("im", "/import")
SHEET = IM.button("sh", Int(3))  # the index of a sheet in the workbook
SHEETS_PAGE = IM.button("pg", Int(3))  # another page of the sheets
SHEETS_OFFERED = 1000  # the sheets a button can name (three digits)
CONFIRM, CANCEL = IM.button("ok"), IM.button("no")


@dataclass
class ImportDraft:
    """The file sent, the sheet chosen, and what its dry run would do (keys as stored by
    earlier releases)."""

    file: str = ""
    filename: str = ""
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)


# -- /import in chat ---------------------------------------------------------------------------


class ImportFlow(StepFlow[ImportDraft]):
    """/import: the coordinator sends a roster; it is checked, summarised, then stored whole."""

    role = Role.COORDINATOR

    name = "import"
    callbacks = IM
    data_type = ImportDraft

    def __init__(self) -> None:
        # A new file is taken at every step (it replaces the one being checked).
        self.steps = Steps({
            STEP_FILE: Step(self._ask_file, self._file),
            STEP_SHEET: Step(self._ask_file, self._file,
                             (on(SHEET, self._sheet), on(SHEETS_PAGE, self._turn, keep=True))),
            STEP_CONFIRM: Step(self._ask_file, self._file,
                               (on(CONFIRM, self._confirmed), on(CANCEL, self._cancelled))),
        })

    async def start(self, ctx: Ctx) -> None:
        """Ask for the file."""
        if await self.busy(ctx, this_too=True):
            return
        await self.goto(ctx, STEP_FILE, ImportDraft())

    async def expect(self, ctx: Ctx, step: str) -> None:
        """A spreadsheet is what every step takes."""
        await ctx.reply(ctx.t("import.expect"))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """A sheet chosen, or the dry run confirmed or dropped (coordinators only)."""
        if not await may(ctx, Action.HOUSEHOLD_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        await super().on_button(ctx, state, parts)

    async def _ask_file(self, ctx: Ctx, draft: ImportDraft) -> None:
        await ctx.reply(ctx.t("import.ask"))

    async def _file(self, ctx: Ctx, draft: ImportDraft, message: Message) -> bool:
        """Check an uploaded file and show what it would import (nothing is stored yet)."""
        document = message.document
        if document is None:
            return False
        if not await may(ctx, Action.HOUSEHOLD_MANAGE):
            await self.end(ctx)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return True
        filename = document.file_name or "upload"
        if document.file_size and document.file_size > MAX_BYTES:
            await ctx.reply(ctx.t("import.refused", reason=ctx.t(
                "import.refusal.too_big", max_mb=MAX_BYTES // (1024 * 1024))))
            await ctx.reply(ctx.t("import.again"))
            return True
        await ctx.reply(ctx.t("import.checking", filename=filename))
        await self._check(ctx, ImportDraft(file=document.file_id, filename=filename))
        return True

    async def _download(self, ctx: Ctx, file_id: str) -> bytes | None:
        try:
            remote = await ctx.context.bot.get_file(file_id)
            return bytes(await remote.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not download an import file: %s", exc)
            await ctx.reply(ctx.t("import.refused", reason=ctx.t("import.refusal.download")))
            return None

    async def _dry_run(self, ctx: Ctx, draft: ImportDraft) -> Outcome | None:
        content = await self._download(ctx, draft.file)
        if content is None:
            return None
        return await check_households(ctx.db, content, draft.filename, today(ctx),
                                      sheet=draft.sheet)

    async def _check(self, ctx: Ctx, draft: ImportDraft) -> None:
        """Download and check the file; offer its sheets, list its errors, or ask to confirm."""
        outcome = await self._dry_run(ctx, draft)
        if outcome is not None:
            await self._show(ctx, draft, outcome)

    async def _show(self, ctx: Ctx, draft: ImportDraft, outcome: Outcome) -> None:
        refusal = outcome.refusal
        if refusal is not None and refusal.code == "choose_sheet":
            listed = refusal.values.get("sheets")
            draft.sheets = [str(s) for s in listed] if isinstance(listed, list) else []
            await self.save(ctx, STEP_SHEET, draft)
            await ctx.reply(ctx.t("import.refused", reason=refusal_text(ctx.t, refusal)))
            await ctx.reply(*self._sheets_page(ctx, draft, 0))
            return
        await ctx.reply(join_within(describe(ctx.t, outcome)))
        checked = outcome.checked
        if checked is None or checked.errors:
            await self.save(ctx, STEP_FILE, ImportDraft())
            await ctx.reply(ctx.t("import.again"))
            return
        draft.counts = _signature(checked)
        await self.save(ctx, STEP_CONFIRM, draft)
        await ctx.reply(ctx.t("import.confirm_ask"), buttons([[
            (ctx.t("import.confirm"), CONFIRM.data()), (ctx.t("import.cancel"), CANCEL.data())]]))

    def _sheets_page(self, ctx: Ctx, draft: ImportDraft, number: int
                     ) -> tuple[str, InlineKeyboardMarkup]:
        """A page of the workbook's sheets to tap (one page for a usual workbook)."""
        found = page_of(list(enumerate(draft.sheets[:SHEETS_OFFERED])), number)
        rows = [[(short(name, SHEET_BUTTON_SIZE), SHEET.data(index))]
                for index, name in found.items]
        text = "\n".join([ctx.t("import.choose_sheet"), *page_line(ctx.t, found)])
        return text, buttons([*rows, *page_rows(ctx.t, found, SHEETS_PAGE.data)])

    async def _turn(self, ctx: Ctx, draft: ImportDraft, number: int) -> Refused | None:
        if not draft.sheets:
            return STALE
        await ctx.edit_or_reply(*self._sheets_page(ctx, draft, number))
        return None

    async def _sheet(self, ctx: Ctx, draft: ImportDraft, index: int) -> Refused | None:
        if index >= len(draft.sheets):
            return STALE
        await ctx.reply(ctx.t("import.sheet_chosen", sheet=draft.sheets[index]))
        draft.sheet, draft.sheets = draft.sheets[index], []
        await self._check(ctx, draft)
        return None

    async def _cancelled(self, ctx: Ctx, draft: ImportDraft) -> Refused | None:
        await self.end(ctx)
        await ctx.reply(ctx.t("flow.import.cancelled"))
        return None

    async def _confirmed(self, ctx: Ctx, draft: ImportDraft) -> Refused | None:
        """Check the file once more and store it, unless what it would do has changed."""
        outcome = await self._dry_run(ctx, draft)
        if outcome is None:
            return None
        checked = outcome.checked
        if checked is None or checked.errors or _signature(checked) != draft.counts:
            await ctx.reply(ctx.t("import.changed"))
            await self._show(ctx, draft, outcome)
            return None
        stored = await store(ctx.db, checked, today(ctx), ctx.now, by=ctx.user_id)
        await self.end(ctx)
        await ctx.reply(join_within(describe(ctx.t, Outcome(checked=checked, stored=stored))))
        return None
