"""/aid and /funds: record aid given to a household; coordinators keep the funds.

household (the worker's own and the cases they hold, a page at a time; or a typed part of a
name, every match a page at a time) → kind → amount (→ "really?" above 10,000 yuan) → goods and
quantity (in kind) → fund (a page at a time) → purpose → date → note → summary with Confirm.
Every step is stored; every press is checked again against the presser's role and right to
the household.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardMarkup, Message
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.access import Action
from bot.domain.aid import (
    DESCRIPTION_MAX,
    FUND_NAME_MAX,
    QUANTITY_MAX,
    AidKind,
    AmountProblem,
    Purpose,
    format_yuan,
    needs_confirmation,
    parse_amount,
    parse_quantity,
)
from bot.domain.households import NOTE_MAX, clean
from bot.domain.paging import MATCHES_MAX, page_of
from bot.domain.people import Role
from bot.domain.reports import Report
from bot.services import aid as ledger
from bot.services import households, my_households
from bot.services.aid import Aid, Correction, NewAid, Refusal
from bot.services.my_households import Matches
from bot.telegram import household_pages
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flowkit import CODEC, Choice, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.flowkit.answers import (
    TEXT_ONLY,
    TEXT_ONLY_OR_SKIP,
    day_button,
    day_step,
    number_step,
    text_step,
)
from bot.telegram.flowkit.own_entry import Found, OwnEntry
from bot.telegram.flows import FlowRegistry, start_unless_busy
from bot.telegram.household_ui import (
    buttons,
    is_coordinator,
    join_within,
    may,
    pairs,
    short,
    today,
)
from bot.telegram.keyboards import page_line, page_rows, picker

NAME = "aid"
FUND_FLOW = "fund"
(HOUSEHOLD, KIND, AMOUNT, BIG, DESCRIPTION, QUANTITY, FUND, PURPOSE, DAY, NOTE,
 CONFIRM) = ("household", "kind", "amount", "big", "description", "quantity", "fund",
             "purpose", "day", "note", "confirm")
FUND_NAME = "name"  # the fund flow's one step

AD = CODEC.prefix("ad", "the aid flow")
HOUSEHOLD_B = AD.button("h", Int())
CASE_B = AD.button("c", Int())
HOUSEHOLDS_PAGE = AD.button("hp", Int(4))  # another page of households and cases
MATCHES_PAGE = AD.button("mp", Int(4), Int(4))  # ad:mp:<search>:<page>: of a typed search
KIND_B = AD.button("k", Choice(AidKind))
BIG_B = AD.button("big", Choice(("y", "n")))  # a large amount: really, or type it again
FUND_B = AD.button("f", Int())
FUNDS_PAGE_B = AD.button("fp", Int(4))  # another page of funds
PURPOSE_B = AD.button("p", Choice(Purpose))
DAY_B = day_button(AD)
SKIP = AD.button("skip")
OK = AD.button("ok")
NO = AD.button("no")

AX = CODEC.prefix("ax", "delete or redo one's own aid entry")
DELETE_B = AX.button("del", Int())
FIX_B = AX.button("fix", Int())
SURE_B, KEEP_B = AX.button("sure", Int()), AX.button("keep", Int())  # the delete, confirmed or not

FU = CODEC.prefix("fu", "/funds")
ADD_FUND = FU.button("add", Int())  # fu:add:0 (the number is not used)
RETIRE_B = FU.button("ret", Int())
RETIRE_YES = FU.button("yes", Int())
RETIRE_NO = FU.button("no", Int())
FUNDS_PAGE = FU.button("pg", Int(4))  # another page of funds

FN = CODEC.prefix("fn", "the fund flow")  # no buttons: any press is stale


@dataclass
class AidDraft:
    """The answers so far (keys as stored by earlier releases)."""

    hid: int | None = None
    rid: int | None = None  # a case instead of a household
    name: str = ""
    kind: AidKind | None = None
    fen: int | None = None
    desc: str = ""
    qty: int | None = None
    fund: int | None = None
    fund_name: str = ""
    purpose: Purpose | None = None
    day: date | None = None
    note: str = ""
    replaces: int | None = None  # the entry this one redoes
    # The household question as last shown, so a resumed one reopens there: the page, and
    # the part of a name typed (empty: the person's list), numbered so an earlier search's
    # page turn is told apart.
    page: int = 0
    query: str = ""
    search: int = 0
    fund_page: int = 0  # the page of funds last shown


async def entry_name(ctx: Ctx, entry: Aid) -> str:
    """Whom an entry was given to: the household, or the case it was given from."""
    if entry.report_id is not None:
        case = await ledger.case(ctx.services, entry.report_id)
        return _case_name(ctx, case) if case else ""
    found = await households.find(ctx.services, entry.household_id or 0)
    return found.name if found else ""


def _case_name(ctx: Ctx, case: Report) -> str:
    """How a case is named in the aid flow: its reference and category."""
    return ctx.t("aid.case_name", ref=case.ref,
                 category=ctx.t(f"report.category.{case.category}"))


def _yuan(fen: int | None) -> str:
    return format_yuan(fen) if fen is not None else ""


class AidFlow(StepFlow[AidDraft]):
    """The /aid conversation, kept in the flows table."""

    role = Role.WORKER

    name = NAME
    callbacks = AD
    data_type = AidDraft
    stale_key = "aid.stale"

    def __init__(self) -> None:
        self.steps = Steps({
            HOUSEHOLD: Step(self._ask_household, self._search,
                            (on(HOUSEHOLD_B, self._household), on(CASE_B, self._case),
                             on(HOUSEHOLDS_PAGE, self._turn_households, keep=True),
                             on(MATCHES_PAGE, self._turn_matches, keep=True))),
            KIND: Step(self._ask_kind, buttons=(on(KIND_B, self._kind),)),
            AMOUNT: Step(self._ask_amount, self._typed_amount),
            BIG: Step(self._ask_big, buttons=(on(BIG_B, self._big),)),
            DESCRIPTION: text_step("aid.ask_description", self._take_description,
                                   maximum=DESCRIPTION_MAX,
                                   too_long="aid.problem.description_long", media=TEXT_ONLY),
            QUANTITY: number_step("aid.ask_quantity", self._take_quantity,
                                  maximum=QUANTITY_MAX, read=parse_quantity),
            FUND: Step(self._ask_fund, buttons=(on(FUND_B, self._fund),
                                                on(FUNDS_PAGE_B, self._turn_funds, keep=True))),
            PURPOSE: Step(self._ask_purpose, buttons=(on(PURPOSE_B, self._purpose),)),
            DAY: day_step("aid", DAY_B, self._take_day),
            NOTE: text_step(self._ask_note, self._take_note, maximum=NOTE_MAX,
                            too_long="aid.problem.note_long", media=TEXT_ONLY_OR_SKIP,
                            options=(on(SKIP, self._skip_note),)),
            CONFIRM: Step(self._ask_confirm, buttons=(on(OK, self._ok), on(NO, self._no))),
        })

    async def start(self, ctx: Ctx) -> None:
        """Begin recording aid (or resume the entry in progress)."""
        if await self.busy(ctx):  # another task half done: said, and asked again
            return
        state = await self.current(ctx)
        if state is not None:
            await ctx.reply(ctx.t("aid.resume"))
            await self.ask(ctx, state)
            return
        mine = {m.household_id for m in await my_households.paired(ctx.services, ctx.user_id)}
        cases = await ledger.held_cases(ctx.services, ctx.user_id)
        if not mine and not cases and not is_coordinator(ctx):
            await ctx.reply(ctx.t("aid.no_households"))
            return
        if not await ledger.active_funds(ctx.services):
            # Said before anything is typed: without a fund nothing can be saved.
            await ctx.reply(ctx.t("aid.problem.no_funds_coordinator" if is_coordinator(ctx)
                                  else "aid.problem.no_funds"))
            return
        await ctx.reply(ctx.t("aid.intro"))
        if len(mine) == 1 and not cases and not is_coordinator(ctx):
            await self._choose(ctx, AidDraft(), next(iter(mine)))
            return
        await self.goto(ctx, HOUSEHOLD, AidDraft())

    async def redo(self, ctx: Ctx, entry: Aid) -> None:
        """Record the entry again from its kind on; saving replaces the old one."""
        if await self.busy(ctx, this_too=True):
            return
        draft = AidDraft(replaces=entry.id, name=await entry_name(ctx, entry))
        if entry.report_id is not None:
            draft.rid = entry.report_id
        else:
            draft.hid = entry.household_id
        await self.goto(ctx, KIND, draft)

    async def _choose(self, ctx: Ctx, draft: AidDraft, household_id: int) -> None:
        found = await households.find(ctx.services, household_id)
        if found is None or not await ledger.may_record(ctx.services, ctx.user_id,
                                                        is_coordinator(ctx), household_id):
            await ctx.reply(ctx.t("aid.not_yours"))
            return
        draft.hid, draft.name = found.id, found.name
        await self.goto(ctx, KIND, draft)

    async def expect(self, ctx: Ctx, step: str) -> None:
        """Say what the step expects; a free-text step answered with a sticker asks again."""
        key = f"aid.expect.{step}"
        if ctx.services.catalog.has(key):
            await ctx.reply(ctx.t(key, max=QUANTITY_MAX))
            return
        state = await self.current(ctx)
        if state is not None:
            await self.ask(ctx, state)

    # -- questions ------------------------------------------------------------------------

    async def _ask_household(self, ctx: Ctx, draft: AidDraft) -> None:
        await ctx.reply(*await self._households_view(ctx, draft))

    async def _households_view(self, ctx: Ctx, draft: AidDraft
                               ) -> tuple[str, InlineKeyboardMarkup | None]:
        """The matches of the name typed, if any still match; else the person's households,
        then the cases they hold (📋); none: ask for a name. At the draft's page."""
        if draft.query:
            found = await self._matching(ctx, draft.query)
            if found.found:
                return self._matches_view(ctx, draft, found)
        mine = await my_households.paired(ctx.services, ctx.user_id)
        unique = list({m.household_id: m for m in mine}.values())
        items = [(short(m.name), HOUSEHOLD_B.data(m.household_id)) for m in unique]
        items += [(ctx.t("aid.button.case", ref=r.ref,
                         category=ctx.t(f"report.category.{r.category}")), CASE_B.data(r.id))
                  for r in await ledger.held_cases(ctx.services, ctx.user_id)]
        if not items:
            return ctx.t("aid.ask_household_search"), None
        rows, page = picker(ctx.t, items, draft.page, HOUSEHOLDS_PAGE.data, 2)
        return "\n".join([ctx.t("aid.ask_household"), *page]), buttons(rows)

    def _matches_view(self, ctx: Ctx, draft: AidDraft, found: Matches
                      ) -> tuple[str, InlineKeyboardMarkup]:
        """Every household the typed name matches, at the draft's page."""
        return household_pages.matches_view(ctx, draft, found, "aid.found", HOUSEHOLD_B.data,
                                            MATCHES_PAGE.data)

    async def _matching(self, ctx: Ctx, query: str) -> Matches:
        """A worker searches their own households; a coordinator, every one."""
        worker = None if is_coordinator(ctx) else ctx.user_id
        return await my_households.matching(ctx.services, query, MATCHES_MAX, worker_id=worker)

    async def _ask_kind(self, ctx: Ctx, draft: AidDraft) -> None:
        items = [(ctx.t(f"aid.kind.{k.value}"), KIND_B.data(k)) for k in AidKind]
        await ctx.reply(ctx.t("aid.ask_kind", name=draft.name),
                        buttons([[item] for item in items]))

    async def _ask_amount(self, ctx: Ctx, draft: AidDraft) -> None:
        await ctx.reply(ctx.t("aid.ask_amount"))

    async def _ask_big(self, ctx: Ctx, draft: AidDraft) -> None:
        await ctx.reply(ctx.t("aid.ask_big", amount=_yuan(draft.fen)), buttons([[
            (ctx.t("aid.button.big_yes"), BIG_B.data("y")),
            (ctx.t("aid.button.big_no"), BIG_B.data("n"))]]))

    async def _ask_fund(self, ctx: Ctx, draft: AidDraft) -> None:
        view = await self._funds_view(ctx, draft)
        if view is None:
            await self.end(ctx)
            await ctx.reply(ctx.t("aid.problem.no_funds"))
            return
        await ctx.reply(*view)

    async def _funds_view(self, ctx: Ctx, draft: AidDraft
                          ) -> tuple[str, InlineKeyboardMarkup] | None:
        """The funds in use, one a row, at the draft's page; None when there are none."""
        funds = await ledger.active_funds(ctx.services)
        if not funds:
            return None
        items = [(short(f.name, 20), FUND_B.data(f.id)) for f in funds]
        rows, line = picker(ctx.t, items, draft.fund_page, FUNDS_PAGE_B.data)
        return "\n".join([ctx.t("aid.ask_fund"), *line]), buttons(rows)

    async def _ask_purpose(self, ctx: Ctx, draft: AidDraft) -> None:
        items = [(ctx.t(f"aid.purpose.{p.value}"), PURPOSE_B.data(p)) for p in Purpose]
        await ctx.reply(ctx.t("aid.ask_purpose"), buttons(pairs(items, 3)))

    async def _ask_note(self, ctx: Ctx, draft: AidDraft) -> None:
        await ctx.reply(ctx.t("aid.ask_note"), buttons([[(ctx.t("aid.button.skip"), SKIP.data())]]))

    async def _ask_confirm(self, ctx: Ctx, draft: AidDraft) -> None:
        await ctx.reply(self._summary(ctx, draft), buttons([[
            (ctx.t("aid.button.confirm"), OK.data()),
            (ctx.t("aid.button.cancel"), NO.data())]]))

    def _summary(self, ctx: Ctx, draft: AidDraft) -> str:
        kind = draft.kind.value if draft.kind else None
        purpose = draft.purpose.value if draft.purpose else None
        lines = [ctx.t("aid.summary_title"),
                 ctx.t("aid.summary_household", name=draft.name),
                 ctx.t("aid.summary_kind", kind=ctx.t(f"aid.kind.{kind}")),
                 ctx.t("aid.summary_amount", amount=_yuan(draft.fen))]
        if draft.kind is AidKind.IN_KIND:
            lines.append(ctx.t("aid.summary_goods", description=draft.desc,
                               quantity=draft.qty if draft.qty is not None else ""))
        lines += [ctx.t("aid.summary_fund", fund=draft.fund_name),
                  ctx.t("aid.summary_purpose", purpose=ctx.t(f"aid.purpose.{purpose}")),
                  ctx.t("aid.summary_day", day=draft.day.isoformat() if draft.day else "")]
        if draft.note:
            lines.append(ctx.t("aid.summary_note", note=draft.note))
        return "\n".join(lines)

    # -- typed answers --------------------------------------------------------------------

    async def _search(self, ctx: Ctx, draft: AidDraft, message: Message) -> bool:
        text = clean(message.text)
        if not text:
            return False
        query = text[:40]
        await household_pages.answer_search(
            self, ctx, draft, query, await self._matching(ctx, query), "aid.problem",
            lambda house: self._choose(ctx, draft, house.id))
        return True

    async def _typed_amount(self, ctx: Ctx, draft: AidDraft, message: Message) -> bool:
        text = clean(message.text)
        if not text:
            return False
        fen = parse_amount(text)
        if isinstance(fen, AmountProblem):
            await ctx.reply(ctx.t(f"aid.problem.{fen.value}"))
            return True
        draft.fen = fen
        if needs_confirmation(fen):
            await self.goto(ctx, BIG, draft)
        else:
            await self._after_amount(ctx, draft)
        return True

    async def _after_amount(self, ctx: Ctx, draft: AidDraft) -> None:
        await self.goto(ctx, DESCRIPTION if draft.kind is AidKind.IN_KIND else FUND, draft)

    async def _take_description(self, ctx: Ctx, draft: AidDraft, description: str) -> None:
        draft.desc = description
        await self.goto(ctx, QUANTITY, draft)

    async def _take_quantity(self, ctx: Ctx, draft: AidDraft, quantity: int) -> None:
        draft.qty = quantity
        await self.goto(ctx, FUND, draft)

    async def _take_day(self, ctx: Ctx, draft: AidDraft, day: date) -> None:
        draft.day = day
        await self.goto(ctx, NOTE, draft)

    async def _take_note(self, ctx: Ctx, draft: AidDraft, note: str) -> None:
        draft.note = note
        await self.goto(ctx, CONFIRM, draft)

    # -- buttons --------------------------------------------------------------------------

    async def save_household_step(self, ctx: Ctx, draft: AidDraft) -> None:
        """Keep the draft at the household question (its page turned)."""
        await self.save(ctx, HOUSEHOLD, draft)

    async def _turn_households(self, ctx: Ctx, draft: AidDraft,
                               number: int) -> Refused | None:
        """Another page of households and cases, in the same message."""
        return await household_pages.turn_households(self, ctx, draft, number)

    async def _turn_matches(self, ctx: Ctx, draft: AidDraft, search: int,
                            number: int) -> Refused | None:
        """Another page of the latest search's matches."""
        return await household_pages.turn_matches(self, ctx, draft, search, number)

    async def _turn_funds(self, ctx: Ctx, draft: AidDraft, number: int) -> Refused | None:
        """Another page of funds, in the same message (kept, for a resumed question)."""
        draft.fund_page = number
        view = await self._funds_view(ctx, draft)
        if view is None:  # every fund retired meanwhile: the flow ends, saying why
            await ctx.drop_keyboard()
            await self._ask_fund(ctx, draft)
            return None
        await self.save(ctx, FUND, draft)
        await ctx.edit_or_reply(*view)
        return None

    async def _household(self, ctx: Ctx, draft: AidDraft, household_id: int) -> Refused | None:
        if not await ledger.may_record(ctx.services, ctx.user_id, is_coordinator(ctx),
                                       household_id):
            return Refused("aid.not_yours")
        await self._choose(ctx, draft, household_id)
        return None

    async def _case(self, ctx: Ctx, draft: AidDraft, report_id: int) -> Refused | None:
        case = await ledger.may_record_case(ctx.services, ctx.user_id, is_coordinator(ctx),
                                            report_id)
        if case is None:
            return Refused("aid.not_your_case")
        draft.hid, draft.rid, draft.name = None, case.id, _case_name(ctx, case)
        await self.goto(ctx, KIND, draft)
        return None

    async def _kind(self, ctx: Ctx, draft: AidDraft, kind: AidKind) -> Refused | None:
        draft.kind = kind
        await self.goto(ctx, AMOUNT, draft)
        return None

    async def _big(self, ctx: Ctx, draft: AidDraft, really: str) -> Refused | None:
        if really == "y":
            await self._after_amount(ctx, draft)
        else:
            draft.fen = None
            await self.goto(ctx, AMOUNT, draft)
        return None

    async def _fund(self, ctx: Ctx, draft: AidDraft, fund_id: int) -> Refused | None:
        found = await ledger.fund(ctx.services, fund_id)
        if found is None or found.retired:
            # The list is out of date: a fresh one replaces it.
            await ctx.drop_keyboard()
            await self._ask_fund(ctx, draft)
            return Refused("aid.problem.fund_retired")
        draft.fund, draft.fund_name = found.id, found.name
        await self.goto(ctx, PURPOSE, draft)
        return None

    async def _purpose(self, ctx: Ctx, draft: AidDraft, purpose: Purpose) -> Refused | None:
        draft.purpose = purpose
        await self.goto(ctx, DAY, draft)
        return None

    async def _skip_note(self, ctx: Ctx, draft: AidDraft) -> Refused | None:
        await self.goto(ctx, CONFIRM, draft)
        return None

    async def _ok(self, ctx: Ctx, draft: AidDraft) -> Refused | None:
        """Confirmed: the summary loses its buttons before the answer comes."""
        await ctx.drop_keyboard()
        await self._submit(ctx, draft)
        return None

    async def _no(self, ctx: Ctx, draft: AidDraft) -> Refused | None:
        """Cancelled: the summary loses its buttons before the answer comes."""
        await ctx.drop_keyboard()
        await self.end(ctx)
        await ctx.reply(ctx.t("aid.cancelled"))
        return None

    # -- saving ---------------------------------------------------------------------------

    async def _submit(self, ctx: Ctx, draft: AidDraft) -> None:
        """Save through the use case (which checks everything again), then offer a correction."""
        if (draft.kind is None or draft.fen is None or draft.fund is None
                or draft.purpose is None or draft.day is None):
            await self.end(ctx)
            await ctx.reply(ctx.t("aid.problem.bad_amount"))
            return
        new = NewAid(household_id=draft.hid or None, report_id=draft.rid or None,
                     worker_id=ctx.user_id, kind=draft.kind, amount_fen=draft.fen,
                     fund_id=draft.fund, purpose=draft.purpose, day=draft.day,
                     description=draft.desc, quantity=draft.qty or None, note=draft.note)
        saved = await ledger.record(ctx.services, new, is_coordinator(ctx), draft.replaces)
        if saved is Refusal.FUND_RETIRED:
            await ctx.reply(ctx.t("aid.problem.fund_retired"))
            await self.goto(ctx, FUND, draft)
            return
        await self.end(ctx)
        if isinstance(saved, Refusal):
            await ctx.reply(ctx.t(f"aid.{saved.value}" if saved is Refusal.NOT_YOURS
                                  else f"aid.problem.{saved.value}"))
            return
        lines = [ctx.t("aid.saved", name=draft.name, day=saved.day.isoformat(),
                       kind=ctx.t(f"aid.kind.{saved.kind.value}"),
                       amount=format_yuan(saved.amount_fen), fund=saved.fund_name)]
        if draft.replaces is not None:
            lines.append(ctx.t("aid.replaced"))
        lines.append(ctx.t("aid.correct_hint"))
        await ctx.reply("\n".join(lines), EntryButtons.keyboard(ctx, saved.id))


