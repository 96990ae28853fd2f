"""The resident's report flow (/report), the receipt, and /myreports."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.people import Role
from bot.domain.reports import (
    ADDRESS_MAX,
    ADDRESS_MIN,
    AREA_TEXT_MAX,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MAX_PHOTOS,
    SUBJECT_MAX,
    Category,
    Draft,
    Report,
    Urgency,
    check_description,
    check_length,
    excerpt,
    looks_repeated,
    normalise_phone,
    over_rate_limit,
)
from bot.services import routing
from bot.telegram import flows as flow_runner
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.format import local_time
from storage import areas, flows, reports
from storage.flows import FlowState
from storage.outbox import Outgoing

log = logging.getLogger(__name__)

NAME = "report"
PREFIX = "rp"
HISTORY_PREFIX = "mr"

# Steps in order; editing from the summary jumps to one and comes back.
CATEGORY, DESCRIPTION, SUBJECT, PLACE, PLACE_MORE, AREA = (
    "category", "description", "subject", "place", "place_more", "area")
URGENCY, PHOTOS, CONTACT, CONFIRM, EDIT = "urgency", "photos", "contact", "confirm", "edit"
EDITABLE = (CATEGORY, DESCRIPTION, SUBJECT, PLACE, AREA, URGENCY, PHOTOS, CONTACT)

def _buttons(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def _pairs(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    return [items[i : i + 2] for i in range(0, len(items), 2)]


@dataclass
class ReportFlow:
    """Asks what, who, where, how urgent, photos and contact; then summary and confirm."""

    table: CommandTable
    name: str = NAME
    prefix: str = PREFIX

    # -- entry points -------------------------------------------------------------------

    async def start(self, ctx: Ctx) -> None:
        """Begin a report, or pick up the one in progress."""
        state = await flow_runner.current(ctx)  # an expired draft is dropped, and said so
        if state is not None and state.name == NAME:
            await ctx.reply(ctx.t("report.resume"))
            await self.ask(ctx, state)
            return
        recent = await reports.recent_count(ctx.db, ctx.user_id, ctx.now)
        if over_rate_limit(recent, ctx.services.settings.reports_per_hour):
            await ctx.reply(ctx.t("report.rate_limited"))
            return
        state = await self._save(ctx, CATEGORY, Draft())
        await ctx.reply(ctx.t("report.intro"))
        await self.ask(ctx, state)

    async def _save(self, ctx: Ctx, step: str, draft: Draft) -> FlowState:
        return await ctx.save_flow(NAME, step, draft.to_data())

    async def _advance(self, ctx: Ctx, draft: Draft, step: str) -> None:
        """Save the answer and ask the next question (or go back to the summary when editing)."""
        if draft.editing and step not in (PLACE_MORE,):
            draft.editing = False
            step = CONFIRM
        state = await self._save(ctx, step, draft)
        await self.ask(ctx, state)

    # -- questions ----------------------------------------------------------------------

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the current step."""
        draft = Draft.from_data(state.data)
        asker = {
            CATEGORY: self._ask_category, DESCRIPTION: self._ask_text(DESCRIPTION),
            SUBJECT: self._ask_subject, PLACE: self._ask_place, PLACE_MORE: self._ask_place_more,
            AREA: self._ask_area, URGENCY: self._ask_urgency, PHOTOS: self._ask_photos,
            CONTACT: self._ask_contact, CONFIRM: self._ask_confirm, EDIT: self._ask_edit,
        }[state.step]
        await asker(ctx, draft)

    async def _ask_category(self, ctx: Ctx, draft: Draft) -> None:
        items = [(ctx.t(f"report.category.{c}"), f"{PREFIX}:cat:{c}") for c in Category]
        await ctx.reply(ctx.t("report.ask.category"), _buttons(_pairs(items)))

    def _ask_text(self, step: str) -> Callable[[Ctx, Draft], Awaitable[None]]:
        async def ask(ctx: Ctx, draft: Draft) -> None:
            await ctx.reply(ctx.t(f"report.ask.{step}"), ReplyKeyboardRemove())
        return ask

    async def _ask_subject(self, ctx: Ctx, draft: Draft) -> None:
        await ctx.reply(ctx.t("report.ask.subject"),
                        _buttons([[(ctx.t("report.button.skip"), f"{PREFIX}:skip")]]))

    async def _ask_place(self, ctx: Ctx, draft: Draft) -> None:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(ctx.t("report.button.share_location"), request_location=True)]],
            resize_keyboard=True, one_time_keyboard=True,
        )
        await ctx.reply(ctx.t("report.ask.place"), keyboard)

    async def _ask_place_more(self, ctx: Ctx, draft: Draft) -> None:
        await ctx.reply(ctx.t("report.ask.place_more"), ReplyKeyboardRemove())
        await ctx.reply(ctx.t("report.ask.place_more_buttons"),
                        _buttons([[(ctx.t("report.button.next"), f"{PREFIX}:next")]]))

    async def _ask_area(self, ctx: Ctx, draft: Draft) -> None:
        known = await areas.active(ctx.db)
        if not known:
            await ctx.reply(ctx.t("report.ask.area_typed"),
                            _buttons([[(ctx.t("report.button.not_sure"), f"{PREFIX}:area:0")]]))
            return
        items = [(a.name, f"{PREFIX}:area:{a.id}") for a in known]
        items.append((ctx.t("report.button.not_sure"), f"{PREFIX}:area:0"))
        await ctx.reply(ctx.t("report.ask.area"), _buttons(_pairs(items)))

    async def _ask_urgency(self, ctx: Ctx, draft: Draft) -> None:
        rows = [[(ctx.t(f"report.urgency.{u}"), f"{PREFIX}:urg:{u}")] for u in Urgency]
        await ctx.reply(ctx.t("report.ask.urgency"), _buttons(rows))

    async def _ask_photos(self, ctx: Ctx, draft: Draft) -> None:
        label = "report.button.done" if draft.photos else "report.button.skip"
        await ctx.reply(ctx.t("report.ask.photos", max=MAX_PHOTOS, count=len(draft.photos)),
                        _buttons([[(ctx.t(label), f"{PREFIX}:next")]]))

    async def _ask_contact(self, ctx: Ctx, draft: Draft) -> None:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(ctx.t("report.button.share_phone"), request_contact=True)],
             [KeyboardButton(ctx.t("report.button.anonymous"))]],
            resize_keyboard=True, one_time_keyboard=True,
        )
        await ctx.reply(ctx.t("report.ask.contact"), keyboard)

    async def _ask_confirm(self, ctx: Ctx, draft: Draft) -> None:
        await ctx.reply(ctx.t("report.summary.ready"), ReplyKeyboardRemove())
        await ctx.reply(await self.summary(ctx, draft), _buttons([
            [(ctx.t("report.button.confirm"), f"{PREFIX}:ok")],
            [(ctx.t("report.button.edit"), f"{PREFIX}:edit"),
             (ctx.t("report.button.cancel"), f"{PREFIX}:cancel")],
        ]))

    async def _ask_edit(self, ctx: Ctx, draft: Draft) -> None:
        items = [(ctx.t(f"report.field.{f}"), f"{PREFIX}:ef:{f}") for f in EDITABLE]
        rows = [*_pairs(items), [(ctx.t("report.button.back"), f"{PREFIX}:back")]]
        await ctx.reply(ctx.t("report.ask.edit"), _buttons(rows))

    async def summary(self, ctx: Ctx, draft: Draft) -> str:
        """The draft as the resident will confirm it."""
        lines = [ctx.t("report.summary.title")]
        if draft.category:
            lines.append(ctx.t("report.summary.category",
                               value=ctx.t(f"report.category.{draft.category}")))
        lines.append(ctx.t("report.summary.description", value=draft.description or ""))
        lines.append(ctx.t("report.summary.subject",
                           value=draft.subject or ctx.t("report.summary.none")))
        lines.append(ctx.t("report.summary.place", value=self._place_text(ctx, draft)))
        lines.append(ctx.t("report.summary.area", value=await self._area_text(ctx, draft)))
        if draft.urgency:
            lines.append(ctx.t("report.summary.urgency",
                               value=ctx.t(f"report.urgency.{draft.urgency}")))
        lines.append(ctx.t("report.summary.photos", count=len(draft.photos)))
        contact = (ctx.t("report.summary.anonymous") if draft.anonymous
                   else draft.phone or ctx.t("report.summary.none"))
        lines.append(ctx.t("report.summary.contact", value=contact))
        return "\n".join(lines)

    def _place_text(self, ctx: Ctx, draft: Draft) -> str:
        parts = []
        if draft.latitude is not None and draft.longitude is not None:
            parts.append(ctx.t("report.summary.location_shared"))
        if draft.address:
            parts.append(draft.address)
        return ctx.join(parts, "list.semicolon")

    async def _area_text(self, ctx: Ctx, draft: Draft) -> str:
        if draft.area_id:
            area = await areas.get(ctx.db, draft.area_id)
            if area is not None:
                return area.name
        return draft.area_text or ctx.t("report.summary.not_sure")

    # -- answers ------------------------------------------------------------------------

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take a typed answer, a location, a photo or a contact at the current step."""
        message = ctx.message
        if message is None:
            return
        draft = Draft.from_data(state.data)
        taker = {
            CATEGORY: self._typed_category, DESCRIPTION: self._typed_description,
            SUBJECT: self._typed_subject, PLACE: self._typed_place,
            PLACE_MORE: self._typed_place_more, AREA: self._typed_area,
            URGENCY: self._typed_urgency, PHOTOS: self._sent_photo, CONTACT: self._sent_contact,
        }.get(state.step)
        if taker is None or not await taker(ctx, draft, message):
            await self._expect(ctx, state.step)

    async def _expect(self, ctx: Ctx, step: str) -> None:
        """Say what this step expects; the flow stays where it is."""
        await ctx.reply(ctx.t(f"report.expect.{step}"))

    async def _typed_category(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        text = (message.text or "").strip()
        for index, category in enumerate(Category, start=1):
            label = ctx.t(f"report.category.{category}")
            if text and (text == str(index) or text.lower() in label.lower()):
                draft.category = category
                await self._advance(ctx, draft, DESCRIPTION)
                return True
        return False

    async def _typed_description(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        if message.text is None:
            return False
        problem = check_description(message.text)
        if problem is not None:
            await ctx.reply(ctx.t(f"report.problem.description.{problem}",
                                  min=DESCRIPTION_MIN, max=DESCRIPTION_MAX))
            return True
        draft.description = message.text.strip()
        await self._advance(ctx, draft, SUBJECT)
        return True

    async def _typed_subject(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        if message.text is None:
            return False
        problem = check_length(message.text, 1, SUBJECT_MAX)
        if problem is not None:
            await ctx.reply(ctx.t("report.problem.subject", max=SUBJECT_MAX))
            return True
        draft.subject = message.text.strip()
        await self._advance(ctx, draft, PLACE)
        return True

    async def _typed_place(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        if message.location is not None:
            draft.latitude = message.location.latitude
            draft.longitude = message.location.longitude
            draft.address = None
            state = await self._save(ctx, PLACE_MORE, draft)
            await ctx.reply(ctx.t("report.location_received"))
            await self.ask(ctx, state)
            return True
        if message.text is None:
            return False
        if not await self._take_address(ctx, draft, message.text):
            return True
        draft.latitude = draft.longitude = None
        await self._advance(ctx, draft, AREA)
        return True

    async def _take_address(self, ctx: Ctx, draft: Draft, text: str) -> bool:
        if check_length(text, ADDRESS_MIN, ADDRESS_MAX) is not None:
            await ctx.reply(ctx.t("report.problem.address", min=ADDRESS_MIN, max=ADDRESS_MAX))
            return False
        draft.address = text.strip()
        return True

    async def _typed_place_more(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        if message.text is None:
            return False
        if await self._take_address(ctx, draft, message.text):
            await self._advance(ctx, draft, AREA)
        return True

    async def _typed_area(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        text = (message.text or "").strip()
        if not text:
            return False
        known = await areas.active(ctx.db)
        if known:
            match = [a for a in known if a.name == text] or [a for a in known if text in a.name]
            if len(match) != 1:
                return False
            draft.area_id, draft.area_text = match[0].id, None
        else:
            if check_length(text, 1, AREA_TEXT_MAX) is not None:
                await ctx.reply(ctx.t("report.problem.area", max=AREA_TEXT_MAX))
                return True
            draft.area_id, draft.area_text = None, text
        await self._advance(ctx, draft, URGENCY)
        return True

    async def _typed_urgency(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        text = (message.text or "").strip().lower()
        for urgency in Urgency:
            if text and text in ctx.t(f"report.urgency.{urgency}").lower():
                await self._take_urgency(ctx, draft, urgency)
                return True
        return False

    async def _take_urgency(self, ctx: Ctx, draft: Draft, urgency: Urgency) -> None:
        draft.urgency = urgency
        if urgency is Urgency.DANGER:
            await ctx.reply(ctx.t("report.danger_advice"))
        await self._advance(ctx, draft, PHOTOS)

    async def _sent_photo(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        if not message.photo:
            return False
        if len(draft.photos) >= MAX_PHOTOS:
            await ctx.reply(ctx.t("report.photos_full", max=MAX_PHOTOS))
            return True
        file_id = message.photo[-1].file_id  # the largest size Telegram made
        if file_id not in draft.photos:
            draft.photos.append(file_id)
        if len(draft.photos) >= MAX_PHOTOS:
            await ctx.reply(ctx.t("report.photo_received_last", max=MAX_PHOTOS))
            await self._advance(ctx, draft, CONTACT)
            return True
        await self._save(ctx, PHOTOS, draft)
        await ctx.reply(ctx.t("report.photo_received", count=len(draft.photos), max=MAX_PHOTOS),
                        _buttons([[(ctx.t("report.button.done"), f"{PREFIX}:next")]]))
        return True

    async def _sent_contact(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        if message.contact is not None:
            phone = normalise_phone(message.contact.phone_number)
            if phone is None:
                await ctx.reply(ctx.t("report.problem.phone"))
                return True
            draft.phone, draft.anonymous = phone, False
        elif message.text is not None:
            if message.text.strip() == ctx.t("report.button.anonymous"):
                draft.phone, draft.anonymous = None, True
            else:
                phone = normalise_phone(message.text)
                if phone is None:
                    await ctx.reply(ctx.t("report.problem.phone"))
                    return True
                draft.phone, draft.anonymous = phone, False
        else:
            return False
        draft.editing = False
        await self._advance(ctx, draft, CONFIRM)
        return True

    # -- buttons ------------------------------------------------------------------------

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Take a button press at the current step; a button of another step is stale."""
        draft = Draft.from_data(state.data)
        action, arg = [*parts, "", ""][:2]
        handled = await self._button(ctx, state.step, draft, action, arg)
        if handled:
            await ctx.answer()
            await ctx.drop_keyboard()
        else:
            await ctx.answer(ctx.t("report.stale_step"), alert=True)

    async def _button(self, ctx: Ctx, step: str, draft: Draft, action: str, arg: str) -> bool:
        if step == CATEGORY and action == "cat" and arg in set(Category):
            draft.category = Category(arg)
            await self._advance(ctx, draft, DESCRIPTION)
        elif step == SUBJECT and action == "skip":
            draft.subject = None
            await self._advance(ctx, draft, PLACE)
        elif step == PLACE_MORE and action == "next":
            await self._advance(ctx, draft, AREA)
        elif step == AREA and action == "area" and arg.isdigit():
            return await self._area_button(ctx, draft, int(arg))
        elif step == URGENCY and action == "urg" and arg in set(Urgency):
            await self._take_urgency(ctx, draft, Urgency(arg))
        elif step == PHOTOS and action == "next":
            await self._advance(ctx, draft, CONTACT)
        elif step == CONFIRM and action in ("ok", "edit", "cancel", "same", "new"):
            await self._confirm_button(ctx, draft, action)
        elif step == EDIT and action == "ef" and arg in EDITABLE:
            await self._edit_field(ctx, draft, arg)
        elif step == EDIT and action == "back":
            state = await self._save(ctx, CONFIRM, draft)
            await self.ask(ctx, state)
        else:
            return False
        return True

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """A second Confirm (double tap, or replayed after a crash) repeats the reference."""
        await ctx.drop_keyboard()
        if parts[:1] == ["ok"]:
            latest = await reports.by_reporter(ctx.db, ctx.user_id, limit=1)
            if latest:
                await ctx.answer()
                await ctx.reply(ctx.t("report.already_sent", ref=latest[0].ref))
                return
        await ctx.answer(ctx.t("report.stale_step"), alert=True)

    async def _area_button(self, ctx: Ctx, draft: Draft, area_id: int) -> bool:
        if area_id:
            area = await areas.get(ctx.db, area_id)
            if area is None or area.retired:
                return False
            draft.area_id, draft.area_text = area.id, None
        else:
            draft.area_id, draft.area_text = None, None
        await self._advance(ctx, draft, URGENCY)
        return True

    async def _edit_field(self, ctx: Ctx, draft: Draft, field: str) -> None:
        draft.editing = True
        if field == PHOTOS:
            draft.photos = []
        await self._advance_raw(ctx, draft, field)

    async def _advance_raw(self, ctx: Ctx, draft: Draft, step: str) -> None:
        state = await self._save(ctx, step, draft)
        await self.ask(ctx, state)

    async def _confirm_button(self, ctx: Ctx, draft: Draft, action: str) -> None:
        if action == "same":
            latest = await reports.by_reporter(ctx.db, ctx.user_id, limit=1)
            await flows.clear(ctx.db, ctx.user_id)
            ref = latest[0].ref if latest else ""
            await ctx.reply(ctx.t("report.repeat.kept", ref=ref), ReplyKeyboardRemove())
            return
        if action == "new":
            draft.not_a_repeat = True
            await self._save(ctx, CONFIRM, draft)
            await self.submit(ctx)
            return
        if action == "ok" and await self._repeat_asked(ctx, draft):
            return
        if action == "edit":
            await self._advance_raw(ctx, draft, EDIT)
        elif action == "cancel":
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("flow.report.cancelled"), ReplyKeyboardRemove())
        else:
            await self.submit(ctx)

    async def _repeat_asked(self, ctx: Ctx, draft: Draft) -> bool:
        """Ask whether this is the report sent a few minutes ago; True when asked."""
        latest = await reports.by_reporter(ctx.db, ctx.user_id, limit=1)
        previous = latest[0] if latest else None
        if previous is None or not looks_repeated(draft, previous, ctx.now):
            return False
        await ctx.reply(ctx.t("report.repeat.ask", ref=previous.ref), _buttons([
            [(ctx.t("report.repeat.same", ref=previous.ref), f"{PREFIX}:same")],
            [(ctx.t("report.repeat.new"), f"{PREFIX}:new")]]))
        return True

    async def submit(self, ctx: Ctx) -> None:
        """Commit the report, then send the receipt (never the other way round)."""
        def receipt(made: Report) -> list[Outgoing]:
            text = ctx.t(f"report.receipt.{made.urgency}", ref=made.ref)
            return [Outgoing(ctx.chat_id, text, lang=ctx.lang,
                             target={"remove_keyboard": True})]

        outcome = await reports.submit(ctx.db, ctx.user_id, NAME, CONFIRM, ctx.now,
                                       ctx.services.settings.reports_per_hour, receipt)
        if outcome.rate_limited:
            await ctx.reply(ctx.t("report.rate_limited"))
            return
        if outcome.report is None:
            if outcome.duplicate is not None:
                await ctx.reply(ctx.t("report.already_sent", ref=outcome.duplicate.ref))
            return
        report = outcome.report
        # The receipt was queued with the report (owed until delivered): send it now.
        ctx.services.wake()
        try:
            await routing.route(ctx.services, report, ctx.now)
        except Exception:
            # The report is stored; routing that failed here is finished by the scheduler.
            log.exception("routing failed for %s; the scheduler finishes it", report.ref)


