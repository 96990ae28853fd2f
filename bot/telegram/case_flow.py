"""The case flow: one typed text about one report (a note, a message to the reporter, the
outcome, a referral, the reason for closing, the reporter's reply), acted on when it comes.

It starts from the case buttons (bot/telegram/case_actions.py). The right to act is checked
when the button is pressed and again when the text arrives, since the case may have moved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import InlineKeyboardMarkup, Message

from bot.domain.people import Role
from bot.domain.reports import Report, parse_reference
from bot.domain.triage import MESSAGE_MAX, NOTE_MAX, Action, check_text
from bot.services import case_buttons, cases, routing
from bot.telegram import flows as flow_runner
from bot.telegram.case_checks import check, refuse
from bot.telegram.context import Ctx
from bot.telegram.flowkit import CODEC, Int, On, Refused, Step, StepFlow, Steps, on
from bot.telegram.keyboards import buttons, optional, picker

FLOW = "case"
# The answer to each kind of case entry a typed step makes (triage.done.<key>).
# The case entries an update of the case flow makes, and the key of the answer it got
# (`triage.done.<key>`), so the update handled again after a crash is answered the same way.
DONE = {"note": "note", "message": "msg", "reply": "reply", "resolved": "res",
        "referred": "ref", "closed": "close"}
WITH_CASE_BUTTONS = ("note", "message")  # the answers that carry the case's buttons
CF = CODEC.prefix("cf", "the case flow (bot/telegram/case_flow.py)")
REFER_TO = CF.button("rw", Int(15))  # cf:rw:<worker>  refer the case to this colleague
REFER_PAGE = CF.button("rp", Int(4))  # cf:rp:<page>  another page of colleagues

# Steps of the case flow: each waits for one typed text about one report.
NOTE, MESSAGE, RESOLVE, REFER, CLOSE, REPLY = "note", "msg", "res", "ref", "close", "reply"
STEP_ACTION = {NOTE: Action.NOTE, MESSAGE: Action.MESSAGE, RESOLVE: Action.RESOLVE,
               REFER: Action.REFER, CLOSE: Action.CLOSE, REPLY: Action.REPLY}
STEP_LIMIT = {NOTE: NOTE_MAX, MESSAGE: MESSAGE_MAX, RESOLVE: NOTE_MAX, REFER: NOTE_MAX,
              CLOSE: NOTE_MAX, REPLY: MESSAGE_MAX}


def case_markup(ctx: Ctx, report: Report) -> InlineKeyboardMarkup | None:
    """The buttons of an open case, for the acting person."""
    return optional(case_buttons.case(ctx.services, ctx.lang, report))


@dataclass
class CaseDraft:
    """The report the awaited text is about (the key drafts have always been saved under)."""

    report: int = 0


class CaseFlow(StepFlow[CaseDraft]):
    """Waits for one typed text about a case: note, message, outcome, referral, closing."""

    name = FLOW
    callbacks = CF
    data_type = CaseDraft
    stale_key = "error.stale_button"

    def __init__(self) -> None:
        def step(name: str, *bound: On[CaseDraft]) -> Step[CaseDraft]:
            """A step that asks for, and takes, the text `name` stands for."""
            async def ask(ctx: Ctx, draft: CaseDraft) -> None:
                await self._ask(ctx, name, draft)

            async def take(ctx: Ctx, draft: CaseDraft, message: Message) -> bool:
                return await self._typed(ctx, name, draft, message)

            return Step(ask, take, bound)

        self.steps = Steps({
            NOTE: step(NOTE), MESSAGE: step(MESSAGE), RESOLVE: step(RESOLVE),
            REFER: step(REFER, on(REFER_TO, self._refer_to),
                        on(REFER_PAGE, self._turn_colleagues, keep=True)),
            CLOSE: step(CLOSE), REPLY: step(REPLY),
        })

    async def start(self, ctx: Ctx) -> None:
        """Case steps start from buttons only."""
        await ctx.reply(ctx.t("triage.cases.use_buttons"))

    async def begin(self, ctx: Ctx, step: str, report: Report) -> None:
        """Wait for the text of `step`, unless another flow (a report draft, a /log) is half
        done: then the person is told which and asked its question again, so what they type
        next goes where they can see it goes (another case's text may be replaced)."""
        await ctx.answer()
        if await flow_runner.busy(ctx, FLOW):
            return
        await self.save(ctx, step, CaseDraft(report.id))
        await self._ask_about(ctx, step, report, with_colleagues=True)

    async def said_again(self, ctx: Ctx) -> bool:
        """An update handled again after a crash whose note, message, reply or conclusion
        (resolved, referred, closed) was saved (and its flow ended with it) before: answered
        as the first time; nothing saved or sent again."""
        found = await cases.entry_made_by(ctx.services, ctx.user_id, ctx.update.update_id)
        if found is None or found[1] not in DONE:
            return False
        report, kind = found
        markup = case_markup(ctx, report) if kind in WITH_CASE_BUTTONS else None
        await ctx.reply(ctx.t(f"triage.done.{DONE[kind]}", ref=report.ref), markup)
        return True

    async def reply_now(self, ctx: Ctx, report: Report, message: Message) -> None:
        """The reporter's answer to the worker, sent without the reply button (Telegram's
        reply to the relayed message): taken as the button's step takes it, checks and all."""
        await self._typed(ctx, REPLY, CaseDraft(report.id), message)

    # -- asking ------------------------------------------------------------------------------

    async def _ask(self, ctx: Ctx, step: str, draft: CaseDraft) -> None:
        """Ask again for the text of the current step."""
        await self._ask_about(ctx, step, await cases.find(ctx.services, draft.report),
                              with_colleagues=False)

    async def _ask_about(self, ctx: Ctx, step: str, report: Report | None, *,
                         with_colleagues: bool) -> None:
        if with_colleagues and step == REFER and report is not None:
            await ctx.reply(*await self._colleagues(ctx, report, 0))
            return
        await ctx.reply(ctx.t(f"triage.ask.{step}", ref=report.ref if report else "?",
                              max=STEP_LIMIT[step]))

    async def _colleagues(self, ctx: Ctx, report: Report,
                          number: int) -> tuple[str, InlineKeyboardMarkup | None]:
        """The referral question with page `number` of the buttons that refer the case to
        another worker on duty."""
        items = [(ctx.label("triage.refer.to", name=w.display_name), REFER_TO.data(w.telegram_id))
                 for w in await cases.active_workers(ctx.services)
                 if w.telegram_id != report.taken_by]
        rows, page = picker(ctx.t, items, number, REFER_PAGE.data)
        text = "\n".join([ctx.t(f"triage.ask.{REFER}", ref=report.ref, max=STEP_LIMIT[REFER]),
                          *page])
        return text, buttons(rows) if items else None

    async def _turn_colleagues(self, ctx: Ctx, draft: CaseDraft, number: int) -> Refused | None:
        """cf:rp:<page> at the referral step: another page of colleagues, in the same
        message, while the presser may still refer the case."""
        report = await cases.find(ctx.services, draft.report)
        if not await check(ctx, Action.REFER, report):
            await self.end(ctx)
            return None  # refused and answered by the check
        assert report is not None
        await ctx.edit_or_reply(*await self._colleagues(ctx, report, number))
        return None

    # -- the referral button -----------------------------------------------------------------

    async def _refer_to(self, ctx: Ctx, draft: CaseDraft, worker_id: int) -> Refused | None:
        """cf:rw:<worker> at the referral step: hand the case to another worker."""
        report = await cases.find(ctx.services, draft.report)
        if not await check(ctx, Action.REFER, report):
            await self.end(ctx)
            return None  # refused and answered by the check
        assert report is not None and report.taken_by is not None
        target = await cases.person(ctx.services, worker_id)
        if (target is None or ctx.services.role_of(target) is Role.RESIDENT
                or target.telegram_id == report.taken_by):
            return Refused("triage.refused.not_a_worker")
        moved = await cases.refer_to(ctx.services, report, target, ctx.person, ctx.now)
        await self.end(ctx)
        if moved is None:
            await refuse(ctx, "moved", ref=report.ref)
            return None
        await ctx.reply(ctx.t("triage.refer.done", ref=report.ref, name=target.display_name))
        return None

    # -- the typed text ----------------------------------------------------------------------

    async def _typed(self, ctx: Ctx, step: str, draft: CaseDraft, message: Message) -> bool:
        """Take the typed text, re-check the right to act, and do it. A note, a message, a
        reply or a conclusion (resolve, refer, close) is saved under the update it came in,
        the flow ending in the same transaction: handled again after a crash, the update is
        answered again (said_again) but nothing is saved or sent twice."""
        text = message.text
        problem = check_text(text, STEP_LIMIT[step])
        if problem is not None:
            await ctx.reply(ctx.t(f"triage.problem.{problem}", max=STEP_LIMIT[step]))
            return True
        assert text is not None
        text = text.strip()
        report = await cases.find(ctx.services, draft.report)
        if not await check(ctx, STEP_ACTION[step], report):
            await self.end(ctx)
            return True
        assert report is not None
        # True: nothing was saved (refused, or the case moved) and the flow ends here; False:
        # it ended with what was saved, or stays for the text again (a wrong reference).
        to_end = await {
            NOTE: self._note, MESSAGE: self._message, RESOLVE: self._resolve,
            REFER: self._refer, CLOSE: self._close, REPLY: self._reply,
        }[step](ctx, report, text)
        if to_end:
            await self.end(ctx)
        return True

    async def _note(self, ctx: Ctx, report: Report, text: str) -> bool:
        await cases.note(ctx.services, report, ctx.user_id, text, ctx.now,
                         ctx.update.update_id, FLOW)
        await ctx.reply(ctx.t("triage.done.note", ref=report.ref), case_markup(ctx, report))
        return False  # ended with the entry: no write left to fail after it

    async def _message(self, ctx: Ctx, report: Report, text: str) -> bool:
        reporter = await cases.person(ctx.services, report.reporter_id)
        if reporter is None or not reporter.reachable:
            await ctx.reply(ctx.t("triage.relay.blocked", ref=report.ref),
                            case_markup(ctx, report))
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
        await cases.relay(ctx.services, report, ctx.user_id, "message", text, queued, ctx.now,
                          ctx.update.update_id, FLOW)
        await ctx.reply(ctx.t("triage.done.msg", ref=report.ref), case_markup(ctx, report))
        return False  # ended with the entry

    async def _reply(self, ctx: Ctx, report: Report, text: str) -> bool:
        if not await cases.reply(ctx.services, report, ctx.user_id, text, ctx.now,
                                 ctx.update.update_id, FLOW):
            await ctx.reply(ctx.t("triage.refused.no_worker", ref=report.ref))
            return True
        await ctx.reply(ctx.t("triage.done.reply", ref=report.ref))
        return False  # ended with the entry

    async def _concluded(self, ctx: Ctx, report: Report, changed: Report | None,
                         done_key: str) -> bool:
        """Say whether the conclusion happened; True when the flow is still to end (the
        case moved meanwhile: nothing done), False when it ended with the conclusion."""
        if changed is None:
            await refuse(ctx, "moved", ref=report.ref)
            return True
        await ctx.reply(ctx.t(done_key, ref=report.ref))
        return False

    async def _resolve(self, ctx: Ctx, report: Report, text: str) -> bool:
        changed = await cases.resolve(ctx.services, report, ctx.user_id, text, ctx.now,
                                      ctx.update.update_id, FLOW)
        return await self._concluded(ctx, report, changed, "triage.done.res")

    async def _refer(self, ctx: Ctx, report: Report, text: str) -> bool:
        changed = await cases.refer(ctx.services, report, ctx.user_id, text, ctx.now,
                                    ctx.update.update_id, FLOW)
        return await self._concluded(ctx, report, changed, "triage.done.ref")

    async def _close(self, ctx: Ctx, report: Report, text: str) -> bool:
        other_id = parse_reference(text)
        other_ref = ""
        if other_id is not None:
            other = await cases.find(ctx.services, other_id)
            if other_id == report.id or other is None:
                await ctx.reply(ctx.t("triage.problem.duplicate", ref=report.ref))
                return False
            other_ref = other.ref
            detail, key = f"duplicate:{other_ref}", "triage.reporter.duplicate"
        else:
            detail, key = text, "triage.reporter.closed"
        changed = await cases.close(ctx.services, report, ctx.person, detail, key, other_ref,
                                    ctx.now, ctx.update.update_id, FLOW)
        return await self._concluded(ctx, report, changed, "triage.done.close")
