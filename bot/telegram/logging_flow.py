"""/log: a worker logs a call, home visit, practical deed or other service for a household.

household → kind → date → services → people reached → note → wellbeing → note for the next
visitor → saved, with what is due next. Every step is stored; every button is checked again
(the household must be the presser's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.domain.access import Action
from bot.domain.cadence import ContactKind, Status
from bot.domain.households import (
    NOTE_MAX,
    PEOPLE_REACHED_MAX,
    Service,
    can_correct,
    check_contact_day,
    clean,
    parse_day,
    parse_people_reached,
    parse_wellbeing,
    toggle_service,
)
from bot.services.access import EntryRef, HouseholdRef
from bot.telegram.context import Ctx
from bot.telegram.household_ui import (
    StaleAnswer,
    arg_int,
    buttons,
    may,
    obligation_text,
    pairs,
    short,
    today,
)
from storage import contacts, flows, households, pairings
from storage.flows import FlowState

NAME = "log"
PREFIX = "lg"
HOUSEHOLD, KIND, DAY, SERVICES, PEOPLE, NOTE, WELLBEING, NEXT_NOTE = (
    "household", "kind", "day", "services", "people", "note", "wellbeing", "next_note")
BUTTONS_MAX = 8  # more households than this: search by name


@dataclass
class LogFlow(StaleAnswer):
    """The /log conversation, kept in the flows table."""

    name: str = NAME
    prefix: str = PREFIX

    async def start(self, ctx: Ctx) -> None:
        """Begin a log (or resume the one in progress)."""
        state = await flows.get(ctx.db, ctx.user_id)
        if state is not None and state.name == NAME:
            await ctx.reply(ctx.t("log.resume"))
            await self.ask(ctx, state)
            return
        mine = await pairings.for_worker(ctx.db, ctx.user_id)
        if not mine:
            await ctx.reply(ctx.t("log.no_households"))
            return
        await ctx.reply(ctx.t("log.intro"))
        if len({m.household_id for m in mine}) == 1:
            await self._choose(ctx, {}, mine[0].household_id)
            return
        await self.ask(ctx, await self._save(ctx, HOUSEHOLD, {}))

    async def quick(self, ctx: Ctx) -> None:
        """lq:<household>[:<kind>]: start a log from /due, a reminder or the service file."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        household_id = arg_int(parts, 1)
        kind = parts[2] if len(parts) > 2 else ""
        if household_id is None or not await may(ctx, Action.HOUSEHOLD_LOG,
                                                 HouseholdRef(household_id)):
            await ctx.answer(ctx.t("log.not_yours"), alert=True)
            return
        current = await flows.get(ctx.db, ctx.user_id)
        if current is not None and not (current.name == NAME and current.step in (HOUSEHOLD, KIND)):
            # A tap on a reminder or /due must not throw away half-typed answers.
            await ctx.answer(ctx.t("log.busy"), alert=True)
            return
        await ctx.answer()
        data: dict[str, Any] = {}
        if kind in {k.value for k in ContactKind}:
            data["kind"] = kind
        await ctx.reply(ctx.t("log.intro"))
        await self._choose(ctx, data, household_id)

    async def correct(self, ctx: Ctx, contact: contacts.Contact) -> None:
        """Log the contact again from the date on; saving replaces the old entry."""
        found = await households.get(ctx.db, contact.household_id)
        data: dict[str, Any] = {"hid": contact.household_id, "name": found.name if found else "",
                                "kind": contact.kind.value, "replaces": contact.id}
        await self.ask(ctx, await self._save(ctx, DAY, data))

    async def _choose(self, ctx: Ctx, data: dict[str, Any], household_id: int) -> None:
        found = await households.get(ctx.db, household_id)
        if found is None or not await may(ctx, Action.HOUSEHOLD_LOG, HouseholdRef(household_id)):
            await ctx.reply(ctx.t("log.not_yours"))
            return
        data.update(hid=found.id, name=found.name)
        await self.ask(ctx, await self._save(ctx, DAY if data.get("kind") else KIND, data))

    async def _save(self, ctx: Ctx, step: str, data: dict[str, Any]) -> FlowState:
        return await ctx.save_flow(NAME, step, data)

    # -- questions ------------------------------------------------------------------------

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the current step."""
        data, step = state.data, state.step
        skip = (ctx.t("log.button.skip"), f"{PREFIX}:skip")
        if step == HOUSEHOLD:
            mine = await pairings.for_worker(ctx.db, ctx.user_id)
            unique = list({m.household_id: m for m in mine}.values())
            items = [(short(m.name), f"{PREFIX}:h:{m.household_id}")
                     for m in unique[:BUTTONS_MAX]]
            text = (ctx.t("log.ask_household") if len(unique) <= BUTTONS_MAX
                    else ctx.t("log.ask_household_search", count=len(unique)))
            await ctx.reply(text, buttons(pairs(items)))
        elif step == KIND:
            items = [(ctx.t(f"kind.{k.value}"), f"{PREFIX}:k:{k.value}") for k in ContactKind]
            await ctx.reply(ctx.t("log.ask_kind", name=data.get("name", "")),
                            buttons(pairs(items)))
        elif step == DAY:
            await ctx.reply(ctx.t("log.ask_day"), buttons([[
                (ctx.t("log.button.today"), f"{PREFIX}:d:0"),
                (ctx.t("log.button.yesterday"), f"{PREFIX}:d:1")]]))
        elif step == SERVICES:
            await ctx.reply(self._services_text(ctx, data), self._services_keyboard(ctx, data))
        elif step == PEOPLE:
            items = [(str(n), f"{PREFIX}:p:{n}") for n in range(1, 6)]
            await ctx.reply(ctx.t("log.ask_people"), buttons([items]))
        elif step == NOTE:
            await ctx.reply(ctx.t("log.ask_note"), buttons([[skip]]))
        elif step == WELLBEING:
            items = [(str(n), f"{PREFIX}:w:{n}") for n in range(1, 6)]
            await ctx.reply(ctx.t("log.ask_wellbeing"), buttons([items, [skip]]))
        elif step == NEXT_NOTE:
            await ctx.reply(ctx.t("log.ask_next_note"), buttons([[skip]]))

    def _services_text(self, ctx: Ctx, data: dict[str, Any]) -> str:
        chosen = data.get("services") or []
        names = [ctx.t(f"service.{code}") for code in chosen]
        listed = ctx.join(names) or ctx.t("log.nothing_chosen")
        return ctx.t("log.ask_services") + "\n" + ctx.t("log.chosen_services", services=listed)

    def _services_keyboard(self, ctx: Ctx, data: dict[str, Any]) -> Any:
        chosen = set(data.get("services") or [])
        items = [(("✓ " if s.value in chosen else "") + ctx.t(f"service.{s.value}"),
                  f"{PREFIX}:s:{s.value}") for s in Service]
        return buttons([*pairs(items), [(ctx.t("log.button.done"), f"{PREFIX}:sd")]])

    # -- typed answers --------------------------------------------------------------------

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take a typed answer at the current step; anything else is answered with what fits."""
        text = clean(ctx.message.text if ctx.message else None)
        data, step = dict(state.data), state.step
        if not text:
            await self._expect(ctx, step)
            return
        if step == HOUSEHOLD:
            await self._search(ctx, data, text)
        elif step == KIND:
            kind = next((k for k in ContactKind
                         if text.lower() in ctx.t(f"kind.{k.value}").lower()), None)
            if kind is None:
                await self._expect(ctx, step)
                return
            data["kind"] = kind.value
            await self.ask(ctx, await self._save(ctx, DAY, data))
        elif step == DAY:
            day = parse_day(text, today(ctx))
            if day is None:
                await self._expect(ctx, step)
                return
            await self._take_day(ctx, data, day.isoformat())
        elif step == PEOPLE:
            count = parse_people_reached(text)
            if count is None:
                await self._expect(ctx, step)
                return
            data["people"] = count
            await self.ask(ctx, await self._save(ctx, NOTE, data))
        elif step in (NOTE, NEXT_NOTE):
            if len(text) > NOTE_MAX:
                await ctx.reply(ctx.t("log.problem.note_long", max=NOTE_MAX))
                return
            data[step] = text
            if step == NOTE:
                await self.ask(ctx, await self._save(ctx, WELLBEING, data))
            else:
                await self._submit(ctx, data)
        elif step == WELLBEING:
            score = parse_wellbeing(text)
            if score is None:
                await self._expect(ctx, step)
                return
            data["wellbeing"] = score
            await self.ask(ctx, await self._save(ctx, NEXT_NOTE, data))
        else:
            await self._expect(ctx, step)

    async def _expect(self, ctx: Ctx, step: str) -> None:
        await ctx.reply(ctx.t(f"log.expect.{step}", max=PEOPLE_REACHED_MAX))

    async def _search(self, ctx: Ctx, data: dict[str, Any], text: str) -> None:
        found = await households.search(ctx.db, text[:40], BUTTONS_MAX, worker_id=ctx.user_id)
        if not found:
            await ctx.reply(ctx.t("log.problem.search_none", query=text[:40]))
            return
        if len(found) == 1:
            await self._choose(ctx, data, found[0].id)
            return
        items = [(short(h.name), f"{PREFIX}:h:{h.id}") for h in found]
        await ctx.reply(ctx.t("log.ask_household"), buttons(pairs(items)))

    async def _take_day(self, ctx: Ctx, data: dict[str, Any], iso: str) -> None:
        from datetime import date

        problem = check_contact_day(date.fromisoformat(iso), today(ctx))
        if problem is not None:
            await ctx.reply(ctx.t(f"log.problem.{problem}"))
            return
        data["day"] = iso
        data.setdefault("services", [])
        await self.ask(ctx, await self._save(ctx, SERVICES, data))

    # -- buttons --------------------------------------------------------------------------

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Take a button at the current step; another step's button is stale."""
        action, arg = [*parts, "", ""][:2]
        data, step = dict(state.data), state.step
        if step == SERVICES and action == "s":
            chosen = toggle_service(list(data.get("services") or []), arg)
            if chosen is None:
                await ctx.answer(ctx.t("log.stale"), alert=True)
                return
            data["services"] = chosen
            await self._save(ctx, SERVICES, data)
            await ctx.answer()
            await ctx.edit_or_reply(self._services_text(ctx, data),
                                    self._services_keyboard(ctx, data))
            return
        handled = await self._button(ctx, step, data, action, arg)
        if not handled:
            await ctx.answer(ctx.t("log.stale"), alert=True)

    async def _button(self, ctx: Ctx, step: str, data: dict[str, Any], action: str,
                      arg: str) -> bool:
        async def done() -> None:
            await ctx.answer()
            await ctx.drop_keyboard()

        if step == HOUSEHOLD and action == "h" and arg.isdigit() and len(arg) < 12:
            if not await may(ctx, Action.HOUSEHOLD_LOG, HouseholdRef(int(arg))):
                await ctx.answer(ctx.t("log.not_yours"), alert=True)
                return True
            await done()
            await self._choose(ctx, data, int(arg))
        elif step == KIND and action == "k" and arg in {k.value for k in ContactKind}:
            await done()
            data["kind"] = arg
            await self.ask(ctx, await self._save(ctx, DAY, data))
        elif step == DAY and action == "d" and arg in ("0", "1"):
            await done()
            day = today(ctx) - timedelta(days=int(arg))
            await self._take_day(ctx, data, day.isoformat())
        elif step == SERVICES and action == "sd":
            await done()
            await self.ask(ctx, await self._save(ctx, PEOPLE, data))
        elif step == PEOPLE and action == "p" and arg in {"1", "2", "3", "4", "5"}:
            await done()
            data["people"] = int(arg)
            await self.ask(ctx, await self._save(ctx, NOTE, data))
        elif step == WELLBEING and action == "w" and arg in {"1", "2", "3", "4", "5"}:
            await done()
            data["wellbeing"] = int(arg)
            await self.ask(ctx, await self._save(ctx, NEXT_NOTE, data))
        elif step in (NOTE, WELLBEING, NEXT_NOTE) and action == "skip":
            await done()
            following = {NOTE: WELLBEING, WELLBEING: NEXT_NOTE}.get(step)
            if following is None:
                await self._submit(ctx, data)
            else:
                await self.ask(ctx, await self._save(ctx, following, data))
        else:
            return False
        return True

    # -- saving ---------------------------------------------------------------------------

    async def _submit(self, ctx: Ctx, data: dict[str, Any]) -> None:
        """Store the contact (checking ownership again), then confirm with what is due next."""
        from datetime import date

        household_id = int(data.get("hid") or 0)
        mine = {p.program_id: p for p in await pairings.active_for_household(ctx.db, household_id)
                if p.worker_id == ctx.user_id}
        if not mine:
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("log.not_yours"))
            return
        pairing = mine[min(mine)]
        day = date.fromisoformat(str(data["day"]))
        saved = await contacts.add(ctx.db, contacts.NewContact(
            household_id=household_id, worker_id=ctx.user_id,
            kind=ContactKind(str(data["kind"])), day=day,
            services=list(data.get("services") or []),
            people_reached=int(data.get("people") or 1), note=str(data.get("note") or ""),
            wellbeing=int(data["wellbeing"]) if data.get("wellbeing") else None,
            next_note=str(data.get("next_note") or ""), pairing_id=pairing.id), ctx.now)
        replaced = False
        if data.get("replaces"):
            old = await contacts.get(ctx.db, int(data["replaces"]))
            if old is not None and can_correct(old.created_at, ctx.now):
                replaced = await contacts.delete(ctx.db, old.id, ctx.user_id, ctx.now)
        await flows.clear(ctx.db, ctx.user_id)
        lines = [ctx.t("log.saved", name=data.get("name", ""), day=day.isoformat(),
                       kind=ctx.t(f"kind.{saved.kind.value}"))]
        if replaced:
            lines.append(ctx.t("log.replaced"))
        now_day = today(ctx)
        owed = await pairings.household_obligations(ctx.db, household_id, now_day)
        open_items = [o for _, o in owed if o.status is not Status.MET]
        if open_items:
            lines.append(ctx.t("log.next_title"))
            lines += [obligation_text(ctx, "log.next_line", o, now_day) for o in open_items]
        else:
            lines.append(ctx.t("log.next_none"))
        lines.append(ctx.t("log.correct_hint"))
        await ctx.reply("\n".join(lines), buttons([[
            (ctx.t("log.button.correct"), f"cx:fix:{saved.id}"),
            (ctx.t("log.button.delete"), f"cx:del:{saved.id}")]]))


class ContactButtons:
    """cx:del:<id> and cx:fix:<id>: a worker deletes or corrects their own contact (24 h)."""

    def __init__(self, log_flow: LogFlow) -> None:
        self.log_flow = log_flow

    async def on_button(self, ctx: Ctx) -> None:
        """Only the worker who logged it, only within 24 hours."""
        parts = (ctx.query.data if ctx.query and ctx.query.data else "").split(":")
        action = parts[1] if len(parts) > 1 else ""
        contact_id = arg_int(parts, 2)
        contact = await contacts.get(ctx.db, contact_id) if contact_id is not None else None
        if contact is None or contact.deleted or action not in ("del", "fix") \
                or not await may(ctx, Action.ENTRY_CORRECT, EntryRef(contact.worker_id)):
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if not can_correct(contact.created_at, ctx.now):
            await ctx.answer(ctx.t("log.too_late"), alert=True)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        if action == "del":
            await contacts.delete(ctx.db, contact.id, ctx.user_id, ctx.now)
            await ctx.reply(ctx.t("log.deleted"))
        else:
            await self.log_flow.correct(ctx, contact)


__all__ = ["ContactButtons", "LogFlow", "Status"]
