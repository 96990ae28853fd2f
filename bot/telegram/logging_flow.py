"""/log: a worker logs a call, home visit, practical deed or other service for a household.

household (the worker's own, a page at a time; or a typed part of a name, every match a
page at a time) → kind → date → services → people reached → note → wellbeing → note for the next
visitor → saved, with what is due next. Every step is stored; every button is checked again
(the household must be the presser's own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from telegram import InlineKeyboardMarkup, Message

from bot.domain.access import Action
from bot.domain.cadence import ContactKind, Status
from bot.domain.households import (
    NOTE_MAX,
    PEOPLE_REACHED_MAX,
    WELLBEING_MAX,
    WELLBEING_MIN,
    Service,
    can_correct,
    clean,
    toggle_service,
)
from bot.domain.paging import MATCHES_MAX
from bot.domain.people import Role
from bot.services import contact_entries, households, my_households, texts
from bot.services import contacts as contact_log
from bot.services.access import EntryRef, HouseholdRef
from bot.services.contact_buttons import DELETE, FIX, FOR_PERIOD, KEEP, START_FOR, SURE
from bot.services.contact_entries import Contact
from bot.services.contacts import NewContact, NotSaved
from bot.services.my_households import Matches
from bot.telegram import household_pages
from bot.telegram.context import Ctx
from bot.telegram.flowkit import CODEC, STALE, Choice, Int, Refused, Step, StepFlow, Steps, on
from bot.telegram.flowkit.answers import (
    TEXT_ONLY_OR_SKIP,
    day_button,
    day_step,
    number_step,
    text_step,
    typed_choice,
)
from bot.telegram.flowkit.own_entry import Found, OwnEntry
from bot.telegram.household_ui import (
    buttons,
    contact_words,
    may,
    obligation_text,
    pairs,
    period_label,
    short,
    today,
)
from bot.telegram.keyboards import picker
from storage import flows

NAME = "log"
HOUSEHOLD, KIND, DAY, SERVICES, PEOPLE, NOTE, WELLBEING, NEXT_NOTE = (
    "household", "kind", "day", "services", "people", "note", "wellbeing", "next_note")
SEARCH_HINT_FROM = 9  # from this many households the question says a name can be typed
SCORES = ("1", "2", "3", "4", "5")

LG = CODEC.prefix("lg", "the log flow")
HOUSEHOLD_B = LG.button("h", Int())
HOUSEHOLDS_PAGE = LG.button("hp", Int(4))  # another page of the worker's households
MATCHES_PAGE = LG.button("mp", Int(4), Int(4))  # lg:mp:<search>:<page>: of a typed search
KIND_B = LG.button("k", Choice(ContactKind))
DAY_B = day_button(LG)
SERVICE_B = LG.button("s", Choice(Service))  # toggles one service
SERVICES_DONE = LG.button("sd")
PEOPLE_B = LG.button("p", Choice(SCORES))
WELLBEING_B = LG.button("w", Choice(SCORES))
SKIP = LG.button("skip")



@dataclass
class LogDraft:
    """The answers so far (keys as stored by earlier releases)."""

    hid: int = 0
    name: str = ""
    kind: ContactKind | None = None
    day: date | None = None
    services: list[str] = field(default_factory=list)
    people: int | None = None
    note: str = ""
    wellbeing: int | None = None
    next_note: str = ""
    replaces: int | None = None  # the contact this entry corrects
    # Logging a missed period after the fact (from /due): the day must fall inside it.
    first: date | None = None
    last: date | None = None
    # The household question as last shown, so a resumed one reopens there: the page, and
    # the part of a name typed (empty: the worker's list), numbered so an earlier search's
    # page turn is told apart.
    page: int = 0
    query: str = ""
    search: int = 0


def _within(ctx: Ctx, first: date, last: date) -> dict[str, str]:
    """A missed period's first and last day, as people write them (2026年7月1日, 1 Jul 2026)."""
    return {"first": texts.day_label(ctx.services, ctx.lang, first),
            "last": texts.day_label(ctx.services, ctx.lang, last)}


