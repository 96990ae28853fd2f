"""The resident's report flow (/report): what, who, where, how urgent, photos, contact;
then the summary, confirm, and the receipt."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.domain.paging import PAGE_SIZE, page_of
from bot.domain.reports import (
    ADDRESS_MAX,
    ADDRESS_MIN,
    AREA_TEXT_MAX,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MAX_PHOTOS,
    SUBJECT_MAX,
    VOICE_MAX_SECONDS,
    Category,
    Draft,
    Report,
    Urgency,
    check_description,
    check_length,
    check_voice,
    looks_repeated,
    normalise_phone,
)
from bot.services import areas, new_reports, routing
from bot.services.areas import Area
from bot.services.new_reports import Outgoing
from bot.telegram.context import Ctx
from bot.telegram.flowkit import CODEC, STALE, Choice, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.flowkit.answers import typed_choice
from bot.telegram.keyboards import buttons, page_line, page_rows, pairs
from bot.telegram.menus import COMMAND
from bot.telegram.report_summary import summary
from storage.flows import FlowState

log = logging.getLogger(__name__)

NAME = "report"

# Steps in order; editing from the summary jumps to one and comes back.
CATEGORY, DESCRIPTION, SUBJECT, PLACE, PLACE_MORE, AREA = (
    "category", "description", "subject", "place", "place_more", "area")
URGENCY, PHOTOS, CONTACT, CONFIRM, EDIT = "urgency", "photos", "contact", "confirm", "edit"
EDITABLE = (CATEGORY, DESCRIPTION, SUBJECT, PLACE, AREA, URGENCY, PHOTOS, CONTACT)

RP = CODEC.prefix("rp", "the report flow")
CATEGORY_B = RP.button("cat", Choice(Category))
SKIP = RP.button("skip")
NEXT = RP.button("next")
AREA_B = RP.button("area", Int())  # 0: not sure
AREA_PAGE = RP.button("apg", Int(4))  # another page of communities
URGENCY_B = RP.button("urg", Choice(Urgency))
OK, EDIT_B, CANCEL = RP.button("ok"), RP.button("edit"), RP.button("cancel")
SAME, NEW = RP.button("same"), RP.button("new")  # "is this the report you just sent?"
FIELD = RP.button("ef", Choice(EDITABLE))
BACK = RP.button("back")


class ReportFlow(StepFlow[Draft]):
    """Asks what, who, where, how urgent, photos and contact; then summary and confirm."""

    name = NAME
    callbacks = RP
    data_type = Draft
    in_place = True  # residents tap through it, often many at once (a storm night)

    def __init__(self) -> None:
        self.steps = Steps({
            CATEGORY: Step(self._ask_category, self._typed_category,
                           (on(CATEGORY_B, self._category),)),
            DESCRIPTION: Step(self._ask_description, self._typed_description),
            SUBJECT: Step(self._ask_subject, self._typed_subject, (on(SKIP, self._no_subject),)),
            PLACE: Step(self._ask_place, self._typed_place),
            PLACE_MORE: Step(self._ask_place_more, self._typed_place_more,
                             (on(NEXT, self._to(AREA)),)),
            AREA: Step(self._ask_area, self._typed_area,
                       (on(AREA_B, self._area), on(AREA_PAGE, self._turn_areas, keep=True))),
            URGENCY: Step(self._ask_urgency, self._typed_urgency, (on(URGENCY_B, self._urgency),)),
            PHOTOS: Step(self._ask_photos, self._sent_photo, (on(NEXT, self._to(CONTACT)),)),
            CONTACT: Step(self._ask_contact, self._sent_contact),
            CONFIRM: Step(self._ask_confirm, buttons=(
                on(OK, self._confirmed), on(EDIT_B, self._edit), on(CANCEL, self._cancelled),
                on(SAME, self._same), on(NEW, self._new))),
            EDIT: Step(self._ask_edit, buttons=(on(FIELD, self._edit_field),
                                                on(BACK, self._back))),
        })

    # -- entry points -------------------------------------------------------------------

    async def start(self, ctx: Ctx) -> None:
        """Begin a report, or pick up the one in progress; never over another task half
        done (a /log at its note): that one is said, and its question asked again."""
        if await self.busy(ctx):  # an expired flow is dropped first, and said so
            return
        state = await self.current(ctx)
        if state is not None:
            await ctx.reply(ctx.t("report.resume"))
            await self.ask(ctx, state)
            return
        if await new_reports.rate_limited(ctx.services, ctx.user_id, ctx.now):
            await ctx.reply(ctx.t("report.rate_limited"))
            return
        await self.save(ctx, CATEGORY, Draft())
        await ctx.reply(ctx.t("report.intro"))
        await self._ask_category(ctx, Draft())

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Hand a message to the current step; the rest of an album whose first photos filled
        the report's photos is left out, said once rather than a hint for each photo."""
        message = ctx.message
        if state.step != PHOTOS and message is not None and message.photo:
            draft = self.load(state)
            if message.media_group_id is not None and message.media_group_id == draft.album:
                if not draft.album_told:
                    draft.album_told = True
                    await self.save(ctx, state.step, draft)
                    await ctx.reply(ctx.t("report.album_rest", max=MAX_PHOTOS))
                return
        await super().on_message(ctx, state)

    async def _advance(self, ctx: Ctx, draft: Draft, step: str) -> None:
        """Save the answer and ask the next question (or go back to the summary when editing)."""
        if draft.editing and step != PLACE_MORE:
            draft.editing = False
            step = CONFIRM
        await self.goto(ctx, step, draft)

    def _to(self, step: str) -> Callable[[Ctx, Draft], Awaitable[Refused | None]]:
        """A button that only moves on to `step`."""
        async def next_step(ctx: Ctx, draft: Draft) -> Refused | None:
            await self._advance(ctx, draft, step)
            return None
        return next_step

    # -- questions ----------------------------------------------------------------------

    async def _ask_category(self, ctx: Ctx, draft: Draft) -> None:
        items = [(ctx.t(f"report.category.{c}"), CATEGORY_B.data(c)) for c in Category]
        await ctx.reply(ctx.t("report.ask.category"), buttons(pairs(items)))

    async def _ask_description(self, ctx: Ctx, draft: Draft) -> None:
        await ctx.reply(ctx.t("report.ask.description", minutes=VOICE_MAX_SECONDS // 60),
                        ReplyKeyboardRemove())

    async def _ask_subject(self, ctx: Ctx, draft: Draft) -> None:
        await ctx.reply(ctx.t("report.ask.subject"),
                        buttons([[(ctx.t("report.button.skip"), SKIP.data())]]))

    async def _ask_place(self, ctx: Ctx, draft: Draft) -> None:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(ctx.t("report.button.share_location"), request_location=True)]],
            resize_keyboard=True, one_time_keyboard=True,
        )
        await ctx.reply(ctx.t("report.ask.place"), keyboard)

    async def _ask_place_more(self, ctx: Ctx, draft: Draft) -> None:
        await ctx.reply(ctx.t("report.ask.place_more"), ReplyKeyboardRemove())
        await ctx.reply(ctx.t("report.ask.place_more_buttons"),
                        buttons([[(ctx.t("report.button.next"), NEXT.data())]]))

    async def _ask_area(self, ctx: Ctx, draft: Draft) -> None:
        known = await areas.active(ctx.services)
        not_sure = (ctx.t("report.button.not_sure"), AREA_B.data(0))
        if not known:
            await ctx.reply(ctx.t("report.ask.area_typed"), buttons([[not_sure]]))
            return
        await ctx.reply(*self._area_page(ctx, known, draft.area_page))

    def _area_page(self, ctx: Ctx, known: list[Area], number: int
                   ) -> tuple[str, InlineKeyboardMarkup]:
        """A page of the communities to tap (one page when they are few, as ever; else
        pages to turn, and the name may be typed)."""
        not_sure = (ctx.t("report.button.not_sure"), AREA_B.data(0))
        found = page_of(known, number)
        items = [(a.name, AREA_B.data(a.id)) for a in found.items]
        if found.pages == 1:
            return ctx.t("report.ask.area"), buttons(pairs([*items, not_sure]))
        text = "\n".join([ctx.t("report.ask.area_many"), *page_line(ctx.t, found)])
        return text, buttons([*pairs(items), *page_rows(ctx.t, found, AREA_PAGE.data),
                              [not_sure]])

    async def _ask_urgency(self, ctx: Ctx, draft: Draft) -> None:
        rows = [[(ctx.t(f"report.urgency.{u}"), URGENCY_B.data(u))] for u in Urgency]
        await ctx.reply(ctx.t("report.ask.urgency"), buttons(rows))

    async def _ask_photos(self, ctx: Ctx, draft: Draft) -> None:
        label = "report.button.done" if draft.photos else "report.button.skip"
        await ctx.reply(ctx.t("report.ask.photos", max=MAX_PHOTOS, count=len(draft.photos)),
                        buttons([[(ctx.t(label), NEXT.data())]]))

    async def _ask_contact(self, ctx: Ctx, draft: Draft) -> None:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(ctx.t("report.button.share_phone"), request_contact=True)],
             [KeyboardButton(ctx.t("report.button.anonymous"))]],
            resize_keyboard=True, one_time_keyboard=True,
        )
        await ctx.reply(ctx.t("report.ask.contact"), keyboard)

    async def _ask_confirm(self, ctx: Ctx, draft: Draft) -> None:
        await ctx.reply(ctx.t("report.summary.ready"), ReplyKeyboardRemove())
        await ctx.reply(await summary(ctx, draft), buttons([
            [(ctx.t("report.button.confirm"), OK.data())],
            [(ctx.t("report.button.edit"), EDIT_B.data()),
             (ctx.t("report.button.cancel"), CANCEL.data())],
        ]))

    async def _ask_edit(self, ctx: Ctx, draft: Draft) -> None:
        items = [(ctx.t(f"report.field.{f}"), FIELD.data(f)) for f in EDITABLE]
        rows = [*pairs(items), [(ctx.t("report.button.back"), BACK.data())]]
        await ctx.reply(ctx.t("report.ask.edit"), buttons(rows))

    # -- typed answers ------------------------------------------------------------------

    async def _typed_category(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        labels = [(c, ctx.label(f"report.category.{c}")) for c in Category]
        return await typed_choice(ctx, draft, message, labels, self._category,
                                  self._ask_category, numbered=True)

    async def _typed_description(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        """What is wrong, typed or said in a voice note (an audio file counts as one)."""
        said = message.voice or message.audio
        if said is not None:
            # Read as Telegram sent it (whole seconds): PTB's `duration` warns of its change.
            seconds = int(said.to_dict().get("duration") or 0)
            if check_voice(seconds) is not None:
                await ctx.reply(ctx.t("report.problem.voice_too_long", seconds=seconds,
                                      minutes=VOICE_MAX_SECONDS // 60))
                return True
            draft.say_voice(said.file_id, seconds, audio=message.voice is None)
            await ctx.reply(ctx.t("report.voice_received", seconds=seconds))
            await self._advance(ctx, draft, SUBJECT)
            return True
        if message.text is None:
            return False
        problem = check_description(message.text)
        if problem is not None:
            await ctx.reply(ctx.t(f"report.problem.description.{problem}",
                                  min=DESCRIPTION_MIN, max=DESCRIPTION_MAX))
            return True
        draft.say_typed(message.text.strip())
        await self._advance(ctx, draft, SUBJECT)
        return True

    async def _typed_subject(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        if message.text is None:
            return False
        if check_length(message.text, 1, SUBJECT_MAX) is not None:
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
            await self.save(ctx, PLACE_MORE, draft)
            await ctx.reply(ctx.t("report.location_received"))
            await self._ask_place_more(ctx, draft)
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
        known = await areas.active(ctx.services)
        if known:
            match = [a for a in known if a.name == text] or [a for a in known if text in a.name]
            if not match:
                return False
            if len(match) > 1:  # several communities have it in their name: offer them
                items = [(a.name, AREA_B.data(a.id)) for a in match[:PAGE_SIZE]]
                await ctx.reply(ctx.t("report.ask.area_found"), buttons(
                    [*pairs(items), [(ctx.t("report.button.not_sure"), AREA_B.data(0))]]))
                return True
            draft.area_id, draft.area_text = match[0].id, None
        else:
            if check_length(text, 1, AREA_TEXT_MAX) is not None:
                await ctx.reply(ctx.t("report.problem.area", max=AREA_TEXT_MAX))
                return True
            draft.area_id, draft.area_text = None, text
        await self._advance(ctx, draft, URGENCY)
        return True

    async def _typed_urgency(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        labels = [(u, ctx.label(f"report.urgency.{u}")) for u in Urgency]
        return await typed_choice(ctx, draft, message, labels, self._urgency,
                                  self._ask_urgency)

    async def _sent_photo(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        if not message.photo:
            return False
        if len(draft.photos) >= MAX_PHOTOS:
            await ctx.reply(ctx.t("report.photos_full", max=MAX_PHOTOS))
            return True
        file_id = message.photo[-1].file_id  # the largest size Telegram made
        if message.media_group_id != draft.album:  # a new album: its rest is said anew
            draft.album, draft.album_told = message.media_group_id, False
        if file_id not in draft.photos:
            draft.photos.append(file_id)
        if len(draft.photos) >= MAX_PHOTOS:
            await ctx.reply(ctx.t("report.photo_received_last", max=MAX_PHOTOS))
            await self._advance(ctx, draft, CONTACT)
            return True
        await self.save(ctx, PHOTOS, draft)
        await ctx.reply(ctx.t("report.photo_received", count=len(draft.photos), max=MAX_PHOTOS),
                        buttons([[(ctx.t("report.button.done"), NEXT.data())]]))
        return True

    async def _sent_contact(self, ctx: Ctx, draft: Draft, message: Message) -> bool:
        if message.contact is not None:
            phone = normalise_phone(message.contact.phone_number)
            if phone is None:
                await ctx.reply(ctx.t("report.problem.phone"))
                return True
            draft.phone, draft.anonymous = phone, False
        elif message.text is not None:
            # The reply keyboard of a draft begun before an upgrade still shows the old label.
            if message.text.strip() in (ctx.t("report.button.anonymous"),
                                        ctx.t("report.button.anonymous_earlier")):
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

    async def _category(self, ctx: Ctx, draft: Draft, category: Category) -> Refused | None:
        draft.category = category
        await self._advance(ctx, draft, DESCRIPTION)
        return None

    async def _no_subject(self, ctx: Ctx, draft: Draft) -> Refused | None:
        draft.subject = None
        await self._advance(ctx, draft, PLACE)
        return None

    async def _turn_areas(self, ctx: Ctx, draft: Draft, number: int) -> Refused | None:
        """Another page of communities, in the same message."""
        known = await areas.active(ctx.services)
        if not known:
            return STALE
        draft.area_page = number
        await self.save(ctx, AREA, draft)
        await ctx.edit_or_reply(*self._area_page(ctx, known, number))
        return None

    async def _area(self, ctx: Ctx, draft: Draft, area_id: int) -> Refused | None:
        if area_id:
            area = await areas.get(ctx.services, area_id)
            if area is None or area.retired:
                return STALE
            draft.area_id, draft.area_text = area.id, None
        else:
            draft.area_id, draft.area_text = None, None
        await self._advance(ctx, draft, URGENCY)
        return None

    async def _urgency(self, ctx: Ctx, draft: Draft, urgency: Urgency) -> Refused | None:
        draft.urgency = urgency
        if urgency is Urgency.DANGER:
            await ctx.reply(ctx.t("report.danger_advice"))
        await self._advance(ctx, draft, PHOTOS)
        return None

    async def _edit_field(self, ctx: Ctx, draft: Draft, field: str) -> Refused | None:
        draft.editing = True
        if field == PHOTOS:
            draft.photos = []
        await self.goto(ctx, field, draft)
        return None

    async def _back(self, ctx: Ctx, draft: Draft) -> Refused | None:
        await self.goto(ctx, CONFIRM, draft)
        return None

    async def _edit(self, ctx: Ctx, draft: Draft) -> Refused | None:
        await self.goto(ctx, EDIT, draft)
        return None

    async def _cancelled(self, ctx: Ctx, draft: Draft) -> Refused | None:
        await self.end(ctx)
        await ctx.reply(ctx.t("flow.report.cancelled"), ReplyKeyboardRemove())
        return None

    async def _same(self, ctx: Ctx, draft: Draft) -> Refused | None:
        """It was the report sent a few minutes ago: keep that one, drop this draft."""
        latest = await new_reports.latest(ctx.services, ctx.user_id)
        await self.end(ctx)
        ref = latest.ref if latest is not None else ""
        await ctx.reply(ctx.t("report.repeat.kept", ref=ref), ReplyKeyboardRemove())
        return None

    async def _new(self, ctx: Ctx, draft: Draft) -> Refused | None:
        draft.not_a_repeat = True
        await self.save(ctx, CONFIRM, draft)
        await self.submit(ctx)
        return None

    async def _confirmed(self, ctx: Ctx, draft: Draft) -> Refused | None:
        if not await self._repeat_asked(ctx, draft):
            await self.submit(ctx)
        return None

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """Confirm pressed on a summary no longer waiting: pressed again on the one that was
        sent (a double tap, a press replayed after a crash), the reference is repeated; on
        one never sent (cancelled, or cleared when it expired), the person is told so and
        offered a new report, never another report's reference."""
        pressed = ctx.query.message if ctx.query is not None else None
        if parts[:1] != [OK.action] or pressed is None:
            await self.stale(ctx)
            return
        made = await new_reports.from_summary(ctx.services, ctx.user_id, pressed.message_id)
        await ctx.drop_keyboard()
        await ctx.answer()
        if made is not None:
            await ctx.reply(ctx.t("report.already_sent", ref=made.ref))
            return
        await ctx.reply(ctx.t("report.not_sent"), buttons(
            [[(ctx.t("button.report"), COMMAND.data("report"))]]))

    async def _repeat_asked(self, ctx: Ctx, draft: Draft) -> bool:
        """Ask whether this is the report sent a few minutes ago; True when asked."""
        previous = await new_reports.latest(ctx.services, ctx.user_id)
        if previous is None or not looks_repeated(draft, previous, ctx.now):
            return False
        await ctx.reply(ctx.t("report.repeat.ask", ref=previous.ref), buttons([
            [(ctx.t("report.repeat.same", ref=previous.ref), SAME.data())],
            [(ctx.t("report.repeat.new"), NEW.data())]]))
        return True

    async def submit(self, ctx: Ctx) -> None:
        """Commit the report, then send the receipt (never the other way round)."""
        def receipt(made: Report) -> list[Outgoing]:
            text = ctx.t(f"report.receipt.{made.urgency}", ref=made.ref)
            return [Outgoing(ctx.chat_id, text, lang=ctx.lang,
                             target={"remove_keyboard": True})]

        pressed = ctx.query.message if ctx.query is not None else None
        outcome = await new_reports.submit(ctx.services, ctx.user_id, NAME, CONFIRM, ctx.now,
                                           receipt, pressed.message_id if pressed else None)
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
