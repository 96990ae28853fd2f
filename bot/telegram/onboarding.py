"""Worker onboarding by invite, /workers (deactivate, reactivate) and /areas for coordinators."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

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
from bot.services import routing, staff
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.format import local_time
from bot.telegram.keyboards import buttons
from bot.telegram.menus import menu_keyboard, publish_person
from bot.telegram.streets import open_button as streets_button
from storage import areas, flows, outbox, people
from storage import triage as store
from storage.flows import FlowState

JOIN = "join"
JOIN_PREFIX = "jn"
AREA_FLOW = "areas"
AREA_PREFIX = "ar"
WORKERS_PREFIX = "wk"
NAME_STEP, AREAS_STEP = "name", "areas"


async def coordinator_press(ctx: Ctx) -> tuple[str, str] | None:
    """(action, argument) of a coordinator-only button; None after refusing anyone else."""
    if ctx.role is not Role.COORDINATOR:
        text = ctx.t("triage.refused.not_coordinator")
        await ctx.answer(text, alert=True)
        await ctx.reply(text)
        return None
    data = ctx.query.data if ctx.query and ctx.query.data else ""
    parts = [*data.split(":")[1:], "", ""]
    return parts[0], parts[1]


@dataclass
class JoinFlow:
    """A new worker gives a name and areas; then they are a worker."""

    table: CommandTable
    name: str = JOIN
    prefix: str = JOIN_PREFIX

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
        problem = await store.claim_invite(ctx.db, code, ctx.user_id, ctx.now)
        if problem is not None:
            await ctx.reply(ctx.t(f"triage.join.problem.{problem}"))
            return
        state = await ctx.save_flow(JOIN, NAME_STEP,
                                {"code": code, "areas": []})
        await ctx.reply(ctx.t("triage.join.welcome"))
        await self.ask(ctx, state)

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the name, or the areas."""
        if state.step == NAME_STEP:
            await ctx.reply(ctx.t("triage.join.ask_name", max=NAME_MAX))
            return
        chosen = set(state.data.get("areas", []))
        known = await areas.active(ctx.db)
        rows = [[(("✅ " if a.id in chosen else "") + a.name, f"{JOIN_PREFIX}:a:{a.id}")]
                for a in known]
        rows.append([(ctx.t("triage.join.done_button"), f"{JOIN_PREFIX}:done")])
        if ctx.query is not None:
            await ctx.edit_or_reply(ctx.t("triage.join.ask_areas"), buttons(rows))
        else:
            await ctx.reply(ctx.t("triage.join.ask_areas"), buttons(rows))

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """A button of this flow pressed after it ended."""
        await ctx.answer(ctx.t("error.stale_button"), alert=True)
        await ctx.drop_keyboard()

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """The typed name (areas are chosen by buttons)."""
        message = ctx.message
        if state.step != NAME_STEP:
            await ctx.reply(ctx.t("triage.join.expect_areas"))
            return
        text = message.text if message else None
        problem = check_text(text, NAME_MAX)
        if problem is not None:
            await ctx.reply(ctx.t(f"triage.problem.{problem}", max=NAME_MAX))
            return
        assert text is not None
        data = {**state.data, "name": text.strip()}
        if not await areas.active(ctx.db):
            await self.finish(ctx, data)
            return
        state = await ctx.save_flow(JOIN, AREAS_STEP, data)
        await self.ask(ctx, state)

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Toggle an area, or finish."""
        action, arg = [*parts, "", ""][:2]
        if state.step != AREAS_STEP:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if action == "done":
            if not state.data.get("areas"):
                await ctx.answer(ctx.t("triage.join.pick_one"), alert=True)
                return
            await ctx.answer()
            await ctx.drop_keyboard()
            await self.finish(ctx, state.data)
            return
        known = {a.id for a in await areas.active(ctx.db)}
        if action != "a" or not arg.isdigit() or int(arg) not in known:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        chosen = set(state.data.get("areas", []))
        chosen ^= {int(arg)}
        state = await ctx.save_flow(JOIN, AREAS_STEP,
                                {**state.data, "areas": sorted(chosen)})
        await ctx.answer()
        await self.ask(ctx, state)

    async def finish(self, ctx: Ctx, data: dict[str, object]) -> None:
        """Make the person a worker and show the worker menu."""
        code = str(data.get("code", ""))
        name = str(data.get("name", ctx.person.display_name))
        raw = data.get("areas", [])
        area_ids = [a for a in raw if isinstance(a, int)] if isinstance(raw, list) else []
        problem = await store.join(ctx.db, code, ctx.user_id, name, area_ids, ctx.now)
        await flows.clear(ctx.db, ctx.user_id)
        if problem is not None:
            await ctx.reply(ctx.t(f"triage.join.problem.{problem}"))
            return
        person = await people.get(ctx.db, ctx.user_id)
        assert person is not None
        ctx.person = person
        ctx.role = ctx.services.role_of(person)
        await ctx.reply(ctx.t("triage.join.done", name=name), menu_keyboard(ctx, self.table))
        await publish_person(ctx.context.bot, ctx.services, self.table, person)
        # Queued, never awaited: a training session of a hundred joins must not make each
        # new worker wait for the coordinator's chat (it gets them merged, paced).
        await routing.send(ctx.services, await routing.to_coordinators(
            ctx.services, "triage.join.told", group="join", line_key="triage.join.told_line",
            name=name), ctx.now)


@dataclass
class Admin:
    """Coordinators' /invite, /workers and /areas."""

    table: CommandTable

    async def invite(self, ctx: Ctx) -> None:
        """Make a single-use, expiring invite and show its link."""
        code = new_invite_code(secrets.choice)
        ttl = ctx.services.settings.invite_ttl_days
        expires = invite_expiry(ctx.now, ttl)
        await store.create_invite(ctx.db, code, ctx.user_id, ctx.now, expires)
        username = ctx.context.bot.username
        await ctx.reply(ctx.t("triage.invite.made", link=invite_link(username, code), code=code,
                              days=ttl, until=local_time(expires, ctx.services.settings.timezone,
                                                         "%Y-%m-%d %H:%M")))

    async def workers(self, ctx: Ctx) -> None:
        """List workers with areas and open cases, with (de)activate buttons."""
        found = await store.workers(ctx.db)
        if not found:
            await ctx.reply(ctx.t("triage.workers.none"))
            return
        lines = [ctx.t("triage.workers.title")]
        rows: list[list[tuple[str, str]]] = []
        for w in found:
            who = w.person
            state = ctx.t("triage.workers.active" if who.active else "triage.workers.inactive")
            lines.append(ctx.t("triage.workers.line", name=who.display_name, state=state,
                               areas=(ctx.join(list(w.area_names))
                                      or ctx.t("triage.workers.no_area")),
                               cases=w.open_cases, households=w.households))
            key, action = (("triage.workers.deactivate", "off") if who.active
                           else ("triage.workers.reactivate", "on"))
            rows.append([(ctx.t(key, name=who.display_name)[:60],
                          f"{WORKERS_PREFIX}:{action}:{who.telegram_id}")])
        not_started = await routing.coordinators_not_started(ctx.services)
        if not_started:
            lines.append(ctx.t("digest.not_started", ids=", ".join(map(str, not_started))))
        lines.append(await self._outbox_line(ctx))
        await ctx.reply("\n".join(lines), buttons(rows))

    async def _outbox_line(self, ctx: Ctx) -> str:
        """How many messages to others still wait to go out, and since when."""
        found = await outbox.depth(ctx.db)
        if not found.waiting or found.oldest is None:
            return ctx.t("triage.workers.outbox_empty")
        minutes = max(0, int((ctx.now - found.oldest).total_seconds() // 60))
        return ctx.t("triage.workers.outbox", count=found.waiting, minutes=minutes)

    async def toggle(self, ctx: Ctx) -> None:
        """wk:off:<id> / wk:on:<id> — coordinators only, re-checked at press time."""
        pressed = await coordinator_press(ctx)
        if pressed is None:
            return
        action, raw = pressed
        if action not in ("on", "off", "offyes", "keep") or not raw.isdigit() or len(raw) > 15:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        who = int(raw)
        person = await people.get(ctx.db, who)
        if person is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        await ctx.answer()
        if action == "off":
            # Leaving ends cases and pairings at once: a confirmation guards the button.
            await ctx.reply(ctx.t("triage.workers.confirm_off", name=person.display_name),
                            buttons([[(ctx.t("triage.workers.yes_off"),
                                       f"{WORKERS_PREFIX}:offyes:{who}"),
                                      (ctx.t("triage.workers.keep"),
                                       f"{WORKERS_PREFIX}:keep:{who}")]]))
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
            await ctx.reply(ctx.t("triage.workers.deactivated", name=person.display_name,
                                  cases=len(done.released), households=done.pairings_ended))
        elif await staff.reactivate(ctx.services, who, ctx.user_id, ctx.now):
            await ctx.reply(ctx.t("triage.workers.reactivated", name=person.display_name))
        changed = await people.get(ctx.db, who)
        if changed is not None:
            await publish_person(ctx.context.bot, ctx.services, self.table, changed)
        await self.workers(ctx)

    async def areas(self, ctx: Ctx) -> None:
        """List areas with rename and retire buttons, and an Add button."""
        known = await areas.active(ctx.db)
        lines = [ctx.t("triage.areas.title")]
        lines += street_lines(ctx, await areas.streets_of_areas(ctx.db)) or [
            ctx.t("triage.areas.none")]
        rows = [[(ctx.t("triage.areas.rename", name=a.name)[:60], f"{AREA_PREFIX}:ren:{a.id}"),
                 (ctx.t("triage.areas.retire")[:60], f"{AREA_PREFIX}:ret:{a.id}")] for a in known]
        rows.append([(ctx.t("triage.areas.add"), f"{AREA_PREFIX}:add:0")])
        rows.append([streets_button(ctx)])
        await ctx.reply("\n".join(lines), buttons(rows))


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
class AreaFlow:
    """Coordinators type the name of a new area, or the new name of one."""

    admin: Admin
    name: str = AREA_FLOW
    prefix: str = "arf"

    async def start(self, ctx: Ctx) -> None:
        """Begins from the /areas buttons."""
        await self.admin.areas(ctx)

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask for the name."""
        await ctx.reply(ctx.t("triage.areas.ask_name", max=AREA_NAME_MAX))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """No buttons of its own."""
        await ctx.answer(ctx.t("error.stale_button"), alert=True)

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """A button of this flow pressed after it ended."""
        await ctx.answer(ctx.t("error.stale_button"), alert=True)
        await ctx.drop_keyboard()

    async def button(self, ctx: Ctx) -> None:
        """ar:add:0, ar:ren:<id>, ar:ret:<id> — coordinators only."""
        pressed = await coordinator_press(ctx)
        if pressed is None:
            return
        action, raw = pressed
        area = await areas.get(ctx.db, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if action == "add":
            await ctx.answer()
            await ctx.save_flow(AREA_FLOW, "add", {})
            await ctx.reply(ctx.t("triage.areas.ask_name", max=AREA_NAME_MAX))
        elif action == "ren" and area is not None and not area.retired:
            await ctx.answer()
            await ctx.save_flow(AREA_FLOW, "rename", {"area": area.id})
            await ctx.reply(ctx.t("triage.areas.ask_rename", name=area.name, max=AREA_NAME_MAX))
        elif action == "ret" and area is not None and await store.retire_area(ctx.db, area.id):
            await ctx.answer()
            await ctx.reply(ctx.t("triage.areas.retired", name=area.name))
            await self.admin.areas(ctx)
        else:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """The typed name."""
        if ctx.role is not Role.COORDINATOR:
            await flows.clear(ctx.db, ctx.user_id)
            await ctx.reply(ctx.t("triage.refused.not_coordinator"))
            return
        text = ctx.message.text if ctx.message else None
        problem = check_text(text, AREA_NAME_MAX)
        if problem is not None:
            await ctx.reply(ctx.t(f"triage.problem.{problem}", max=AREA_NAME_MAX))
            return
        assert text is not None
        name = text.strip()
        if state.step == "rename":
            ok = await store.rename_area(ctx.db, int(state.data.get("area", 0)), name)
        else:
            ok = await store.add_area(ctx.db, name, ctx.now)
        if not ok:
            await ctx.reply(ctx.t("triage.areas.taken", name=name))
            return
        await flows.clear(ctx.db, ctx.user_id)
        await ctx.reply(ctx.t("triage.areas.saved", name=name))
        await self.admin.areas(ctx)


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
    app.add_handler(CallbackQueryHandler(handler(admin.toggle), pattern=f"^{WORKERS_PREFIX}:"))
    app.add_handler(CallbackQueryHandler(handler(area_flow.button), pattern=f"^{AREA_PREFIX}:"))




class OnboardingFeature:
    """Joining by invite, /invite, /workers and /areas."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the commands, flows and buttons."""
        register_onboarding(app, table, flow_registry, common)