class LogFlow(StepFlow[LogDraft]):
    """The /log conversation, kept in the flows table."""

    role = Role.WORKER

    name = NAME
    callbacks = LG
    data_type = LogDraft
    in_place = True  # workers tap through it in the field: one message, not one per answer

    def __init__(self) -> None:
        self.steps = Steps({
            HOUSEHOLD: Step(self._ask_household, self._search,
                            (on(HOUSEHOLD_B, self._household),
                             on(HOUSEHOLDS_PAGE, self._turn_households, keep=True),
                             on(MATCHES_PAGE, self._turn_matches, keep=True))),
            KIND: Step(self._ask_kind, self._typed_kind, (on(KIND_B, self._kind),)),
            DAY: self._day_step(),
            SERVICES: Step(self._ask_services, buttons=(
                on(SERVICE_B, self._toggle, keep=True), on(SERVICES_DONE, self._services_done))),
            PEOPLE: number_step(self._ask_people, self._take_people, maximum=PEOPLE_REACHED_MAX,
                                options=(on(PEOPLE_B, self._people),)),
            NOTE: text_step(self._ask_note, self._take_note, maximum=NOTE_MAX,
                            too_long="log.problem.note_long", media=TEXT_ONLY_OR_SKIP,
                            options=(on(SKIP, self._skip_note),)),
            WELLBEING: number_step(self._ask_wellbeing, self._take_wellbeing,
                                   minimum=WELLBEING_MIN, maximum=WELLBEING_MAX,
                                   options=(on(WELLBEING_B, self._wellbeing),
                                            on(SKIP, self._skip_wellbeing))),
            NEXT_NOTE: text_step(self._ask_next_note, self._take_next_note, maximum=NOTE_MAX,
                                 too_long="log.problem.note_long", media=TEXT_ONLY_OR_SKIP,
                                 options=(on(SKIP, self._skip_next_note),)),
        })

    async def start(self, ctx: Ctx) -> None:
        """Begin a log (or resume the one in progress)."""
        if await self.busy(ctx):  # another task half done: said, and asked again
            return
        state = await self.current(ctx)
        if state is not None:
            await ctx.reply(ctx.t("log.resume"))
            await self.ask(ctx, state)
            return
        mine = await my_households.paired(ctx.services, ctx.user_id)
        if not mine:
            await ctx.reply(ctx.t("log.no_households"))
            return
        await ctx.reply(ctx.t("log.intro"))
        if len({m.household_id for m in mine}) == 1:
            await self._choose(ctx, LogDraft(), mine[0].household_id)
            return
        await self.goto(ctx, HOUSEHOLD, LogDraft())

    async def quick(self, ctx: Ctx) -> None:
        """lq:<household>[:<kind>]: start a log from /due, a reminder or the service file."""
        pressed = START_FOR.parse(ctx.query.data if ctx.query and ctx.query.data else "")
        if pressed is None or not await may(ctx, Action.HOUSEHOLD_LOG, HouseholdRef(pressed[0])):
            await ctx.answer(ctx.t("log.not_yours"), alert=True)
            return
        household_id, kind = pressed
        await self._begin(ctx, household_id, LogDraft(kind=kind))

    async def past(self, ctx: Ctx) -> None:
        """lp:<household>:<kind>:<first>:<last>: log a missed period's contact after the
        fact; the day asked for must fall inside that period, so it meets it."""
        pressed = FOR_PERIOD.parse(ctx.query.data if ctx.query and ctx.query.data else "")
        if pressed is None or not await may(ctx, Action.HOUSEHOLD_LOG, HouseholdRef(pressed[0])):
            await ctx.answer(ctx.t("log.not_yours"), alert=True)
            return
        household_id, kind, first, last = pressed
        await self._begin(ctx, household_id, LogDraft(kind=kind, first=first, last=last))

    async def _begin(self, ctx: Ctx, household_id: int, draft: LogDraft) -> None:
        """Begin a log of the household pressed on a reminder or /due, unless another task
        is half done (a tap must not throw away half-typed answers)."""
        current = await flows.get(ctx.db, ctx.user_id)
        if current is not None and not (current.name == NAME and current.step in (HOUSEHOLD, KIND)):
            await ctx.answer(ctx.t("log.busy"), alert=True)
            return
        await ctx.answer()
        await ctx.reply(ctx.t("log.intro"))
        await self._choose(ctx, draft, household_id)

    def _day_step(self) -> Step[LogDraft]:
        """The day question; for a missed period, asked as a date inside it, without the
        today and yesterday buttons (they fall outside), and words that are no date are
        answered with that period's first and last day rather than with those buttons."""
        plain = day_step(NAME, DAY_B, self._take_day, self._about)
        assert plain.on_text is not None
        typed_day = plain.on_text

        async def ask(ctx: Ctx, draft: LogDraft) -> None:
            if draft.first is None or draft.last is None:
                await plain.ask(ctx, draft)
                return
            await ctx.reply(self._headed(ctx, draft, ctx.t(
                "log.ask_day_within", **_within(ctx, draft.first, draft.last))))

        async def typed(ctx: Ctx, draft: LogDraft, message: Message) -> bool:
            if await typed_day(ctx, draft, message):
                return True
            if draft.first is None or draft.last is None:
                return False  # the general hint, with today and yesterday
            await ctx.reply(ctx.t("log.expect.day_within",
                                  **_within(ctx, draft.first, draft.last)))
            return True

        return Step(ask, typed, plain.buttons)

    async def correct(self, ctx: Ctx, contact: Contact) -> None:
        """Log the contact again from the date on; saving replaces the old entry."""
        found = await households.find(ctx.services, contact.household_id)
        await self.goto(ctx, DAY, LogDraft(hid=contact.household_id,
                                           name=found.name if found else "",
                                           kind=contact.kind, replaces=contact.id))

    async def _choose(self, ctx: Ctx, draft: LogDraft, household_id: int) -> None:
        found = await households.find(ctx.services, household_id)
        if found is None or not await may(ctx, Action.HOUSEHOLD_LOG, HouseholdRef(household_id)):
            await ctx.reply(ctx.t("log.not_yours"))
            return
        draft.hid, draft.name = found.id, found.name
        await self.goto(ctx, DAY if draft.kind else KIND, draft)

    async def expect(self, ctx: Ctx, step: str) -> None:
        """Say what the step expects."""
        await ctx.reply(ctx.t(f"log.expect.{step}", max=PEOPLE_REACHED_MAX))

    # -- questions ------------------------------------------------------------------------

    def _about(self, ctx: Ctx, draft: LogDraft) -> str:
        """The household and kind being logged ("李阿婆 · 📞 电话"), once both are chosen, so
        a log begun from a reminder or /due says what it is about at every question."""
        if not draft.hid or draft.kind is None:
            return ""
        return ctx.t("log.about", name=draft.name, kind=ctx.t(f"kind.{draft.kind.value}"))

    def _headed(self, ctx: Ctx, draft: LogDraft, text: str) -> str:
        """`text` under the household and kind being logged."""
        head = self._about(ctx, draft)
        return f"{head}\n{text}" if head else text

    def _question(self, ctx: Ctx, draft: LogDraft, key: str) -> str:
        """The question `key` under the household and kind being logged."""
        return self._headed(ctx, draft, ctx.t(key))

    def _skip(self, ctx: Ctx) -> tuple[str, str]:
        return ctx.t("log.button.skip"), SKIP.data()

    async def _ask_household(self, ctx: Ctx, draft: LogDraft) -> None:
        await ctx.reply(*await self._households_view(ctx, draft))

    async def _households_view(self, ctx: Ctx, draft: LogDraft
                               ) -> tuple[str, InlineKeyboardMarkup]:
        """The matches of the name typed, if any still match, else the worker's households:
        at the draft's page."""
        if draft.query:
            found = await self._matching(ctx, draft.query)
            if found.found:
                return self._matches_view(ctx, draft, found)
        mine = await my_households.paired(ctx.services, ctx.user_id)
        unique = list({m.household_id: m for m in mine}.values())
        items = [(short(m.name), HOUSEHOLD_B.data(m.household_id)) for m in unique]
        rows, line = picker(ctx.t, items, draft.page, HOUSEHOLDS_PAGE.data, 2)
        text = (ctx.t("log.ask_household") if len(unique) < SEARCH_HINT_FROM
                else ctx.t("log.ask_household_many", count=len(unique)))
        return "\n".join([text, *line]), buttons(rows)

    def _matches_view(self, ctx: Ctx, draft: LogDraft, found: Matches
                      ) -> tuple[str, InlineKeyboardMarkup]:
        """Every household the typed name matches, at the draft's page."""
        return household_pages.matches_view(ctx, draft, found, "log.found", HOUSEHOLD_B.data,
                                            MATCHES_PAGE.data)

    async def _matching(self, ctx: Ctx, query: str) -> Matches:
        return await my_households.matching(ctx.services, query, MATCHES_MAX,
                                            worker_id=ctx.user_id)

    async def _ask_kind(self, ctx: Ctx, draft: LogDraft) -> None:
        items = [(ctx.t(f"kind.{k.value}"), KIND_B.data(k)) for k in ContactKind]
        await ctx.reply(ctx.t("log.ask_kind", name=draft.name), buttons(pairs(items)))

    async def _ask_services(self, ctx: Ctx, draft: LogDraft) -> None:
        await ctx.reply(self._services_text(ctx, draft), self._services_keyboard(ctx, draft))

    async def _ask_people(self, ctx: Ctx, draft: LogDraft) -> None:
        items = [(n, PEOPLE_B.data(n)) for n in SCORES]
        await ctx.reply(self._question(ctx, draft, "log.ask_people"), buttons([items]))

    async def _ask_note(self, ctx: Ctx, draft: LogDraft) -> None:
        await ctx.reply(self._question(ctx, draft, "log.ask_note"), buttons([[self._skip(ctx)]]))

    async def _ask_wellbeing(self, ctx: Ctx, draft: LogDraft) -> None:
        items = [(n, WELLBEING_B.data(n)) for n in SCORES]
        await ctx.reply(self._question(ctx, draft, "log.ask_wellbeing"),
                        buttons([items, [self._skip(ctx)]]))

    async def _ask_next_note(self, ctx: Ctx, draft: LogDraft) -> None:
        await ctx.reply(self._question(ctx, draft, "log.ask_next_note"),
                        buttons([[self._skip(ctx)]]))

    def _services_text(self, ctx: Ctx, draft: LogDraft) -> str:
        names = [ctx.t(f"service.{code}") for code in draft.services]
        listed = ctx.join(names) or ctx.t("log.nothing_chosen")
        return self._headed(ctx, draft, ctx.t("log.ask_services") + "\n"
                            + ctx.t("log.chosen_services", services=listed))

    def _services_keyboard(self, ctx: Ctx, draft: LogDraft) -> InlineKeyboardMarkup:
        chosen = set(draft.services)
        items = [(ctx.ticked(ctx.t(f"service.{s.value}"), s.value in chosen),
                  SERVICE_B.data(s)) for s in Service]
        return buttons([*pairs(items), [(ctx.t("log.button.done"), SERVICES_DONE.data())]])

    # -- typed answers --------------------------------------------------------------------

    async def _search(self, ctx: Ctx, draft: LogDraft, message: Message) -> bool:
        text = clean(message.text)
        if not text:
            return False
        query = text[:40]
        await household_pages.answer_search(
            self, ctx, draft, query, await self._matching(ctx, query), "log.problem",
            lambda house: self._choose(ctx, draft, house.id))
        return True

    async def _typed_kind(self, ctx: Ctx, draft: LogDraft, message: Message) -> bool:
        labels = [(k, ctx.label(f"kind.{k.value}")) for k in ContactKind]
        return await typed_choice(ctx, draft, message, labels, self._kind, self._ask_kind)

    async def _take_day(self, ctx: Ctx, draft: LogDraft, day: date) -> None:
        if draft.first is not None and draft.last is not None \
                and not draft.first <= day <= draft.last:
            await ctx.reply(ctx.t("log.problem.outside",
                                  **_within(ctx, draft.first, draft.last)))
            return
        draft.day = day
        await self.goto(ctx, SERVICES, draft)

    async def _take_people(self, ctx: Ctx, draft: LogDraft, people: int) -> None:
        draft.people = people
        await self.goto(ctx, NOTE, draft)

    async def _take_note(self, ctx: Ctx, draft: LogDraft, note: str) -> None:
        draft.note = note
        await self.goto(ctx, WELLBEING, draft)

    async def _take_wellbeing(self, ctx: Ctx, draft: LogDraft, score: int) -> None:
        draft.wellbeing = score
        await self.goto(ctx, NEXT_NOTE, draft)

    async def _take_next_note(self, ctx: Ctx, draft: LogDraft, note: str) -> None:
        draft.next_note = note
        await self._submit(ctx, draft)

    # -- buttons --------------------------------------------------------------------------

    async def save_household_step(self, ctx: Ctx, draft: LogDraft) -> None:
        """Keep the draft at the household question (its page turned)."""
        await self.save(ctx, HOUSEHOLD, draft)

    async def _turn_households(self, ctx: Ctx, draft: LogDraft, number: int) -> Refused | None:
        """Another page of the worker's households, in the same message."""
        return await household_pages.turn_households(self, ctx, draft, number)

    async def _turn_matches(self, ctx: Ctx, draft: LogDraft, search: int,
                            number: int) -> Refused | None:
        """Another page of the latest search's matches."""
        return await household_pages.turn_matches(self, ctx, draft, search, number)

    async def _household(self, ctx: Ctx, draft: LogDraft, household_id: int) -> Refused | None:
        if not await may(ctx, Action.HOUSEHOLD_LOG, HouseholdRef(household_id)):
            return Refused("log.not_yours")
        await self._choose(ctx, draft, household_id)
        return None

    async def _kind(self, ctx: Ctx, draft: LogDraft, kind: ContactKind) -> Refused | None:
        draft.kind = kind
        await self.goto(ctx, DAY, draft)
        return None

    async def _toggle(self, ctx: Ctx, draft: LogDraft, service: Service) -> Refused | None:
        chosen = toggle_service(draft.services, service.value)
        if chosen is None:
            return STALE
        draft.services = chosen
        await self.save(ctx, SERVICES, draft)
        await ctx.edit_or_reply(self._services_text(ctx, draft),
                                self._services_keyboard(ctx, draft))
        return None

    async def _services_done(self, ctx: Ctx, draft: LogDraft) -> Refused | None:
        await self.goto(ctx, PEOPLE, draft)
        return None

    async def _people(self, ctx: Ctx, draft: LogDraft, count: str) -> Refused | None:
        await self._take_people(ctx, draft, int(count))
        return None

    async def _wellbeing(self, ctx: Ctx, draft: LogDraft, score: str) -> Refused | None:
        await self._take_wellbeing(ctx, draft, int(score))
        return None

    async def _skip_note(self, ctx: Ctx, draft: LogDraft) -> Refused | None:
        await self.goto(ctx, WELLBEING, draft)
        return None

    async def _skip_wellbeing(self, ctx: Ctx, draft: LogDraft) -> Refused | None:
        await self.goto(ctx, NEXT_NOTE, draft)
        return None

    async def _skip_next_note(self, ctx: Ctx, draft: LogDraft) -> Refused | None:
        await self._submit(ctx, draft)
        return None

    # -- saving ---------------------------------------------------------------------------

    async def _submit(self, ctx: Ctx, draft: LogDraft) -> None:
        """Store the contact (checking ownership again), then confirm with what is due next."""
        if draft.kind is None or draft.day is None:  # a damaged draft: ask what is missing
            await self.goto(ctx, KIND if draft.kind is None else DAY, draft)
            return
        # One use case, one transaction: the contact, the entry it replaces, the flow's end.
        logged = await contact_log.log_contact(ctx.services, NewContact(
            household_id=draft.hid, worker_id=ctx.user_id, kind=draft.kind, day=draft.day,
            services=list(draft.services), people_reached=draft.people or 1, note=draft.note,
            wellbeing=draft.wellbeing or None, next_note=draft.next_note),
            today(ctx), draft.replaces or None)
        if isinstance(logged, NotSaved):
            await ctx.reply(ctx.t("log.not_yours" if logged is NotSaved.NOT_YOURS
                                  else "log.correction_too_late"))
            return
        saved = logged.contact
        lines = [ctx.t("log.saved", name=draft.name, day=draft.day.isoformat(),
                       kind=ctx.t(f"kind.{saved.kind.value}"))]
        if logged.replaced:
            lines.append(ctx.t("log.replaced"))
        now_day = today(ctx)
        # Logged late for a period already ended: say which one it counted for.
        lines += [ctx.t("log.met_late", period=period_label(ctx, o, now_day),
                        kind=ctx.t(f"kind_word.{o.rule.kind.value}")) for o in logged.met_late]
        open_items = logged.still_owed
        if open_items:
            lines.append(ctx.t("log.next_title"))
            lines += [obligation_text(ctx, "log.next_line", o, now_day) for o in open_items]
        else:
            lines.append(ctx.t("log.next_none"))
        lines.append(ctx.t("log.correct_hint"))
        await ctx.reply("\n".join(lines), ContactButtons.keyboard(ctx, saved.id))


