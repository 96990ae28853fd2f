"""/aid and /funds: record aid given to a household; coordinators keep the funds.

household → kind → amount (→ "really?" above a million) → goods and quantity (in kind) → fund
→ purpose → date → note → summary with Confirm. Every step is stored; every press is checked
again against the presser's role and right to the household.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from telegram.ext import Application, CallbackQueryHandler

from bot.domain.access import Action
from bot.domain.aid import (
    DESCRIPTION_MAX,
    QUANTITY_MAX,
    AidKind,
    AmountProblem,
    Purpose,
    format_yuan,
    needs_confirmation,
    parse_amount,
    parse_quantity,
)
from bot.domain.households import NOTE_MAX, check_contact_day, clean, parse_day
from bot.domain.people import Role
from bot.domain.reports import Report
from bot.services import aid as ledger
from bot.services.aid import Correction, Refusal
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.household_ui import (
    StaleAnswer,
    arg_int,
    buttons,
    is_coordinator,
    join_within,
    may,
    pairs,
    short,
    today,
)
from storage import flows, households, pairings, reports
from storage.aid import Aid, NewAid
from storage.flows import FlowState

NAME, PREFIX = "aid", "ad"
ENTRY_PREFIX = "ax"  # ax:del|fix:<aid id>  delete or redo one's own entry (24 hours)
FUNDS_PREFIX = "fu"  # fu:add:0, fu:ret|yes|no:<fund id>  coordinators keep the funds
FUND_FLOW, FUND_FLOW_PREFIX = "fund", "fn"
(HOUSEHOLD, KIND, AMOUNT, BIG, DESCRIPTION, QUANTITY, FUND, PURPOSE, DAY, NOTE,
 CONFIRM) = ("household", "kind", "amount", "big", "description", "quantity", "fund",
             "purpose", "day", "note", "confirm")
BUTTONS_MAX = 8


def _case_name(ctx: Ctx, case: Report) -> str:
    """How a case is named in the aid flow: its reference and category."""
    return ctx.t("aid.case_name", ref=case.ref,
                 category=ctx.t(f"report.category.{case.category}"))


def _yuan(fen: object) -> str:
    return format_yuan(int(fen)) if isinstance(fen, int) else ""


@dataclass
class AidFlow(StaleAnswer):
    """The /aid conversation, kept in the flows table."""

    name: str = NAME
    prefix: str = PREFIX

    async def start(self, ctx: Ctx) -> None:
        """Begin recording aid (or resume the entry in progress)."""
        state = await flows.get(ctx.db, ctx.user_id)
        if state is not None and state.name == NAME:
            await ctx.reply(ctx.t("aid.resume"))
            await self.ask(ctx, state)
            return
        mine = {m.household_id for m in await pairings.for_worker(ctx.db, ctx.user_id)}
        cases = await ledger.held_cases(ctx.services, ctx.user_id)
        if not mine and not cases and not is_coordinator(ctx):
            await ctx.reply(ctx.t("aid.no_households"))
            return
        await ctx.reply(ctx.t("aid.intro"))
        if len(mine) == 1 and not cases and not is_coordinator(ctx):
            await self._choose(ctx, {}, next(iter(mine)))
            return
        await self.ask(ctx, await self._save(ctx, HOUSEHOLD, {}))

    async def redo(self, ctx: Ctx, entry: Aid) -> None:
        """Record the entry again from its kind on; saving replaces the old one."""
        data: dict[str, Any] = {"replaces": entry.id}
        if entry.report_id is not None:
            case = await reports.get(ctx.db, entry.report_id)
            data.update(rid=entry.report_id, name=_case_name(ctx, case) if case else "")
        else:
            found = await households.get(ctx.db, entry.household_id or 0)
            data.update(hid=entry.household_id, name=found.name if found else "")
        await self.ask(ctx, await self._save(ctx, KIND, data))

    async def _choose_case(self, ctx: Ctx, data: dict[str, Any], report_id: int) -> None:
        case = await ledger.may_record_case(ctx.services, ctx.user_id, is_coordinator(ctx),
                                            report_id)
        if case is None:
            await ctx.answer(ctx.t("aid.not_your_case"), alert=True)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        data.pop("hid", None)
        data.update(rid=case.id, name=_case_name(ctx, case))
        await self.ask(ctx, await self._save(ctx, KIND, data))

    async def _choose(self, ctx: Ctx, data: dict[str, Any], household_id: int) -> None:
        found = await households.get(ctx.db, household_id)
        if found is None or not await ledger.may_record(ctx.services, ctx.user_id,
                                                        is_coordinator(ctx), household_id):
            await ctx.reply(ctx.t("aid.not_yours"))
            return
        data.update(hid=found.id, name=found.name)
        await self.ask(ctx, await self._save(ctx, KIND, data))

    async def _save(self, ctx: Ctx, step: str, data: dict[str, Any]) -> FlowState:
        return await ctx.save_flow(NAME, step, data)

    # -- questions ------------------------------------------------------------------------

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the current step."""
        data, step = state.data, state.step
        if step == HOUSEHOLD:
            mine = await pairings.for_worker(ctx.db, ctx.user_id)
            unique = list({m.household_id: m for m in mine}.values())
            items = [(short(m.name), f"{PREFIX}:h:{m.household_id}")
                     for m in unique[:BUTTONS_MAX]]
            cases = [[(ctx.t("aid.button.case", ref=r.ref,
                             category=ctx.t(f"report.category.{r.category}")),
                       f"{PREFIX}:c:{r.id}")]
                     for r in (await ledger.held_cases(ctx.services, ctx.user_id))[:BUTTONS_MAX]]
            key = "aid.ask_household" if items or cases else "aid.ask_household_search"
            rows = [*pairs(items), *cases]
            await ctx.reply(ctx.t(key), buttons(rows) if rows else None)
        elif step == KIND:
            items = [(ctx.t(f"aid.kind.{k.value}"), f"{PREFIX}:k:{k.value}") for k in AidKind]
            await ctx.reply(ctx.t("aid.ask_kind", name=data.get("name", "")),
                            buttons([[item] for item in items]))
        elif step == AMOUNT:
            await ctx.reply(ctx.t("aid.ask_amount"))
        elif step == BIG:
            await ctx.reply(ctx.t("aid.ask_big", amount=_yuan(data.get("fen"))), buttons([[
                (ctx.t("aid.button.big_yes"), f"{PREFIX}:big:y"),
                (ctx.t("aid.button.big_no"), f"{PREFIX}:big:n")]]))
        elif step == DESCRIPTION:
            await ctx.reply(ctx.t("aid.ask_description"))
        elif step == QUANTITY:
            await ctx.reply(ctx.t("aid.ask_quantity"))
        elif step == FUND:
            await self._ask_fund(ctx)
        elif step == PURPOSE:
            items = [(ctx.t(f"aid.purpose.{p.value}"), f"{PREFIX}:p:{p.value}") for p in Purpose]
            await ctx.reply(ctx.t("aid.ask_purpose"), buttons(pairs(items, 3)))
        elif step == DAY:
            await ctx.reply(ctx.t("aid.ask_day"), buttons([[
                (ctx.t("aid.button.today"), f"{PREFIX}:d:0"),
                (ctx.t("aid.button.yesterday"), f"{PREFIX}:d:1")]]))
        elif step == NOTE:
            await ctx.reply(ctx.t("aid.ask_note"),
                            buttons([[(ctx.t("aid.button.skip"), f"{PREFIX}:skip")]]))
        elif step == CONFIRM:
            await ctx.reply(self._summary(ctx, data), buttons([[
                (ctx.t("aid.button.confirm"), f"{PREFIX}:ok"),
                (ctx.t("aid.button.cancel"), f"{PREFIX}:no")]]))

    async def _ask_fund(self, ctx: Ctx) -> None:
        funds = await ledger.active_funds(ctx.services)
        if not funds:
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("aid.problem.no_funds"))
            return
        items = [(short(f.name, 20), f"{PREFIX}:f:{f.id}") for f in funds]
        await ctx.reply(ctx.t("aid.ask_fund"), buttons([[item] for item in items]))

    def _summary(self, ctx: Ctx, data: dict[str, Any]) -> str:
        lines = [ctx.t("aid.summary_title"),
                 ctx.t("aid.summary_household", name=data.get("name", "")),
                 ctx.t("aid.summary_kind", kind=ctx.t(f"aid.kind.{data.get('kind')}")),
                 ctx.t("aid.summary_amount", amount=_yuan(data.get("fen")))]
        if data.get("kind") == AidKind.IN_KIND.value:
            lines.append(ctx.t("aid.summary_goods", description=data.get("desc", ""),
                               quantity=data.get("qty", "")))
        lines += [ctx.t("aid.summary_fund", fund=data.get("fund_name", "")),
                  ctx.t("aid.summary_purpose",
                        purpose=ctx.t(f"aid.purpose.{data.get('purpose')}")),
                  ctx.t("aid.summary_day", day=data.get("day", ""))]
        if data.get("note"):
            lines.append(ctx.t("aid.summary_note", note=data["note"]))
        return "\n".join(lines)

    # -- typed answers --------------------------------------------------------------------

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take a typed answer at the current step; anything else is answered with what fits."""
        text = clean(ctx.message.text if ctx.message else None)
        data, step = dict(state.data), state.step
        if not text:
            await self._expect(ctx, state)
        elif step == HOUSEHOLD:
            await self._search(ctx, data, text)
        elif step == AMOUNT:
            await self._take_amount(ctx, data, text)
        elif step == DESCRIPTION:
            if len(text) > DESCRIPTION_MAX:
                await ctx.reply(ctx.t("aid.problem.description_long", max=DESCRIPTION_MAX))
                return
            data["desc"] = text
            await self.ask(ctx, await self._save(ctx, QUANTITY, data))
        elif step == QUANTITY:
            quantity = parse_quantity(text)
            if quantity is None:
                await self._expect(ctx, state)
                return
            data["qty"] = quantity
            await self.ask(ctx, await self._save(ctx, FUND, data))
        elif step == DAY:
            day = parse_day(text, today(ctx))
            if day is None:
                await self._expect(ctx, state)
                return
            await self._take_day(ctx, data, day)
        elif step == NOTE:
            if len(text) > NOTE_MAX:
                await ctx.reply(ctx.t("aid.problem.note_long", max=NOTE_MAX))
                return
            data["note"] = text
            await self.ask(ctx, await self._save(ctx, CONFIRM, data))
        else:
            await self._expect(ctx, state)

    async def _expect(self, ctx: Ctx, state: FlowState) -> None:
        key = f"aid.expect.{state.step}"
        if ctx.services.catalog.has(key):
            await ctx.reply(ctx.t(key, max=QUANTITY_MAX))
        else:  # a free-text step answered with a sticker or photo: ask again
            await self.ask(ctx, state)

    async def _search(self, ctx: Ctx, data: dict[str, Any], text: str) -> None:
        worker = None if is_coordinator(ctx) else ctx.user_id
        found = await households.search(ctx.db, text[:40], BUTTONS_MAX, worker_id=worker)
        if not found:
            await ctx.reply(ctx.t("aid.problem.search_none", query=text[:40]))
            return
        if len(found) == 1:
            await self._choose(ctx, data, found[0].id)
            return
        items = [(short(h.name), f"{PREFIX}:h:{h.id}") for h in found]
        await ctx.reply(ctx.t("aid.ask_household"), buttons(pairs(items)))

    async def _take_amount(self, ctx: Ctx, data: dict[str, Any], text: str) -> None:
        fen = parse_amount(text)
        if isinstance(fen, AmountProblem):
            await ctx.reply(ctx.t(f"aid.problem.{fen.value}"))
            return
        data["fen"] = fen
        if needs_confirmation(fen):
            await self.ask(ctx, await self._save(ctx, BIG, data))
            return
        await self._after_amount(ctx, data)

    async def _after_amount(self, ctx: Ctx, data: dict[str, Any]) -> None:
        goods = data.get("kind") == AidKind.IN_KIND.value
        await self.ask(ctx, await self._save(ctx, DESCRIPTION if goods else FUND, data))

    async def _take_day(self, ctx: Ctx, data: dict[str, Any], day: date) -> None:
        problem = check_contact_day(day, today(ctx))
        if problem is not None:
            await ctx.reply(ctx.t(f"aid.problem.{problem}"))
            return
        data["day"] = day.isoformat()
        await self.ask(ctx, await self._save(ctx, NOTE, data))

    # -- buttons --------------------------------------------------------------------------

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Take a button at the current step; another step's button is stale."""
        action, arg = [*parts, "", ""][:2]
        if not await self._button(ctx, state.step, dict(state.data), action, arg):
            await ctx.answer(ctx.t("aid.stale"), alert=True)

    async def _button(self, ctx: Ctx, step: str, data: dict[str, Any], action: str,
                      arg: str) -> bool:
        async def done() -> None:
            await ctx.answer()
            await ctx.drop_keyboard()

        if step == HOUSEHOLD and action == "h" and arg.isdigit() and len(arg) < 12:
            if not await ledger.may_record(ctx.services, ctx.user_id, is_coordinator(ctx),
                                           int(arg)):
                await ctx.answer(ctx.t("aid.not_yours"), alert=True)
                return True
            await done()
            await self._choose(ctx, data, int(arg))
        elif step == HOUSEHOLD and action == "c" and arg.isdigit() and len(arg) < 12:
            await self._choose_case(ctx, data, int(arg))
        elif step == KIND and action == "k" and arg in {k.value for k in AidKind}:
            await done()
            data["kind"] = arg
            await self.ask(ctx, await self._save(ctx, AMOUNT, data))
        elif step == BIG and action == "big" and arg in ("y", "n"):
            await done()
            if arg == "y":
                await self._after_amount(ctx, data)
            else:
                data.pop("fen", None)
                await self.ask(ctx, await self._save(ctx, AMOUNT, data))
        elif step == FUND and action == "f" and arg.isdigit() and len(arg) < 12:
            await self._take_fund(ctx, data, int(arg))
        elif step == PURPOSE and action == "p" and arg in {p.value for p in Purpose}:
            await done()
            data["purpose"] = arg
            await self.ask(ctx, await self._save(ctx, DAY, data))
        elif step == DAY and action == "d" and arg in ("0", "1"):
            await done()
            await self._take_day(ctx, data, today(ctx) - timedelta(days=int(arg)))
        elif step == NOTE and action == "skip":
            await done()
            await self.ask(ctx, await self._save(ctx, CONFIRM, data))
        elif step == CONFIRM and action in ("ok", "no"):
            await done()
            if action == "ok":
                await self._submit(ctx, data)
            else:
                await flows.clear(ctx.db, ctx.user_id)
                await ctx.reply(ctx.t("aid.cancelled"))
        else:
            return False
        return True

    async def _take_fund(self, ctx: Ctx, data: dict[str, Any], fund_id: int) -> None:
        found = await ledger.fund(ctx.services, fund_id)
        if found is None or found.retired:
            await ctx.answer(ctx.t("aid.problem.fund_retired"), alert=True)
            await ctx.drop_keyboard()
            await self._ask_fund(ctx)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        data.update(fund=found.id, fund_name=found.name)
        await self.ask(ctx, await self._save(ctx, PURPOSE, data))

    # -- saving ---------------------------------------------------------------------------

    async def _submit(self, ctx: Ctx, data: dict[str, Any]) -> None:
        """Save through the use case (which checks everything again), then offer a correction."""
        try:
            new = NewAid(
                household_id=int(data["hid"]) if data.get("hid") else None,
                report_id=int(data["rid"]) if data.get("rid") else None, worker_id=ctx.user_id,
                kind=AidKind(str(data["kind"])), amount_fen=int(data["fen"]),
                fund_id=int(data["fund"]), purpose=Purpose(str(data["purpose"])),
                day=date.fromisoformat(str(data["day"])), description=str(data.get("desc") or ""),
                quantity=int(data["qty"]) if data.get("qty") else None,
                note=str(data.get("note") or ""))
        except (KeyError, ValueError, TypeError):
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("aid.problem.bad_amount"))
            return
        replaces = int(data["replaces"]) if str(data.get("replaces", "")).isdigit() else None
        saved = await ledger.record(ctx.services, new, is_coordinator(ctx), replaces)
        if saved is Refusal.FUND_RETIRED:
            await ctx.reply(ctx.t("aid.problem.fund_retired"))
            await self.ask(ctx, await self._save(ctx, FUND, data))
            return
        await flows.clear(ctx.db, ctx.user_id)
        if isinstance(saved, Refusal):
            await ctx.reply(ctx.t(f"aid.{saved.value}" if saved is Refusal.NOT_YOURS
                                  else f"aid.problem.{saved.value}"))
            return
        lines = [ctx.t("aid.saved", name=data.get("name", ""), day=saved.day.isoformat(),
                       kind=ctx.t(f"aid.kind.{saved.kind.value}"),
                       amount=format_yuan(saved.amount_fen), fund=saved.fund_name)]
        if replaces is not None:
            lines.append(ctx.t("aid.replaced"))
        lines.append(ctx.t("aid.correct_hint"))
        await ctx.reply("\n".join(lines), buttons([[
            (ctx.t("aid.button.redo"), f"{ENTRY_PREFIX}:fix:{saved.id}"),
            (ctx.t("aid.button.delete"), f"{ENTRY_PREFIX}:del:{saved.id}")]]))