class EntryButtons(OwnEntry[Aid]):
    """ax:del:<id> and ax:fix:<id>: the recorder deletes (once confirmed, ax:sure:<id>) or
    redoes their own entry (24 h)."""

    fix, delete = FIX_B, DELETE_B
    labels = ("aid.button.redo", "aid.button.delete")
    too_late_key = "aid.too_late"
    busy_key = "aid.busy"
    sure, keep = SURE_B, KEEP_B  # an entry is deleted only once its recorder confirms
    confirm_labels = ("aid.button.sure", "aid.button.keep")
    kept_key = "aid.kept"

    def __init__(self, aid_flow: AidFlow) -> None:
        self.aid_flow = aid_flow

    async def find(self, ctx: Ctx, entry_id: int) -> Found[Aid] | None:
        """Only the person who recorded it, only within 24 hours, only while still staff."""
        if not ctx.role.is_staff:
            return None
        outcome, entry = await ledger.own_entry(ctx.services, ctx.user_id, entry_id)
        if entry is None or outcome is Correction.STALE:
            return None
        return Found(entry, late=outcome is Correction.TOO_LATE)

    async def correct(self, ctx: Ctx, entry: Aid) -> None:
        """Record it again from its kind on."""
        await self.aid_flow.redo(ctx, entry)

    async def remove(self, ctx: Ctx, entry: Aid) -> str:
        """Delete it, unless the window closed since the check."""
        result = await ledger.delete_own(ctx.services, ctx.user_id, entry.id,
                                         ctx.update.update_id)
        return "aid.deleted" if result is Correction.OK else "aid.too_late"

    async def removed_by_this_press(self, ctx: Ctx, entry_id: int) -> str | None:
        """"Deleted", if this very update deleted it (handled again after a crash)."""
        return "aid.deleted" if await ledger.deleted_by(
            ctx.services, ctx.user_id, ctx.update.update_id, entry_id) else None

    async def delete_question(self, ctx: Ctx, entry: Aid) -> str:
        """Which entry: to whom, on which day, how much."""
        return ctx.t("aid.delete_question", name=await entry_name(ctx, entry),
                     day=entry.day.isoformat(), amount=format_yuan(entry.amount_fen))


