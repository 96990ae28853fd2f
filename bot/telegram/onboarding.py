"""Worker onboarding by invite, /workers (deactivate, reactivate) and /areas for coordinators."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from telegram import Message
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.domain.access import Action
from bot.domain.paging import page_of
from bot.domain.people import Role
from bot.domain.triage import (
    AREA_NAME_MAX,
    INVITE_PATTERN,
    NAME_MAX,
    check_text,
    invite_expiry,
    invite_link,
    new_invite_code,
    parse_invite,
)
from bot.services import areas, invites, people, routing, staff
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flowkit import CODEC, STALE, Int, Maybe, Refused, Step, StepFlow, Steps, on
from bot.telegram.flows import FlowRegistry
from bot.telegram.format import join_within, local_time
from bot.telegram.household_ui import short
from bot.telegram.keyboards import buttons, page_line, page_rows, picker
from bot.telegram.menus import menu_keyboard, publish_person
from bot.telegram.streets import open_button as streets_button
from bot.telegram.titles import coordinator_lines
from bot.telegram.titles import open_button as title_button
from storage import flows

JOIN = "join"
JN = CODEC.prefix("jn", "the join flow")
AREA_B = JN.button("a", Int())  # toggles one area
AREAS_DONE = JN.button("done")
AREAS_PAGE = JN.button("pg", Int(4))  # another page of communities
AREA_FLOW = "areas"
AR = CODEC.prefix("ar", "/areas")
AREA_ADD = AR.button("add", Maybe(Int()))  # ar:add:0 from earlier releases too
AREA_RENAME, AREA_RETIRE = AR.button("ren", Int(9)), AR.button("ret", Int(9))
# Retiring takes a second press: ar:retyes:<id> does it, ar:keep:<id> leaves it.
AREA_RETIRE_SURE, AREA_KEEP = AR.button("retyes", Int(9)), AR.button("keep", Int(9))
AREA_PAGE = AR.button("pg", Int(4))  # ar:pg:<page>  a page of the communities
# A community with something still open is retired by moving it: ar:mv:<id>:<to> moves what
# it has to <to> and retires it; ar:mvp:<id>:<page> turns the page of communities to move to.
AREA_MOVE = AR.button("mv", Int(9), Int(9))
AREA_MOVE_PAGE = AR.button("mvp", Int(9), Int(4))
ARF = CODEC.prefix("arf", "the /areas flow")  # typed names only: no buttons of its own
WK = CODEC.prefix("wk", "/workers")
WORKER_OFF, WORKER_ON = WK.button("off", Int(15)), WK.button("on", Int(15))
WORKER_OFF_SURE, WORKER_KEEP = WK.button("offyes", Int(15)), WK.button("keep", Int(15))
WORKERS_PAGE = WK.button("pg", Int(4))  # wk:pg:<page>  a page of the staff list
AREAS_SHOWN = 60  # characters of a worker's communities in the staff list
NAME_STEP, AREAS_STEP = "name", "areas"
ADD_STEP, RENAME_STEP = "add", "rename"


async def coordinator_press(ctx: Ctx) -> str | None:
    """The callback data of a coordinator-only button; None after refusing anyone else."""
    if not await ctx.may(Action.STAFF_MANAGE):
        text = ctx.t("triage.refused.not_coordinator")
        await ctx.answer(text, alert=True)
        await ctx.reply(text)
        return None
    return ctx.query.data if ctx.query and ctx.query.data else ""


@dataclass
class JoinDraft:
    """The invite being used and the answers so far (keys as stored by earlier releases)."""

    code: str = ""
    name: str = ""
    areas: list[int] = field(default_factory=list)
    page: int = 0  # the page of communities shown


class JoinFlow(StepFlow[JoinDraft]):
    """A new worker gives a name and areas; then they are a worker."""

    name = JOIN
    callbacks = JN
    data_type = JoinDraft
    stale_key = "error.stale_button"

    def __init__(self, table: CommandTable) -> None:
        self.table = table
        self.steps = Steps({
            NAME_STEP: Step(self._ask_name, self._typed_name),
            AREAS_STEP: Step(self._ask_areas, buttons=(
                on(AREA_B, self._toggle, keep=True), on(AREAS_PAGE, self._turn, keep=True),
                on(AREAS_DONE, self._done))),
        })

    async def start(self, ctx: Ctx) -> None:
        """Joining starts from the invite link only."""
        await ctx.reply(ctx.t("triage.join.need_link"))

    async def open_link(self, ctx: Ctx, payload: str) -> bool:
        """`/start <payload>`: begin joining when the payload is an invite code."""
        code = parse_invite(payload)
        if code is None:
            if payload.lower().startswith("inv"):
                await ctx.reply(ctx.t("triage.join.problem.unknown"))
                return True
            return False
        await self.use_code(ctx, code)
        return True

    async def use_code(self, ctx: Ctx, code: str) -> None:
        """Check the code, reserve it, and ask the name."""
        if ctx.role is not Role.RESIDENT:
            await ctx.reply(ctx.t("triage.join.problem.already_staff"))
            return
        if await self.busy(ctx, this_too=True):  # a half-written report is kept
            return
        problem = await invites.claim(ctx.services, code, ctx.user_id, ctx.now)
        if problem is not None:
            await ctx.reply(ctx.t(f"triage.join.problem.{problem}"))
            return
        draft = JoinDraft(code=code)
        await self.save(ctx, NAME_STEP, draft)
        await ctx.reply(ctx.t("triage.join.welcome"))
        await self._ask_name(ctx, draft)

    async def expect(self, ctx: Ctx, step: str) -> None:
        """Areas are chosen with the buttons."""
        await ctx.reply(ctx.t("triage.join.expect_areas"))

    async def _ask_name(self, ctx: Ctx, draft: JoinDraft) -> None:
        await ctx.reply(ctx.t("triage.join.ask_name", max=NAME_MAX))

    async def _ask_areas(self, ctx: Ctx, draft: JoinDraft) -> None:
        chosen = set(draft.areas)
        known = await areas.active(ctx.services)
        found = page_of(known, draft.page)
        rows = [[(ctx.ticked(a.name, a.id in chosen), AREA_B.data(a.id))]
                for a in found.items]
        rows += page_rows(ctx.t, found, AREAS_PAGE.data)
        rows.append([(ctx.t("triage.join.done_button"), AREAS_DONE.data())])
        lines = [ctx.t("triage.join.ask_areas")]
        if found.pages > 1:  # what was ticked on other pages is said here
            lines.append(ctx.t("triage.join.chosen", areas=short(ctx.join(
                [a.name for a in known if a.id in chosen]) or ctx.t("triage.join.none_yet"),
                AREAS_SHOWN)))
        lines += page_line(ctx.t, found)
        if ctx.query is not None:
            await ctx.edit_or_reply("\n".join(lines), buttons(rows))
        else:
            await ctx.reply("\n".join(lines), buttons(rows))

    async def _turn(self, ctx: Ctx, draft: JoinDraft, number: int) -> Refused | None:
        draft.page = number
        await self.goto(ctx, AREAS_STEP, draft)
        return None

    async def _typed_name(self, ctx: Ctx, draft: JoinDraft, message: Message) -> bool:
        problem = check_text(message.text, NAME_MAX)
        if problem is not None or message.text is None:
            await ctx.reply(ctx.t(f"triage.problem.{problem}", max=NAME_MAX))
            return True
        draft.name = message.text.strip()
        if not await areas.active(ctx.services):
            await self.finish(ctx, draft)
            return True
        await self.goto(ctx, AREAS_STEP, draft)
        return True

    async def _toggle(self, ctx: Ctx, draft: JoinDraft, area_id: int) -> Refused | None:
        if area_id not in {a.id for a in await areas.active(ctx.services)}:
            return STALE
        draft.areas = sorted(set(draft.areas) ^ {area_id})
        await self.goto(ctx, AREAS_STEP, draft)
        return None

    async def _done(self, ctx: Ctx, draft: JoinDraft) -> Refused | None:
        if not draft.areas:
            return Refused("triage.join.pick_one")
        await self.finish(ctx, draft)
        return None

    async def finish(self, ctx: Ctx, draft: JoinDraft) -> None:
        """Make the person a worker and show the worker menu."""
        name = draft.name or ctx.person.display_name
        joined = await invites.join(ctx.services, draft.code, ctx.user_id, name, draft.areas,
                                    ctx.now)
        await self.end(ctx)
        if joined.problem is not None:
            await ctx.reply(ctx.t(f"triage.join.problem.{joined.problem}"))
            return
        person = joined.person
        assert person is not None
        ctx.person = person
        ctx.role = ctx.services.role_of(person)
        await ctx.reply(ctx.t("triage.join.done", name=name), menu_keyboard(ctx, self.table))
        await publish_person(ctx.context.bot, ctx.services, self.table, person)


@dataclass
class Admin:
    """Coordinators' /invite, /workers and /areas."""

    table: CommandTable

    async def invite(self, ctx: Ctx) -> None:
        """Make a single-use, expiring invite and show its link."""
        code = new_invite_code(secrets.choice)
        ttl = ctx.services.settings.invite_ttl_days
        expires = invite_expiry(ctx.now, ttl)
        await invites.create(ctx.services, code, ctx.user_id, ctx.now, expires)
        username = ctx.context.bot.username
        await ctx.reply(ctx.t("triage.invite.made", link=invite_link(username, code), code=code,
                              days=ttl, until=local_time(expires, ctx.services.settings.timezone,
                                                         "%Y-%m-%d %H:%M")))

    async def workers(self, ctx: Ctx) -> None:
        """/workers: the staff list, its first page."""
        await self.show_workers(ctx)

    async def show_workers(self, ctx: Ctx, number: int = 0, *, holding: int | None = None,
                           edit: bool = False) -> None:
        """A page of workers with areas and open cases, with (de)activate buttons (page
        `number`, or the one that holds the worker `holding`); then the coordinators with
        their titles, and the button to set one's own."""
        found = await staff.workers_page(ctx.services, number, holding=holding)
        if not found.total:
            await ctx.reply("\n".join([ctx.t("triage.workers.none"),
                                       *await coordinator_lines(ctx)]),
                            buttons([[title_button(ctx)]]))
            return
        lines = [ctx.t("triage.workers.title", count=found.total)]
        rows: list[list[tuple[str, str]]] = []
        for w in found.items:
            who = w.person
            state = ctx.t("triage.workers.active" if who.active else "triage.workers.inactive")
            lines.append(ctx.t("triage.workers.line", name=who.display_name, state=state,
                               areas=(short(ctx.join(list(w.area_names)), AREAS_SHOWN)
                                      or ctx.t("triage.workers.no_area")),
                               cases=w.open_cases, households=w.households))
            key, action = (("triage.workers.deactivate", WORKER_OFF) if who.active
                           else ("triage.workers.reactivate", WORKER_ON))
            rows.append([(ctx.label(key, name=who.display_name),
                          action.data(who.telegram_id))])
        lines += page_line(ctx.t, found)
        rows += page_rows(ctx.t, found, WORKERS_PAGE.data)
        lines += await coordinator_lines(ctx)
        rows.append([title_button(ctx)])
        not_started = await routing.coordinators_not_started(ctx.services)
        if not_started:
            lines.append(ctx.t("digest.not_started", ids=", ".join(map(str, not_started))))
        lines.append(await self._outbox_line(ctx))
        text = join_within(lines)
        if edit:
            await ctx.edit_or_reply(text, buttons(rows))
        else:
            await ctx.reply(text, buttons(rows))

    async def _outbox_line(self, ctx: Ctx) -> str:
        """How many messages to others still wait to go out, and since when."""
        found = await staff.backlog(ctx.services)
        if not found.waiting or found.oldest is None:
            return ctx.t("triage.workers.outbox_empty")
        minutes = max(0, int((ctx.now - found.oldest).total_seconds() // 60))
        return ctx.t("triage.workers.outbox", count=found.waiting, minutes=minutes)

    async def toggle(self, ctx: Ctx) -> None:
        """wk:off:<id> / wk:on:<id> / wk:pg:<page> — coordinators only, re-checked at press
        time."""
        data = await coordinator_press(ctx)
        if data is None:
            return
        if (page := WORKERS_PAGE.parse(data)) is not None:
            await ctx.answer()
            await self.show_workers(ctx, page[0], edit=True)
            return
        pressed = next(((b.action, p[0]) for b in (WORKER_OFF, WORKER_ON, WORKER_OFF_SURE,
                                                   WORKER_KEEP) if (p := b.parse(data))), None)
        if pressed is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        action, who = pressed
        person = await people.get(ctx.services, who)
        if person is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        if action == "off":
            # Leaving ends cases and pairings at once: a confirmation guards the button.
            await ctx.reply(ctx.t("triage.workers.confirm_off", name=person.display_name),
                            buttons([[(ctx.t("triage.workers.yes_off"),
                                       WORKER_OFF_SURE.data(who)),
                                      (ctx.t("triage.workers.keep"),
                                       WORKER_KEEP.data(who))]]))
            return
        await ctx.drop_keyboard()
        if action == "keep":
            await ctx.reply(ctx.t("triage.workers.kept", name=person.display_name))
            return
        if action == "offyes":
            done = await staff.deactivate(ctx.services, who, ctx.user_id, ctx.now)
            if done is None:
                await ctx.reply(ctx.t("error.stale_button"))
                return
            # Referrals whose community has nobody left on duty went to the coordinators.
            key = ("triage.workers.deactivated_unstaffed" if done.unstaffed
                   else "triage.workers.deactivated")
            await ctx.reply(ctx.t(key, name=person.display_name, cases=len(done.released),
                                  referrals=len(done.referrals),
                                  households=done.pairings_ended,
                                  unstaffed=len(done.unstaffed)))
        elif await staff.reactivate(ctx.services, who, ctx.user_id, ctx.now):
            await ctx.reply(ctx.t("triage.workers.reactivated", name=person.display_name))
        changed = await people.get(ctx.services, who)
        if changed is not None:
            await publish_person(ctx.context.bot, ctx.services, self.table, changed)
        await self.show_workers(ctx, holding=who)  # the page the coordinator was on

    async def areas(self, ctx: Ctx) -> None:
        """/areas: the communities, their first page."""
        await self.show_areas(ctx)

    async def show_areas(self, ctx: Ctx, number: int = 0, *, holding: int | None = None,
                         named: str | None = None, edit: bool = False) -> None:
        """A page of communities (grouped by street) with rename and retire buttons (page
        `number`, or the one that holds the community `holding` or `named`), and Add."""
        found = await areas.page(ctx.services, number, holding=holding, named=named)
        lines = [ctx.t("triage.areas.title")]
        lines += street_lines(ctx, found.items) or [ctx.t("triage.areas.none")]
        lines += page_line(ctx.t, found)
        rows = [[(ctx.label("triage.areas.rename", name=a.area_name), AREA_RENAME.data(a.area_id)),
                 (ctx.label("triage.areas.retire"), AREA_RETIRE.data(a.area_id))]
                for a in found.items]
        rows += page_rows(ctx.t, found, AREA_PAGE.data)
        rows.append([(ctx.t("triage.areas.add"), AREA_ADD.data(0))])
        rows.append([streets_button(ctx)])
        if edit:
            await ctx.edit_or_reply(join_within(lines), buttons(rows))
        else:
            await ctx.reply(join_within(lines), buttons(rows))


def already_retired(ctx: Ctx, area: areas.Area) -> str:
    """The alert for a press on a community retired meanwhile (plain text: an alert is not
    HTML)."""
    return ctx.label("triage.areas.already_retired", size=200, name=area.name)


def street_lines(ctx: Ctx, listed: list[areas.AreaStreet]) -> list[str]:
    """Communities grouped under their streets (those without a street last, or alone)."""
    if all(a.street_name is None for a in listed):
        return [ctx.t("triage.areas.line", name=a.area_name) for a in listed]
    lines: list[str] = []
    current: object = object()
    for area in listed:
        if area.street_name != current:
            current = area.street_name
            lines.append(ctx.t("triage.areas.street", street=area.street_name)
                         if area.street_name else ctx.t("triage.areas.no_street"))
        lines.append(ctx.t("triage.areas.line", name=area.area_name))
    return lines


@dataclass
class AreaDraft:
    """The area being renamed (none when adding one)."""

    area: int = 0


class AreaFlow(StepFlow[AreaDraft]):
    """Coordinators type the name of a new area, or the new name of one."""

    role = Role.COORDINATOR

    name = AREA_FLOW
    callbacks = ARF
    data_type = AreaDraft
    stale_key = "error.stale_button"

    def __init__(self, admin: Admin) -> None:
        self.admin = admin
        self.steps = Steps({ADD_STEP: Step(self._ask_name, self._typed_name),
                            RENAME_STEP: Step(self._ask_name, self._typed_name)})

    async def start(self, ctx: Ctx) -> None:
        """Begins from the /areas buttons."""
        await self.admin.areas(ctx)

    async def _ask_name(self, ctx: Ctx, draft: AreaDraft) -> None:
        await ctx.reply(ctx.t("triage.areas.ask_name", max=AREA_NAME_MAX))

    async def button(self, ctx: Ctx) -> None:
        """ar:add, ar:ren:<id>, ar:ret:<id> (then ar:retyes or ar:keep), ar:pg:<page> —
        coordinators only, checked at every press."""
        data = await coordinator_press(ctx)
        if data is None:
            return
        if (page := AREA_PAGE.parse(data)) is not None:
            await ctx.answer()
            await self.admin.show_areas(ctx, page[0], edit=True)
            return
        if AREA_ADD.parse(data) is not None:
            await ctx.answer()
            if await self.busy(ctx, this_too=True):
                return
            await self.save(ctx, ADD_STEP, AreaDraft())
            await ctx.reply(ctx.t("triage.areas.ask_name", max=AREA_NAME_MAX))
            return
        if (moving := AREA_MOVE.parse(data) or AREA_MOVE_PAGE.parse(data)) is not None:
            await self._moving(ctx, data, *moving)
            return
        pressed = next(((b, p[0]) for b in (AREA_RENAME, AREA_RETIRE, AREA_RETIRE_SURE,
                                            AREA_KEEP) if (p := b.parse(data))), None)
        area = await areas.get(ctx.services, pressed[1]) if pressed is not None else None
        if pressed is None or area is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
        elif area.retired and pressed[0] is not AREA_RETIRE_SURE:  # meanwhile, by another
            await ctx.answer(already_retired(ctx, area), alert=True)
            if pressed[0] is AREA_KEEP:
                await ctx.drop_keyboard()  # a confirmation left over: done with
        elif pressed[0] is AREA_RENAME:
            await ctx.answer()
            if await self.busy(ctx, this_too=True):
                return
            await self.save(ctx, RENAME_STEP, AreaDraft(area.id))
            await ctx.reply(ctx.t("triage.areas.ask_rename", name=area.name, max=AREA_NAME_MAX))
        elif pressed[0] is AREA_RETIRE:
            await ctx.answer()
            await self._confirm_retire(ctx, area)
        elif pressed[0] is AREA_KEEP:
            await ctx.answer()
            await ctx.drop_keyboard()
            await ctx.reply(ctx.t("triage.areas.kept", name=area.name))
        else:
            await self._retire(ctx, area)

    async def _moving(self, ctx: Ctx, data: str, area_id: int, second: int) -> None:
        """ar:mv:<id>:<to> (move and retire) or ar:mvp:<id>:<page> (another page)."""
        area = await areas.get(ctx.services, area_id)
        if area is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
        elif AREA_MOVE_PAGE.parse(data) is None:
            await self._retire(ctx, area, into=second)
        elif area.retired:
            await ctx.answer(already_retired(ctx, area), alert=True)
            await ctx.drop_keyboard()
        else:
            await ctx.answer()
            await self._confirm_retire(ctx, area, second, edit=True)

    async def _confirm_retire(self, ctx: Ctx, area: areas.Area, number: int = 0, *,
                              edit: bool = False) -> None:
        """Say what retiring means for this community, with Confirm and Cancel; one that
        still has open cases, households or workers is retired by moving them, so the
        confirmation offers the communities to move them to (page `number`)."""
        had = await areas.standing(ctx.services, area.id)
        keep = (ctx.t("triage.areas.keep"), AREA_KEEP.data(area.id))
        counts = {"name": area.name, "reports": had.open_reports, "households": had.households,
                  "workers": had.workers, "referrals": had.referrals}
        if had.empty:
            text, rows = (ctx.t("triage.areas.confirm_retire", name=area.name),
                          [[(ctx.t("triage.areas.yes_retire"), AREA_RETIRE_SURE.data(area.id)),
                            keep]])
        elif not (targets := await areas.move_targets(ctx.services, area.id)):
            text, rows = ctx.t("triage.areas.confirm_stuck", **counts), [[keep]]
        else:
            items = [(ctx.label("triage.areas.move_to", name=a.name),
                      AREA_MOVE.data(area.id, a.id)) for a in targets]
            rows, page = picker(ctx.t, items, number,
                                lambda n: AREA_MOVE_PAGE.data(area.id, n), 2)
            text = "\n".join([ctx.t("triage.areas.confirm_move", **counts), *page])
            rows.append([keep])
        if edit:
            await ctx.edit_or_reply(text, buttons(rows))
        else:
            await ctx.reply(text, buttons(rows))

    async def _retire(self, ctx: Ctx, area: areas.Area, *, into: int | None = None) -> None:
        """The answer to the confirmation: retire (audited), moving what it has to `into`;
        retired meanwhile, by another press, is said (this very press, handled again after a
        crash, is answered as the first time)."""
        was_on = (await areas.page(ctx.services, 0, holding=area.id)).number
        done = await areas.retire(ctx.services, ctx.user_id, area.id, ctx.now, into=into,
                                  update_id=ctx.update.update_id)
        if done.outcome == "already":
            await ctx.answer(already_retired(ctx, area), alert=True)
            await ctx.drop_keyboard()  # a confirmation left over: done with
            return
        if done.outcome != "done":
            # Something came in since it was asked (or the chosen community was retired):
            # ask again with what it has now.
            await ctx.answer(ctx.label(f"triage.areas.changed_{done.outcome}", size=200),
                             alert=True)
            await ctx.drop_keyboard()
            await self._confirm_retire(ctx, area)
            return
        await ctx.answer()
        await ctx.drop_keyboard()
        if done.into is None or done.had is None:
            await ctx.reply(ctx.t("triage.areas.retired", name=area.name))
        else:
            await ctx.reply(ctx.t("triage.areas.retired_moved", name=area.name,
                                  into=done.into.name, reports=done.had.open_reports,
                                  households=done.had.households, workers=done.had.workers,
                                  referrals=done.had.referrals))
        await self.admin.show_areas(ctx, was_on)  # the page the coordinator was on

    async def _typed_name(self, ctx: Ctx, draft: AreaDraft, message: Message) -> bool:
        """The typed name (the role is checked again: it may have changed)."""
        if not await ctx.may(Action.STAFF_MANAGE):
            await self.end(ctx)
            await ctx.reply(ctx.t("triage.refused.not_coordinator"))
            return True
        problem = check_text(message.text, AREA_NAME_MAX)
        if problem is not None or message.text is None:
            await ctx.reply(ctx.t(f"triage.problem.{problem}", max=AREA_NAME_MAX))
            return True
        name = message.text.strip()
        if draft.area:
            ok = await areas.rename(ctx.services, ctx.user_id, draft.area, name, ctx.now)
        else:
            ok = await areas.add(ctx.services, ctx.user_id, name, ctx.now)
        if not ok:
            await ctx.reply(ctx.t("triage.areas.taken", name=name))
            return True
        await self.end(ctx)
        await ctx.reply(ctx.t("triage.areas.saved", name=name))
        await self.admin.show_areas(ctx, named=name)  # the page that now holds it
        return True


def register_onboarding(app: Application, table: CommandTable,  # type: ignore[type-arg]
                        flow_registry: FlowRegistry, common: CommonHandlers) -> None:
    """Add /invite, /workers, /areas, the join flow and the deep-link handler."""
    join = JoinFlow(table)
    admin = Admin(table)
    area_flow = AreaFlow(admin)
    table.add(Command("invite", Role.COORDINATOR, admin.invite, order=60))
    table.add(Command("workers", Role.COORDINATOR, admin.workers, order=61))
    table.add(Command("areas", Role.COORDINATOR, admin.areas, order=62))
    table.start_payloads.append(join.open_link)

    async def typed_code(ctx: Ctx) -> None:
        """A code pasted as a message (with any words around it) works like the link."""
        state = await flows.get(ctx.db, ctx.user_id)
        text = ctx.message.text if ctx.message and ctx.message.text else ""
        code = parse_invite(text)
        if state is not None or code is None:
            await common.message(ctx)
            return
        await join.use_code(ctx, code)

    app.add_handler(MessageHandler(
        filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
        & filters.Regex(INVITE_PATTERN),
        handler(typed_code)))
    flow_registry.add(join)
    flow_registry.add(area_flow)
    app.add_handler(CallbackQueryHandler(handler(admin.toggle), pattern=f"^{WK.name}:"))
    app.add_handler(CallbackQueryHandler(handler(area_flow.button), pattern=f"^{AR.name}:"))




class OnboardingFeature:
    """Joining by invite, /invite, /workers and /areas."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, flows and buttons."""
        register_onboarding(app, table, flow_registry, common)