class ContactButtons(OwnEntry[Contact]):
    """cx:del:<id> and cx:fix:<id>: a worker deletes or corrects their own contact (24 h)."""

    fix, delete = FIX, DELETE
    labels = ("log.button.correct", "log.button.delete")
    too_late_key = "log.too_late"
    busy_key = "log.busy"  # correcting must not throw away a flow half answered
    sure, keep = SURE, KEEP  # a contact is deleted only once the worker confirms
    confirm_labels = ("log.button.sure", "log.button.keep")
    kept_key = "log.kept"

    def __init__(self, log_flow: LogFlow) -> None:
        self.log_flow = log_flow

    async def find(self, ctx: Ctx, entry_id: int) -> Found[Contact] | None:
        """Only the worker who logged it, only within 24 hours."""
        contact = await contact_entries.get(ctx.services, entry_id)
        if contact is None or contact.deleted \
                or not await may(ctx, Action.ENTRY_CORRECT, EntryRef(contact.worker_id)):
            return None
        return Found(contact, late=not can_correct(contact.created_at, ctx.now))

    async def correct(self, ctx: Ctx, contact: Contact) -> None:
        """Log it again from the date on."""
        await self.log_flow.correct(ctx, contact)

    async def remove(self, ctx: Ctx, contact: Contact) -> str:
        """Delete it (kept, marked deleted)."""
        await contact_entries.delete_own(ctx.services, contact.id, ctx.user_id, ctx.now,
                                         ctx.update.update_id)
        return "log.deleted"

    async def removed_by_this_press(self, ctx: Ctx, entry_id: int) -> str | None:
        """"Deleted", if this very update deleted it (handled again after a crash)."""
        return "log.deleted" if await contact_entries.deleted_by(
            ctx.services, ctx.user_id, ctx.update.update_id, entry_id) else None

    async def delete_question(self, ctx: Ctx, contact: Contact) -> str:
        """Which record: the household, the day and the kind."""
        found = await households.find(ctx.services, contact.household_id)
        return ctx.t("log.delete_question", name=found.name if found else "",
                     **contact_words(ctx, contact.day, contact.kind))



__all__ = ["ContactButtons", "LogFlow", "Status"]
