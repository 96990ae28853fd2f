"""The case buttons (cs:…) and the reporter's feedback (fb:…): take, view, release, assign,
reply, and the buttons that start the case flow.

The buttons are declared in bot/services/case_buttons.py, where the cards that carry them are
built. Every press re-reads the report and the presser's current role (case_checks.check).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.delivery.sender import Sent
from bot.domain.people import Role
from bot.domain.reports import Report, Status, excerpt
from bot.domain.triage import Action
from bot.services import aid as ledger
from bot.services import audit as trail
from bot.services import case_buttons, cases, report_texts, routing, titles, withdrawals
from bot.services.case_buttons import (
    ASSIGN_MENU,
    ASSIGN_PAGE,
    ASSIGN_TO,
    HELPED,
    MORE,
    RELEASE,
    REPLY,
    TAKE,
    VIEW,
)
from bot.telegram import case_flow
from bot.telegram.case_checks import check, plain, refuse
from bot.telegram.case_flow import CaseFlow
from bot.telegram.context import Ctx
from bot.telegram.erasure import erase_rows
from bot.telegram.keyboards import buttons, optional, page_line, page_rows, pairs

# The buttons that wait for a typed text, and the step of the case flow each starts.
FLOW_BUTTONS = ((case_buttons.NOTE, case_flow.NOTE), (case_buttons.MESSAGE, case_flow.MESSAGE),
                (case_buttons.RESOLVE, case_flow.RESOLVE), (case_buttons.REFER, case_flow.REFER),
                (case_buttons.CLOSE, case_flow.CLOSE))
# Event kinds whose detail the case history quotes.
QUOTED = ("note", "message", "reply", "resolved", "referred", "closed")


@dataclass
class CaseActions:
    """The cs: and fb: buttons."""

    flow: CaseFlow

    async def button(self, ctx: Ctx) -> None:
        """Dispatch a case button: cs:<action>:<report>[:<worker>]."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        for single, run in ((TAKE, self.take), (VIEW, self.view), (RELEASE, self.release),
                            (ASSIGN_MENU, self.assign_menu), (REPLY, self.reply_start)):
            if (parsed := single.parse(data)) is not None:
                await run(ctx, await cases.find(ctx.services, parsed[0]))
                return
        if (paged := ASSIGN_PAGE.parse(data)) is not None:
            report_id, number = paged
            await self.assign_menu(ctx, await cases.find(ctx.services, report_id), number)
            return
        if (chosen := ASSIGN_TO.parse(data)) is not None:
            report_id, worker_id = chosen
            await self.assign(ctx, await cases.find(ctx.services, report_id), worker_id)
            return
        for flow_button, step in FLOW_BUTTONS:
            if (parsed := flow_button.parse(data)) is not None:
                report = await cases.find(ctx.services, parsed[0])
                if await check(ctx, case_flow.STEP_ACTION[step], report):
                    assert report is not None
                    await self.flow.begin(ctx, step, report)
                return
        await refuse(ctx, "no_report")  # garbage, forged, or a report id that cannot be

    async def take(self, ctx: Ctx, report: Report | None) -> None:
        """Take the case: exactly one of racing presses wins; the others hear who has it."""
        if await cases.taken_unfinished(ctx.services, report, ctx.user_id):
            # This press took it before a lock or a full disk cut it short (tried again).
            assert report is not None
            taken = report
        else:
            if not await check(ctx, Action.TAKE, report):
                return
            assert report is not None
            outcome = await cases.take(ctx.services, report, ctx.user_id, ctx.now)
            if not outcome.won:
                await check(ctx, Action.TAKE, outcome.report)
                return
            assert outcome.report is not None
            taken = outcome.report
        await ctx.answer(plain(ctx.t("triage.taken.answer", ref=report.ref)))
        await self.after_taken(ctx, taken, ctx.user_id, "triage.taken.heading")

    async def after_taken(self, ctx: Ctx, report: Report, worker: int, heading: str,
                          **values: object) -> None:
        """Tidy the cards and give the worker the details (the reporter was told with the
        change itself)."""
        services = ctx.services
        person = await cases.person(services, worker)
        await routing.settle(services, report, person, ctx.now)
        if worker == ctx.user_id:
            await self.show_details(ctx, report, ctx.t(heading, ref=report.ref, **values))
        else:
            await routing.send(services, await routing.details_for(services, worker, report,
                                                                   heading, **values), ctx.now)
        services.wake()

    async def show_details(self, ctx: Ctx, report: Report, heading: str) -> None:
        """Everything about a case, to the acting person: text, map pin, photos."""
        # Coordinators may also erase the reporter's personal data from here.
        rows = case_buttons.case(ctx.services, ctx.lang, report) + erase_rows(ctx, report)
        await self.details_shown(ctx, report, await ctx.reply(
            await report_texts.details(ctx.services, ctx.lang, report, heading), optional(rows)))
        if report.latitude is not None and report.longitude is not None:
            await self.details_shown(ctx, report, await ctx.send_location(
                report.latitude, report.longitude), withdrawals.MEDIA)
        for file_id in report.photos:
            await self.details_shown(ctx, report, await ctx.send_photo(file_id),
                                     withdrawals.MEDIA)
        await self.send_voice(ctx, report)

    async def details_shown(self, ctx: Ctx, report: Report, sent: Sent | None,
                            kind: str = withdrawals.TEXT) -> None:
        """Remember the message that shows the case's details (phone, address; the pin, a
        photo), so that it is taken back when the case is no longer the person's."""
        if sent is not None:
            await withdrawals.shown_case(ctx.services, ctx.chat_id, sent.message_id, report.id,
                                         ctx.now, kind)

    async def send_voice(self, ctx: Ctx, report: Report) -> None:
        """The voice note said instead of a description, through the outbox with the details'
        access check (it may name the reporter or the person in need)."""
        await routing.send(ctx.services, routing.voice_for(ctx.chat_id, ctx.lang, report),
                           ctx.now)

    async def view(self, ctx: Ctx, report: Report | None) -> None:
        """Show one case: full details to its worker and coordinators, else the public part."""
        if not await check(ctx, Action.VIEW, report):
            return
        assert report is not None
        await ctx.answer()
        if report.status is Status.NEW and ctx.role is not Role.COORDINATOR:
            await ctx.reply(await report_texts.card(ctx.services, ctx.lang, report),
                            buttons(case_buttons.take(ctx.services, ctx.lang, report)))
            return
        if report.status is Status.NEW:
            # A coordinator sees the full details (phone, address) of an untaken report too.
            await trail.note(ctx.services, ctx.user_id, "view.case", "report", report.id)
            await self.details_shown(ctx, report, await ctx.reply(
                await report_texts.details(ctx.services, ctx.lang, report),
                buttons(case_buttons.take(ctx.services, ctx.lang, report, assign=True)
                        + erase_rows(ctx, report))))
            await self.send_voice(ctx, report)
            return
        await trail.note(ctx.services, ctx.user_id, "view.case", "report", report.id)
        await self.show_details(ctx, report, ctx.t("triage.case.heading", ref=report.ref))
        history = await cases.events(ctx.services, report.id)
        lines = [ctx.t("triage.history.title")]
        for event in history[-10:]:
            # Said as staff say it (report.event.* speaks to the reporter: "you sent…").
            what = ctx.t(f"triage.history.event.{event.kind}")
            detail = excerpt(event.detail, 60) if event.kind in QUOTED else ""
            lines.append(ctx.t("triage.history.line", what=what, detail=detail))
        given = await ledger.case_lines(ctx.services, ctx.lang, report.id)
        await ctx.reply("\n".join([*lines, *(["", *given] if given else [])]))

    async def release(self, ctx: Ctx, report: Report | None) -> None:
        """Give the case back: untaken again and routed afresh (the reporter told)."""
        if not await check(ctx, Action.RELEASE, report):
            return
        assert report is not None
        changed = await cases.release(ctx.services, report, ctx.user_id, ctx.now)
        if changed is None:
            await refuse(ctx, "moved", ref=report.ref)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        await ctx.reply(ctx.t("triage.released", ref=report.ref))

    async def assign_menu(self, ctx: Ctx, report: Report | None, number: int | None = None
                          ) -> None:
        """Coordinators: choose a worker for an untaken report, a page at a time (those of
        its community first); a page button turns the menu in place."""
        if not await check(ctx, Action.ASSIGN, report):
            return
        assert report is not None
        await ctx.answer()
        choices = await cases.assign_choices(ctx.services, report, number or 0)
        found = choices.page
        if not found.total:
            await ctx.reply(ctx.t("triage.assign.nobody"))
            return
        items = [(w.display_name, ASSIGN_TO.data(report.id, w.telegram_id)) for w in found.items]
        rows = [*pairs(items), *page_rows(ctx.t, found,
                                          lambda n: ASSIGN_PAGE.data(report.id, n))]
        lines = [ctx.t("triage.assign.choose", ref=report.ref)]
        if choices.area is not None:
            lines.append(ctx.t("triage.assign.area_first", area=choices.area))
        lines += page_line(ctx.t, found)
        if number is None:
            await ctx.reply("\n".join(lines), buttons(rows))
        else:
            await ctx.edit_or_reply("\n".join(lines), buttons(rows))

    async def assign(self, ctx: Ctx, report: Report | None, worker_id: int) -> None:
        """Coordinators: give an untaken report to a worker."""
        if not await check(ctx, Action.ASSIGN, report):
            return
        assert report is not None
        worker = await cases.person(ctx.services, worker_id)
        if worker is None or ctx.services.role_of(worker) is Role.RESIDENT:
            await refuse(ctx, "not_a_worker")
            return
        outcome = await cases.take(ctx.services, report, worker.telegram_id, ctx.now,
                                   actor=ctx.user_id)
        if not outcome.won or outcome.report is None:
            await check(ctx, Action.ASSIGN, outcome.report)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        await ctx.reply(ctx.t("triage.assign.done", ref=report.ref, name=worker.display_name))
        by = await titles.signature(ctx.services, ctx.services.lang_of(worker), ctx.user_id)
        await self.after_taken(ctx, outcome.report, worker.telegram_id, "triage.assign.heading",
                               by=by)

    async def reply_start(self, ctx: Ctx, report: Report | None) -> None:
        """The reporter wants to answer the worker: wait for their text."""
        if not await check(ctx, Action.REPLY, report):
            return
        assert report is not None
        await self.flow.begin(ctx, case_flow.REPLY, report)

    async def answered_worker(self, ctx: Ctx) -> bool:
        """A reporter's answer with Telegram's reply to the worker's relayed words, whatever
        else they have open: passed on as the reply button's would (the same checks, the
        same history). False for any other message."""
        message = ctx.message
        replied = None if message is None else message.reply_to_message
        if message is None or replied is None:
            return False
        report = await cases.answered_relay(ctx.services, ctx.user_id, replied.message_id)
        if report is None:
            return False
        await self.flow.reply_now(ctx, report, message)
        return True

    async def reporter_message(self, ctx: Ctx) -> bool:
        """A message outside any flow from a reporter whose case a worker has, typed with one
        such case open: they are shown that case's reply button (where free text goes is
        never guessed; Telegram's reply to the worker's words was taken before any flow, by
        answered_worker). False for anything else: the usual fallback answers it."""
        message = ctx.message
        if message is None or message.text is None:
            return False
        held = await cases.reporter_cases(ctx.services, ctx.user_id)
        if len(held) != 1:
            return False
        await ctx.reply(ctx.t("triage.relay.reply_hint", ref=held[0].ref,
                              button=ctx.t("triage.button.reply")),
                        optional(case_buttons.reply(ctx.services, ctx.lang, held[0])))
        return True

    # -- the reporter's answer to "did help arrive?" -----------------------------------

    async def feedback(self, ctx: Ctx) -> None:
        """fb:ok:<id> or fb:more:<id> from the reporter after a resolve."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        helped, more = HELPED.parse(data), MORE.parse(data)
        asked = helped or more
        if asked is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        report = await cases.find(ctx.services, asked[0])
        if not await check(ctx, Action.FEEDBACK, report):
            return
        assert report is not None
        await ctx.answer()
        await ctx.drop_keyboard()
        if helped is not None:
            await cases.confirm_helped(ctx.services, report, ctx.user_id, ctx.now,
                                       ctx.update.update_id)
            await ctx.reply(ctx.t("triage.feedback.thanks"))
            return
        await self.reopen(ctx, report)

    async def reopen(self, ctx: Ctx, report: Report) -> None:
        """Help did not arrive: the case is open again, and its worker and coordinators hear
        (or, its worker gone, it is offered afresh and the reporter told so)."""
        reopened = await cases.reopen(ctx.services, report, ctx.user_id, ctx.now)
        if reopened is None:
            await refuse(ctx, "moved", ref=report.ref)
            return
        key = "triage.feedback.reopened" if reopened.kept else "triage.feedback.reopened_waiting"
        await ctx.reply(ctx.t(key, ref=report.ref))
