"""Case work: Take, /cases, notes, messages both ways, resolve, refer, release, close, assign.

Every button re-reads the report and the presser's current role; callback data is only a
request, never a permission.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from telegram import InlineKeyboardMarkup
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.people import Role
from bot.domain.reports import Report, Status, excerpt, parse_reference
from bot.domain.triage import MESSAGE_MAX, NOTE_MAX, Action, check_text
from bot.services import access, case_buttons, report_texts, routing
from bot.services import aid as ledger
from bot.services import audit as trail
from bot.services.case_buttons import CASE_PREFIX, FEEDBACK_PREFIX
from bot.services.context import Services
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.erasure import erase_rows
from bot.telegram.flows import FlowRegistry
from bot.telegram.keyboards import buttons, optional
from storage import flows, people, reports
from storage import triage as store
from storage.flows import FlowState
from storage.outbox import Outgoing

log = logging.getLogger(__name__)

FLOW = "case"
FLOW_PREFIX = "cf"
# Steps of the case flow: each waits for one typed text about one report.
NOTE, MESSAGE, RESOLVE, REFER, CLOSE, REPLY = "note", "msg", "res", "ref", "close", "reply"
STEP_ACTION = {NOTE: Action.NOTE, MESSAGE: Action.MESSAGE, RESOLVE: Action.RESOLVE,
               REFER: Action.REFER, CLOSE: Action.CLOSE, REPLY: Action.REPLY}
STEP_LIMIT = {NOTE: NOTE_MAX, MESSAGE: MESSAGE_MAX, RESOLVE: NOTE_MAX, REFER: NOTE_MAX,
              CLOSE: NOTE_MAX, REPLY: MESSAGE_MAX}


def case_markup(services: Services, lang: str, report: Report) -> InlineKeyboardMarkup | None:
    """The buttons of an open case."""
    return optional(case_buttons.case(services, lang, report))


@dataclass
class Cases:
    """The case buttons and /cases."""

    table: CommandTable

    async def refuse(self, ctx: Ctx, why: str, **values: object) -> None:
        """Say no, change nothing."""
        text = ctx.t(f"triage.refused.{why}", **values)
        await ctx.answer(_plain(text), alert=True)
        await ctx.reply(text)

    async def check(self, ctx: Ctx, action: Action, report: Report | None) -> bool:
        """Whether the presser may do `action` now; refuses (with a message) when not."""
        if report is None:
            await self.refuse(ctx, "no_report")
            return False
        # The one authorisation check (bot/services/access.py): role, ownership, community
        # (the same rule as who gets the card) and the report's lifecycle.
        why = await access.case(ctx.services, ctx.person, action, report)
        if why is None:
            return True
        values: dict[str, object] = {"ref": report.ref}
        if why == "already_taken":
            taker = await people.get(ctx.db, report.taken_by) if report.taken_by else None
            values["name"] = taker.display_name if taker else "?"
        await self.refuse(ctx, why, **values)
        return False

    # -- buttons ----------------------------------------------------------------------

    async def button(self, ctx: Ctx) -> None:
        """Dispatch a case button: cs:<action>:<report>[:<arg>]."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        parts = [*data.split(":")[1:], "", "", ""]
        action, raw_id, arg = parts[0], parts[1], parts[2]
        if not raw_id.isdigit() or len(raw_id) > 9:
            await self.refuse(ctx, "no_report")
            return
        report = await reports.get(ctx.db, int(raw_id))
        run = {
            "take": self.take, "view": self.view, "rel": self.release, "asg": self.assign_menu,
            "asw": self.assign, "reply": self.reply_start,
        }.get(action)
        if run is not None:
            await run(ctx, report, arg)
            return
        step = {"note": NOTE, "msg": MESSAGE, "res": RESOLVE, "ref": REFER,
                "close": CLOSE}.get(action)
        if step is None:
            await self.refuse(ctx, "no_report")
            return
        if not await self.check(ctx, STEP_ACTION[step], report):
            return
        assert report is not None
        await self.begin(ctx, step, report)

    async def begin(self, ctx: Ctx, step: str, report: Report) -> None:
        """Wait for the text of `step`, unless another flow (a report draft) is in progress."""
        await ctx.answer()
        state = await flows.get(ctx.db, ctx.user_id)
        if state is not None and state.name != FLOW:
            await ctx.reply(ctx.t("start.flow_waiting", command=f"/{state.name}"))
            return
        await ctx.save_flow(FLOW, step, {"report": report.id})
        markup = await self.colleagues(ctx, report) if step == REFER else None
        await ctx.reply(ctx.t(f"triage.ask.{step}", ref=report.ref, max=STEP_LIMIT[step]),
                        markup)

    async def colleagues(self, ctx: Ctx, report: Report) -> InlineKeyboardMarkup | None:
        """Buttons to refer a case to another active worker (at most 20)."""
        rows = [[(ctx.t("triage.refer.to", name=w.person.display_name)[:60],
                  f"{FLOW_PREFIX}:rw:{w.person.telegram_id}")]
                for w in await store.workers(ctx.db)
                if w.person.active and w.person.telegram_id != report.taken_by][:20]
        return buttons(rows) if rows else None

    async def take(self, ctx: Ctx, report: Report | None, _: str) -> None:
        """Take the case: exactly one of racing presses wins; the others hear who has it."""
        if not await self.check(ctx, Action.TAKE, report):
            return
        assert report is not None
        told = await routing.to_reporter(ctx.services, report, "triage.reporter.taken")
        outcome = await store.take(ctx.db, report.id, ctx.user_id, ctx.now, also=[told])
        if not outcome.won:
            await self.check(ctx, Action.TAKE, outcome.report)
            return
        assert outcome.report is not None
        await ctx.answer(_plain(ctx.t("triage.taken.answer", ref=report.ref)))
        await self.after_taken(ctx, outcome.report, ctx.user_id, "triage.taken.heading")

    async def after_taken(self, ctx: Ctx, report: Report, worker: int, heading: str) -> None:
        """Tidy the cards and give the worker the details (the reporter was told with the
        change itself)."""
        services = ctx.services
        person = await people.get(ctx.db, worker)
        await routing.settle(services, report, person, ctx.now)
        if worker == ctx.user_id:
            await self.show_details(ctx, report, ctx.t(heading, ref=report.ref))
        else:
            await routing.send(services, await routing.details_for(services, worker, report,
                                                                   heading), ctx.now)
        services.wake()

    async def show_details(self, ctx: Ctx, report: Report, heading: str) -> None:
        """Everything about a case, to the acting person: text, map pin, photos."""
        # Coordinators may also erase the reporter's personal data from here.
        rows = case_buttons.case(ctx.services, ctx.lang, report) + erase_rows(ctx, report)
        await ctx.reply(heading + "\n" + await report_texts.details(ctx.services, ctx.lang, report),
                        optional(rows))
        if report.latitude is not None and report.longitude is not None:
            await ctx.send_location(report.latitude, report.longitude)
        for file_id in report.photos:
            await ctx.send_photo(file_id)

    async def view(self, ctx: Ctx, report: Report | None, _: str) -> None:
        """Show one case: full details to its worker and coordinators, else the public part."""
        if not await self.check(ctx, Action.VIEW, report):
            return
        assert report is not None
        await ctx.answer()
        if report.status is Status.NEW and ctx.role is not Role.COORDINATOR:
            await ctx.reply(await report_texts.card(ctx.services, ctx.lang, report),
                            buttons(case_buttons.take(ctx.services, ctx.lang, report)))
            return
        if report.status is Status.NEW:
            await ctx.reply(await report_texts.details(ctx.services, ctx.lang, report),
                            buttons(case_buttons.take(ctx.services, ctx.lang, report,
                                                      assign=True) + erase_rows(ctx, report)))
            return
        await trail.note(ctx.services, ctx.user_id, "view.case", "report", report.id)
        await self.show_details(ctx, report, ctx.t("triage.case.heading", ref=report.ref))
        history = await reports.events(ctx.db, report.id)
        lines = [ctx.t("triage.history.title")]
        for event in history[-10:]:
            what = ctx.t(f"report.event.{event.kind}")
            detail = excerpt(event.detail, 60) if event.kind in ("note", "message", "reply",
                                                                 "resolved", "referred",
                                                                 "closed") else ""
            lines.append(ctx.t("triage.history.line", what=what, detail=detail))
        given = await ledger.case_lines(ctx.services, ctx.lang, report.id)
        await ctx.reply("\n".join([*lines, *(["", *given] if given else [])]))

    async def release(self, ctx: Ctx, report: Report | None, _: str) -> None:
        """Give the case back: untaken again and routed afresh."""
        if not await self.check(ctx, Action.RELEASE, report):
            return
        assert report is not None
        changed = await store.change(ctx.db, report.id, actor=ctx.user_id, now=ctx.now,
                                     kind="released", expect=Status.ACKNOWLEDGED,
                                     to=Status.NEW, expect_taker=report.taken_by,
                                     keep_taker=False)
        if changed is None:
            await self.refuse(ctx, "moved", ref=report.ref)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        await ctx.reply(ctx.t("triage.released", ref=report.ref))
        await routing.route(ctx.services, changed, ctx.now)

    async def assign_menu(self, ctx: Ctx, report: Report | None, _: str) -> None:
        """Coordinators: choose a worker for an untaken report."""
        if not await self.check(ctx, Action.ASSIGN, report):
            return
        assert report is not None
        await ctx.answer()
        rows = [[(w.person.display_name, f"{CASE_PREFIX}:asw:{report.id}:{w.person.telegram_id}")]
                for w in await store.workers(ctx.db) if w.person.active]
        if not rows:
            await ctx.reply(ctx.t("triage.assign.nobody"))
            return
        await ctx.reply(ctx.t("triage.assign.choose", ref=report.ref), buttons(rows))

    async def assign(self, ctx: Ctx, report: Report | None, arg: str) -> None:
        """Coordinators: give an untaken report to a worker."""
        if not await self.check(ctx, Action.ASSIGN, report):
            return
        assert report is not None
        worker = await people.get(ctx.db, int(arg)) if arg.isdigit() and len(arg) < 16 else None
        if worker is None or ctx.services.role_of(worker) is Role.RESIDENT:
            await self.refuse(ctx, "not_a_worker")
            return
        told = await routing.to_reporter(ctx.services, report, "triage.reporter.taken")
        outcome = await store.take(ctx.db, report.id, worker.telegram_id, ctx.now,
                                   kind="assigned", actor=ctx.user_id, also=[told])
        if not outcome.won or outcome.report is None:
            await self.check(ctx, Action.ASSIGN, outcome.report)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        await ctx.reply(ctx.t("triage.assign.done", ref=report.ref, name=worker.display_name))
        await self.after_taken(ctx, outcome.report, worker.telegram_id, "triage.assign.heading")

    async def reply_start(self, ctx: Ctx, report: Report | None, _: str) -> None:
        """The reporter wants to answer the worker: wait for their text."""
        if not await self.check(ctx, Action.REPLY, report):
            return
        assert report is not None
        await self.begin(ctx, REPLY, report)

    # -- /cases -----------------------------------------------------------------------

    async def list(self, ctx: Ctx) -> None:
        """A worker's open cases and the untaken reports of their areas (all, for coordinators)."""
        coordinator = ctx.role is Role.COORDINATOR
        mine = await (store.all_open(ctx.db) if coordinator
                      else store.open_cases(ctx.db, ctx.user_id))
        waiting = await store.untaken(ctx.db, None if coordinator else ctx.person.area_ids)
        if not mine and not waiting:
            await ctx.reply(ctx.t("triage.cases.none"))
            return
        lines: list[str] = []
        rows: list[list[tuple[str, str]]] = []
        if mine:
            lines.append(ctx.t("triage.cases.open_all" if coordinator else "triage.cases.open"))
            for r in mine:
                lines.append(ctx.t("triage.cases.line", ref=r.ref,
                                   urgency=ctx.t(f"report.urgency.{r.urgency}"),
                                   words=excerpt(r.description, 30)))
                rows.append([(f"📂 {r.ref}", f"{CASE_PREFIX}:view:{r.id}")])
        if waiting:
            lines.append(ctx.t("triage.cases.waiting"))
            for r in waiting:
                lines.append(ctx.t("triage.cases.line", ref=r.ref,
                                   urgency=ctx.t(f"report.urgency.{r.urgency}"),
                                   words=excerpt(r.description, 30)))
                rows.append([(f"🆕 {r.ref}", f"{CASE_PREFIX}:view:{r.id}")])
        await ctx.reply("\n".join(lines), buttons(rows))

    # -- the reporter's answer to "did help arrive?" -----------------------------------

    async def feedback(self, ctx: Ctx) -> None:
        """fb:ok:<id> or fb:more:<id> from the reporter after a resolve."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        parts = [*data.split(":")[1:], "", ""]
        answer, raw_id = parts[0], parts[1]
        if answer not in ("ok", "more"):
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        report = await reports.get(ctx.db, int(raw_id)) if raw_id.isdigit() and len(
            raw_id) < 10 else None
        if not await self.check(ctx, Action.FEEDBACK, report):
            return
        assert report is not None
        await ctx.answer()
        await ctx.drop_keyboard()
        if answer == "ok":
            await store.add_event(ctx.db, report.id, ctx.user_id, "confirmed", ctx.now)
            await ctx.reply(ctx.t("triage.feedback.thanks"))
            return
        reopened = await store.change(ctx.db, report.id, actor=ctx.user_id, now=ctx.now,
                                      kind="reopened", expect=Status.RESOLVED,
                                      to=Status.ACKNOWLEDGED)
        if reopened is None:
            await self.refuse(ctx, "moved", ref=report.ref)
            return
        await ctx.reply(ctx.t("triage.feedback.reopened", ref=report.ref))
        services = ctx.services
        queued = await routing.to_coordinators(services, "triage.feedback.coordinators",
                                               report=reopened, ref=report.ref)
        if reopened.taken_by is not None:
            queued.append(await routing.to_person(
                services, reopened.taken_by, "triage.feedback.worker", {"ref": report.ref},
                buttons=lambda lang: case_buttons.case(services, lang, reopened)))
        await routing.send(services, queued, ctx.now)


def _plain(text: str) -> str:
    """A catalog text without tags or escapes, short enough for a button answer (200
    characters); cut after unescaping, so no entity is cut in half."""
    import html
    import re

    flat = html.unescape(re.sub(r"<[^>]+>", "", text))
    return flat if len(flat) <= 190 else flat[:189] + "…"


@dataclass
class CaseFlow:
    """Waits for one typed text about a case: note, message, outcome, referral, closing."""

    cases: Cases
    name: str = FLOW
    prefix: str = FLOW_PREFIX

    async def start(self, ctx: Ctx) -> None:
        """Case steps start from buttons only."""
        await ctx.reply(ctx.t("triage.cases.use_buttons"))

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask again for the text of the current step."""
        report = await reports.get(ctx.db, int(state.data.get("report", 0)))
        ref = report.ref if report else "?"
        await ctx.reply(ctx.t(f"triage.ask.{state.step}", ref=ref, max=STEP_LIMIT[state.step]))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """cf:rw:<worker> at the referral step: hand the case to another worker."""
        action, arg = [*parts, "", ""][:2]
        if state.step != REFER or action != "rw" or not arg.isdigit() or len(arg) > 15:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        report = await reports.get(ctx.db, int(state.data.get("report", 0)))
        if not await self.cases.check(ctx, Action.REFER, report):
            await flows.clear(ctx.db, ctx.user_id)
            return
        assert report is not None and report.taken_by is not None
        target = await people.get(ctx.db, int(arg))
        if (target is None or ctx.services.role_of(target) is Role.RESIDENT
                or target.telegram_id == report.taken_by):
            await self.cases.refuse(ctx, "not_a_worker")
            return
        moved = await store.reassign(ctx.db, report.id, report.taken_by, target.telegram_id,
                                     actor=ctx.user_id, now=ctx.now)
        await flows.clear(ctx.db, ctx.user_id)
        if moved is None:
            await self.cases.refuse(ctx, "moved", ref=report.ref)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        await ctx.reply(ctx.t("triage.refer.done", ref=report.ref, name=target.display_name))
        services = ctx.services
        queued = await routing.details_for(services, target.telegram_id, moved,
                                           "triage.refer.heading", name=ctx.person.display_name)
        queued.append(await routing.to_reporter(services, moved, "triage.reporter.reassigned"))
        await routing.send(services, queued, ctx.now)

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """A button of this flow pressed after it ended."""
        await ctx.answer(ctx.t("error.stale_button"), alert=True)
        await ctx.drop_keyboard()

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take the typed text, re-check the right to act, and do it."""
        message = ctx.message
        step = state.step
        if message is None or step not in STEP_ACTION:
            return
        text = message.text
        problem = check_text(text, STEP_LIMIT[step])
        if problem is not None:
            await ctx.reply(ctx.t(f"triage.problem.{problem}", max=STEP_LIMIT[step]))
            return
        assert text is not None
        text = text.strip()
        report = await reports.get(ctx.db, int(state.data.get("report", 0)))
        if not await self.cases.check(ctx, STEP_ACTION[step], report):
            await flows.clear(ctx.db, ctx.user_id)
            return
        assert report is not None
        done = await {
            NOTE: self._note, MESSAGE: self._message, RESOLVE: self._resolve,
            REFER: self._refer, CLOSE: self._close, REPLY: self._reply,
        }[step](ctx, report, text)
        if done:
            await flows.clear(ctx.db, ctx.user_id)

    async def _note(self, ctx: Ctx, report: Report, text: str) -> bool:
        await store.add_event(ctx.db, report.id, ctx.user_id, "note", ctx.now, text)
        await ctx.reply(ctx.t("triage.done.note", ref=report.ref),
                        case_markup(ctx.services, ctx.lang, report))
        return True

    async def _message(self, ctx: Ctx, report: Report, text: str) -> bool:
        reporter = await people.get(ctx.db, report.reporter_id)
        if reporter is None or not reporter.reachable:
            await ctx.reply(ctx.t("triage.relay.blocked", ref=report.ref),
                            case_markup(ctx.services, ctx.lang, report))
            return True
        lang = ctx.services.lang_of(reporter)
        queued = await routing.to_reporter(ctx.services, report, "triage.relay.to_reporter",
                                           case_buttons.reply(ctx.services, lang, report),
                                           text=text)
        # If the reporter turns out to have blocked the bot, the worker hears of it.
        queued = replace(queued, after={"if_blocked": {
            "chat_id": ctx.user_id, "lang": ctx.lang,
            "text": ctx.t("triage.relay.blocked", ref=report.ref),
            "buttons": case_buttons.case(ctx.services, ctx.lang, report)}})
        await store.add_event(ctx.db, report.id, ctx.user_id, "message", ctx.now, text)
        await routing.send(ctx.services, [queued], ctx.now)
        await ctx.reply(ctx.t("triage.done.msg", ref=report.ref),
                        case_markup(ctx.services, ctx.lang, report))
        return True

    async def _reply(self, ctx: Ctx, report: Report, text: str) -> bool:
        if report.taken_by is None:
            await ctx.reply(ctx.t("triage.relay.nobody"))
            return True
        worker = await people.get(ctx.db, report.taken_by)
        lang = ctx.services.lang_of(worker)
        who = ctx.services.t(lang, "triage.relay.anonymous" if report.anonymous
                             else "triage.relay.reporter")
        queued = await routing.to_person(
            ctx.services, report.taken_by, "triage.relay.to_worker",
            {"ref": report.ref, "who": who, "text": text},
            buttons=lambda lang: case_buttons.case(ctx.services, lang, report))
        await store.add_event(ctx.db, report.id, ctx.user_id, "reply", ctx.now, text)
        await routing.send(ctx.services, [queued], ctx.now)
        await ctx.reply(ctx.t("triage.done.reply", ref=report.ref))
        return True

    async def _conclude(self, ctx: Ctx, report: Report, text: str, kind: str,
                        to: Status, done_key: str, told: Outgoing) -> bool:
        """Move the taker's open case to `to` and queue the reporter's notice with it; False
        (and said so) if it moved meanwhile."""
        changed = await store.change(ctx.db, report.id, actor=ctx.user_id, now=ctx.now,
                                     kind=kind, expect=Status.ACKNOWLEDGED, to=to, detail=text,
                                     expect_taker=report.taken_by, also=[told])
        if changed is None:
            await self.cases.refuse(ctx, "moved", ref=report.ref)
            return False
        ctx.services.wake()
        await ctx.reply(ctx.t(done_key, ref=report.ref))
        return True

    async def _resolve(self, ctx: Ctx, report: Report, text: str) -> bool:
        person = await people.get(ctx.db, report.reporter_id)
        lang = ctx.services.lang_of(person)
        told = await routing.to_reporter(ctx.services, report, "triage.reporter.resolved",
                                         case_buttons.feedback(ctx.services, lang, report),
                                         outcome=text)
        await self._conclude(ctx, report, text, "resolved", Status.RESOLVED, "triage.done.res",
                             told)
        return True

    async def _refer(self, ctx: Ctx, report: Report, text: str) -> bool:
        told = await routing.to_reporter(ctx.services, report, "triage.reporter.referred")
        await self._conclude(ctx, report, text, "referred", Status.REFERRED, "triage.done.ref",
                             told)
        return True

    async def _close(self, ctx: Ctx, report: Report, text: str) -> bool:
        other_id = parse_reference(text)
        other_ref = ""
        if other_id is not None:
            other = await reports.get(ctx.db, other_id)
            if other_id == report.id or other is None:
                await ctx.reply(ctx.t("triage.problem.duplicate", ref=report.ref))
                return False
            other_ref = other.ref
            detail, key = f"duplicate:{other_ref}", "triage.reporter.duplicate"
        else:
            detail, key = text, "triage.reporter.closed"
        told = await routing.to_reporter(ctx.services, report, key, other=other_ref)
        changed = await store.change(ctx.db, report.id, actor=ctx.user_id, now=ctx.now,
                                     kind="closed", expect=report.status, to=Status.CLOSED,
                                     detail=detail, also=[told])
        if changed is None:
            await self.cases.refuse(ctx, "moved", ref=report.ref)
            return True
        await routing.settle(ctx.services, changed, ctx.person, ctx.now)
        await ctx.reply(ctx.t("triage.done.close", ref=report.ref))
        return True


def register_cases(app: Application, table: CommandTable,  # type: ignore[type-arg]
                   flow_registry: FlowRegistry, common: CommonHandlers) -> None:
    """Add /cases, the case flow and the case and feedback buttons."""
    cases = Cases(table)
    table.add(Command("cases", Role.WORKER, cases.list, order=20))
    flow_registry.add(CaseFlow(cases))
    app.add_handler(CallbackQueryHandler(handler(cases.button), pattern=f"^{CASE_PREFIX}:"))
    app.add_handler(CallbackQueryHandler(handler(cases.feedback),
                                         pattern=f"^{FEEDBACK_PREFIX}:"))


class CasesFeature:
    """Case work: /cases, the case buttons and flows."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, flows and buttons."""
        register_cases(app, table, flow_registry, common)