# -- /funds ------------------------------------------------------------------------------------


@dataclass
class FundDraft:
    """The fund flow keeps nothing but its step: the name is saved as soon as it is typed."""


class FundFlow(StepFlow[FundDraft]):
    """A coordinator types the name of a new fund."""

    role = Role.COORDINATOR

    name = FUND_FLOW
    callbacks = FN
    data_type = FundDraft
    stale_key = "aid.stale"

    def __init__(self) -> None:
        self.steps = Steps({FUND_NAME: Step(self._ask_name, self._typed_name)})

    async def start(self, ctx: Ctx) -> None:
        """Ask for the name."""
        if await self.busy(ctx, this_too=True):
            return
        await self.goto(ctx, FUND_NAME, FundDraft())

    async def _ask_name(self, ctx: Ctx, draft: FundDraft) -> None:
        await ctx.reply(ctx.t("funds.ask_name"))

    async def _typed_name(self, ctx: Ctx, draft: FundDraft, message: Message) -> bool:
        """Add the fund, checking the role again."""
        text = clean(message.text)
        added = await ledger.add_fund(ctx.services, ctx.user_id, is_coordinator(ctx), text)
        if added == "not_allowed":
            await self.end(ctx)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
        elif isinstance(added, str):
            await ctx.reply(ctx.t(f"funds.{added}", max=FUND_NAME_MAX, name=text[:40]))
        else:
            await self.end(ctx)
            await ctx.reply(ctx.t("funds.added", name=added.name))
        return True