class MyReports:
    """/myreports: a person's own reports and, per report, its status history."""

    async def list(self, ctx: Ctx) -> None:
        """Show the person's reports, newest first, with a history button each."""
        mine = await reports.by_reporter(ctx.db, ctx.user_id)
        if not mine:
            await ctx.reply(ctx.t("myreports.none"))
            return
        tz = ctx.services.settings.timezone
        lines = [ctx.t("myreports.title")]
        for report in mine:
            lines.append(ctx.t("myreports.line", ref=report.ref,
                               date=local_time(report.created_at, tz, "%m-%d"),
                               words=excerpt(report.description, 24),
                               status=ctx.t(f"report.status.{report.status}")))
        items = [(r.ref, f"{HISTORY_PREFIX}:{r.id}") for r in mine]
        rows = [items[i : i + 3] for i in range(0, len(items), 3)]
        await ctx.reply("\n".join(lines), _buttons(rows))

    async def history(self, ctx: Ctx) -> None:
        """Show one report's status history, only to the person who made it."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        raw = data.partition(":")[2]
        report = await reports.get(ctx.db, int(raw)) if raw.isdigit() and raw.isascii() \
            and len(raw) < 10 else None
        if report is None or report.reporter_id != ctx.user_id:
            await ctx.answer(ctx.t("myreports.not_yours"), alert=True)
            return
        await ctx.answer()
        tz = ctx.services.settings.timezone
        lines = [ctx.t("myreports.history_title", ref=report.ref,
                       status=ctx.t(f"report.status.{report.status}"))]
        for event in await reports.events(ctx.db, report.id):
            lines.append(ctx.t("myreports.event", when=local_time(event.at, tz, "%m-%d %H:%M"),
                               what=ctx.t(f"report.event.{event.kind}")))
        await ctx.reply("\n".join(lines))


class ReportFeature:
    """Registers /report, /myreports and the report flow."""

    def __init__(self) -> None:
        self.flow: ReportFlow | None = None

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, the flow and the history buttons."""
        self.flow = ReportFlow(table)
        mine = MyReports()
        table.add(Command("report", Role.RESIDENT, self.flow.start, order=10))
        table.add(Command("myreports", Role.RESIDENT, mine.list, order=11))
        flow_registry.add(self.flow)
        app.add_handler(CallbackQueryHandler(handler(mine.history),
                                             pattern=f"^{HISTORY_PREFIX}:"))
