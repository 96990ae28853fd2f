"""/programs: coordinators see the programs and define new ones, as data."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.ext import Application

from bot.callbacks import SEPARATOR
from bot.domain.cadence import ContactKind, Program
from bot.domain.paging import page_of
from bot.domain.people import Role
from bot.domain.programs import (
    NAME_MAX,
    OBLIGED_KINDS,
    build,
    next_period,
    rules_of,
    selection_of,
)
from bot.i18n import Html
from bot.services import program_limits
from bot.services import programs as use
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx
from bot.telegram.flowkit import CODEC, Choice, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_ui import program_label
from bot.telegram.keyboards import buttons, page_line, page_rows
from bot.telegram.program_limits import limit_button, limit_line
from storage.flows import FlowState

NAME = "programs"
NAME_STEP, RULES_STEP = "name", "rules"

PG = CODEC.prefix("pg", "/programs")
NEW = PG.button("new")  # also outside the flow: it starts it
CYCLE = PG.button("cyc", Choice(OBLIGED_KINDS))  # steps one kind's period
SAVE = PG.button("save")
CANCEL = PG.button("cancel")
PAGE = PG.button("pg", Int(4))  # another page of the programmes (also outside the flow)


def describe(ctx: Ctx, program: Program) -> str:
    """One line per program: its name and what it owes."""
    chosen = selection_of(program)
    parts = [ctx.t("programs.rule", kind=ctx.t(f"kind.{kind}"),
                   period=ctx.t(f"programs.every.{period}"))
             for kind, period in chosen.items() if period]
    # `parts` are catalog texts with their values already escaped.
    return ctx.t("programs.line", name=program_label(ctx, program.name),
                 rules=Html(ctx.t("programs.separator").join(parts)))


@dataclass
class ProgramDraft:
    """The new programme so far (keys as stored by earlier releases)."""

    name: str = ""
    rules: dict[str, str | None] = field(default_factory=dict)  # kind → period owed


class ProgramFlow(StepFlow[ProgramDraft]):
    """Name the program, then tap each kind until it shows the period owed, then save."""

    role = Role.COORDINATOR

    name = NAME
    callbacks = PG
    data_type = ProgramDraft
    stale_key = "error.stale_button"

    def __init__(self) -> None:
        self.steps = Steps({
            NAME_STEP: Step(self._ask_name, self._typed_name, (
                on(NEW, self._new, keep=True), on(PAGE, self._turn, keep=True))),
            RULES_STEP: Step(self._ask_rules, buttons=(
                on(NEW, self._new, keep=True), on(CYCLE, self._cycle, keep=True),
                on(SAVE, self._save, keep=True), on(CANCEL, self._cancel, keep=True),
                on(PAGE, self._turn, keep=True))),
        })

    async def show(self, ctx: Ctx, number: int = 0, *, edit: bool = False) -> None:
        """Show the programs, a page at a time (page `number`), and offer to define a new
        one."""
        lines = [ctx.t("programs.title")]
        found = page_of(await use.listed(ctx.services), number)
        limited = await program_limits.limits(ctx.services)
        for program in found.items:
            lines += [describe(ctx, program), limit_line(ctx, limited.get(program.id, ()))]
        lines += page_line(ctx.t, found)
        markup = buttons([[(ctx.t("programs.button.new"), NEW.data())],
                          *([limit_button(ctx, p.id, p.name)] for p in found.items),
                          *page_rows(ctx.t, found, PAGE.data)])
        if edit:
            await ctx.edit_or_reply("\n".join(lines), markup)
        else:
            await ctx.reply("\n".join(lines), markup)

    async def start(self, ctx: Ctx) -> None:
        """Begin defining a program: ask its name."""
        if await self.busy(ctx, this_too=True):
            return
        await self.goto(ctx, NAME_STEP, ProgramDraft())

    async def expect(self, ctx: Ctx, step: str) -> None:
        """The name again at the name step; the buttons at the rules step."""
        await ctx.reply(ctx.t("programs.ask.name", max=NAME_MAX) if step == NAME_STEP
                        else ctx.t("programs.expect.rules"))

    async def _ask_name(self, ctx: Ctx, draft: ProgramDraft) -> None:
        await ctx.reply(ctx.t("programs.ask.name", max=NAME_MAX))

    async def _ask_rules(self, ctx: Ctx, draft: ProgramDraft) -> None:
        await ctx.reply(self._rules_text(ctx, draft), self._rules_markup(ctx, draft))

    def _rules_text(self, ctx: Ctx, draft: ProgramDraft) -> str:
        return ctx.t("programs.ask.rules", name=draft.name)

    def _rules_markup(self, ctx: Ctx, draft: ProgramDraft) -> InlineKeyboardMarkup:
        rows = [[InlineKeyboardButton(
            ctx.t("programs.rule", kind=ctx.t(f"kind.{kind}"),
                  period=ctx.t(f"programs.every.{draft.rules.get(kind.value) or 'none'}")),
            callback_data=CYCLE.data(kind))] for kind in OBLIGED_KINDS]
        rows.append([InlineKeyboardButton(ctx.t("programs.button.save"),
                                          callback_data=SAVE.data()),
                     InlineKeyboardButton(ctx.t("programs.button.cancel"),
                                          callback_data=CANCEL.data())])
        return InlineKeyboardMarkup(rows)

    async def _typed_name(self, ctx: Ctx, draft: ProgramDraft, message: Message) -> bool:
        """Take the program's name (not one already in use)."""
        text = (message.text or "").strip()
        if not text or len(text) > NAME_MAX:
            return False
        known = await use.listed(ctx.services)
        if any(text in (p.name, program_label(ctx, p.name)) for p in known):
            await ctx.reply(ctx.t("programs.name_taken", name=text))
            return True
        draft = ProgramDraft(text, {kind.value: None for kind in OBLIGED_KINDS})
        await self.goto(ctx, RULES_STEP, draft)
        return True

    # -- buttons: the role is checked at every press ----------------------------------------

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Step a kind's period, save, cancel, or start again (coordinators only)."""
        if await self._coordinator(ctx):
            await super().on_button(ctx, state, parts)

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """The "new program" button starts the flow, the page buttons turn the list; other
        old buttons are stale."""
        if parts == [NEW.action]:
            if await self._coordinator(ctx):
                await ctx.answer()
                await self.start(ctx)
            return
        if (page := PAGE.parse(SEPARATOR.join([self.prefix, *parts]))) is not None:
            if await self._coordinator(ctx):
                await ctx.answer()
                await self.show(ctx, page[0], edit=True)
            return
        await ctx.answer(ctx.t(self.stale_key), alert=True)

    async def _turn(self, ctx: Ctx, draft: ProgramDraft, number: int) -> Refused | None:
        """Another page of the programmes, in the list's message (the flow stays as it is)."""
        await self.show(ctx, number, edit=True)
        return None

    async def _new(self, ctx: Ctx, draft: ProgramDraft) -> Refused | None:
        await self.start(ctx)
        return None

    async def _cycle(self, ctx: Ctx, draft: ProgramDraft, kind: ContactKind) -> Refused | None:
        draft.rules[kind.value] = next_period(draft.rules.get(kind.value))
        await self.save(ctx, RULES_STEP, draft)
        await ctx.edit_or_reply(self._rules_text(ctx, draft), self._rules_markup(ctx, draft))
        return None

    async def _save(self, ctx: Ctx, draft: ProgramDraft) -> Refused | None:
        try:
            build(draft.name, draft.rules)
        except ValueError:
            return Refused("programs.need_rule")
        program = await use.add(ctx.services, ctx.user_id, draft.name, rules_of(draft.rules),
                                ctx.now)
        await self.end(ctx)
        await ctx.edit_or_reply(ctx.t("programs.saved", line=Html(describe(ctx, program))))
        return None

    async def _cancel(self, ctx: Ctx, draft: ProgramDraft) -> Refused | None:
        await self.end(ctx)
        await ctx.edit_or_reply(ctx.t("programs.cancelled"))
        return None

    async def _coordinator(self, ctx: Ctx) -> bool:
        """Every press re-checks the role: a coordinator removed from config is refused."""
        if ctx.role is Role.COORDINATOR:
            return True
        await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
        return False


class ProgramsFeature:
    """Registers /programs and its flow."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the command, the flow (its buttons start with `pg:`)."""
        flow = ProgramFlow()
        table.add(Command("programs", Role.COORDINATOR, flow.show, order=62))
        flow_registry.add(flow)