class FundsView:
    """/funds: each fund's aid this year and households reached; add and retire buttons."""

    def __init__(self, fund_flow: FundFlow) -> None:
        self.fund_flow = fund_flow

    async def show(self, ctx: Ctx, number: int = 0, *, edit: bool = False) -> None:
        """The funds with this year's totals, a page at a time (page `number`)."""
        day = today(ctx)
        found = page_of(await ledger.year_by_fund(ctx.services, day), number)
        overall = await ledger.year_overall(ctx.services, day)
        retired = {f.id for f in await ledger.all_funds(ctx.services) if f.retired}
        lines = [ctx.t("funds.title", year=day.year, amount=format_yuan(overall.amount_fen),
                       households=overall.households)]
        rows: list[list[tuple[str, str]]] = []
        for total in found.items:
            is_retired = int(total.key) in retired
            lines.append(ctx.t("funds.retired_line" if is_retired else "funds.line",
                               name=total.name, amount=format_yuan(total.amount_fen),
                               households=total.households))
            if not is_retired:
                rows.append([(ctx.label("funds.button.retire", name=short(total.name, 20)),
                              RETIRE_B.data(int(total.key)))])
        rows.insert(0, [(ctx.t("funds.button.add"), ADD_FUND.data(0))])
        rows += page_rows(ctx.t, found, FUNDS_PAGE.data)
        lines += page_line(ctx.t, found)
        # Whole lines are dropped, never cut: a cut line could split an escaped name.
        if edit:
            await ctx.edit_or_reply(join_within(lines), buttons(rows))
        else:
            await ctx.reply(join_within(lines), buttons(rows))

    async def on_button(self, ctx: Ctx) -> None:
        """fu:add:0, fu:pg:<page>, fu:ret|yes|no:<fund>: coordinators only, checked at every
        press."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        if not await may(ctx, Action.FUND_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        if (page := FUNDS_PAGE.parse(data)) is not None:
            await ctx.answer()
            await self.show(ctx, page[0], edit=True)
            return
        if ADD_FUND.parse(data) is not None:
            await ctx.answer()
            await start_unless_busy(ctx, lambda: self.fund_flow.start(ctx), "aid.busy")
            return
        retire, yes, no = RETIRE_B.parse(data), RETIRE_YES.parse(data), RETIRE_NO.parse(data)
        pressed = retire or yes or no
        if pressed is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        found = await ledger.fund(ctx.services, pressed[0])
        if found is None or found.retired:
            await ctx.reply(ctx.t("funds.gone"))
            return
        if retire is not None:
            await ctx.reply(ctx.t("funds.confirm_retire", name=found.name), buttons([[
                (ctx.t("funds.button.yes"), RETIRE_YES.data(found.id)),
                (ctx.t("funds.button.no"), RETIRE_NO.data(found.id))]]))
            return
        await ctx.drop_keyboard()
        if no is not None:
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
                                             pattern=f"^{AX.name}:"))
        app.add_handler(CallbackQueryHandler(handler(funds_view.on_button),
                                             pattern=f"^{FU.name}:"))