class EntryButtons:
    """ax:del:<id> and ax:fix:<id>: the recorder deletes or redoes their own entry (24 h)."""

    def __init__(self, aid_flow: AidFlow) -> None:
        self.aid_flow = aid_flow

    async def on_button(self, ctx: Ctx) -> None:
        """Only the person who recorded it, only within 24 hours, only while still staff."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        action = parts[1] if len(parts) > 1 else ""
        aid_id = arg_int(parts, 2)
        if aid_id is None or action not in ("del", "fix") or not ctx.role.is_staff:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        outcome, entry = await ledger.own_entry(ctx.services, ctx.user_id, aid_id)
        if outcome is Correction.TOO_LATE:
            await ctx.answer(ctx.t("aid.too_late"), alert=True)
            return
        if outcome is not Correction.OK or entry is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if action == "fix":
            current = await flows.get(ctx.db, ctx.user_id)
            if current is not None:
                await ctx.answer(ctx.t("aid.busy"), alert=True)
                return
            await ctx.answer()
            await ctx.drop_keyboard()
            await self.aid_flow.redo(ctx, entry)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        result = await ledger.delete_own(ctx.services, ctx.user_id, aid_id)
        await ctx.reply(ctx.t("aid.deleted" if result is Correction.OK else "aid.too_late"))


# -- /funds ------------------------------------------------------------------------------------


@dataclass
class FundFlow(StaleAnswer):
    """A coordinator types the name of a new fund."""

    name: str = FUND_FLOW
    prefix: str = FUND_FLOW_PREFIX

    async def start(self, ctx: Ctx) -> None:
        """Ask for the name."""
        await self.ask(ctx, await ctx.save_flow(FUND_FLOW, "name", {}))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask for the name."""
        await ctx.reply(ctx.t("funds.ask_name"))

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Add the fund, checking the role again."""
        text = clean(ctx.message.text if ctx.message else None)
        added = await ledger.add_fund(ctx.services, ctx.user_id, is_coordinator(ctx), text)
        if added == "not_allowed":
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return
        if isinstance(added, str):
            from bot.domain.aid import FUND_NAME_MAX

            await ctx.reply(ctx.t(f"funds.{added}", max=FUND_NAME_MAX, name=text[:40]))
            return
        await flows.clear(ctx.db, ctx.user_id)
        await ctx.reply(ctx.t("funds.added", name=added.name))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """The flow has no buttons of its own."""
        await ctx.answer(ctx.t("aid.stale"), alert=True)


class FundsView:
    """/funds: each fund's aid this year and households reached; add and retire buttons."""

    def __init__(self, fund_flow: FundFlow) -> None:
        self.fund_flow = fund_flow

    async def show(self, ctx: Ctx) -> None:
        """The funds with this year's totals."""
        day = today(ctx)
        totals = await ledger.year_by_fund(ctx.services, day)
        overall = await ledger.year_overall(ctx.services, day)
        retired = {f.id for f in await ledger.all_funds(ctx.services) if f.retired}
        lines = [ctx.t("funds.title", year=day.year, amount=format_yuan(overall.amount_fen),
                       households=overall.households)]
        rows: list[list[tuple[str, str]]] = []
        for total in totals:
            is_retired = int(total.key) in retired
            lines.append(ctx.t("funds.retired_line" if is_retired else "funds.line",
                               name=total.name, amount=format_yuan(total.amount_fen),
                               households=total.households))
            if not is_retired:
                rows.append([(ctx.t("funds.button.retire", name=short(total.name, 20)),
                              f"{FUNDS_PREFIX}:ret:{total.key}")])
        rows.insert(0, [(ctx.t("funds.button.add"), f"{FUNDS_PREFIX}:add:0")])
        # Whole lines are dropped, never cut: a cut line could split an escaped name.
        await ctx.reply(join_within(lines), buttons(rows[:40]))

    async def on_button(self, ctx: Ctx) -> None:
        """fu:add:0, fu:ret|yes|no:<fund>: coordinators only, checked at every press."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        action = parts[1] if len(parts) > 1 else ""
        fund_id = arg_int(parts, 2)
        if not await may(ctx, Action.FUND_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        if fund_id is None or action not in ("add", "ret", "yes", "no"):
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        if action == "add":
            if await flows.get(ctx.db, ctx.user_id) is not None:
                await ctx.reply(ctx.t("aid.busy"))
                return
            await self.fund_flow.start(ctx)
            return
        found = await ledger.fund(ctx.services, fund_id)
        if found is None or found.retired:
            await ctx.reply(ctx.t("funds.gone"))
            return
        if action == "ret":
            await ctx.reply(ctx.t("funds.confirm_retire", name=found.name), buttons([[
                (ctx.t("funds.button.yes"), f"{FUNDS_PREFIX}:yes:{found.id}"),
                (ctx.t("funds.button.no"), f"{FUNDS_PREFIX}:no:{found.id}")]]))
            return
        await ctx.drop_keyboard()
        if action == "no":
            await ctx.reply(ctx.t("funds.kept"))
            return
        retired = await ledger.retire_fund(ctx.services, ctx.user_id, is_coordinator(ctx),
                                            found.id)
        await ctx.reply(ctx.t("funds.retired", name=found.name) if retired
                        else ctx.t("funds.gone"))


# -- registration ------------------------------------------------------------------------------


class AidFeature:
    """Registers /aid, /funds, their flows and buttons."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, flows and button handlers."""
        aid_flow = AidFlow()
        fund_flow = FundFlow()
        funds_view = FundsView(fund_flow)
        entry_buttons = EntryButtons(aid_flow)
        table.add(Command("aid", Role.WORKER, aid_flow.start, order=33))
        table.add(Command("funds", Role.COORDINATOR, funds_view.show, order=62))
        flow_registry.add(aid_flow)
        flow_registry.add(fund_flow)
        app.add_handler(CallbackQueryHandler(handler(entry_buttons.on_button),
                                             pattern=f"^{ENTRY_PREFIX}:"))
        app.add_handler(CallbackQueryHandler(handler(funds_view.on_button),
                                             pattern=f"^{FUNDS_PREFIX}:"))
