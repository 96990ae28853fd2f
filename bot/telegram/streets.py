"""/areas → streets: coordinators group communities into streets (街道) with buttons.

sg:open:0 lists the streets, a page at a time (sg:lp:<page> turns it); sg:ed:<street> shows
every community as a toggle (a press moves it into the street, or out; never the last one),
with sg:ren:<street> (the rename flow, typed only: sn) and sg:rm:<street> (remove, confirmed
with sg:rmy / sg:rmn: its communities are then in no street); sg:pg:<street>:<page> turns the
communities' pages; sg:add:0 starts the flow that names a new street and picks its communities
(sf:a:<area>, sf:pg:<page>, sf:ok). Every press checks the role again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup, Message
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.access import Action
from bot.domain.activities import toggle
from bot.domain.areas import AREA_NAME_MAX
from bot.domain.paging import page_holding, page_of
from bot.domain.people import Role
from bot.services import areas
from bot.services import streets as use
from bot.services.streets import Refusal, Street
from bot.telegram.commands import CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flowkit import CODEC, Int, Maybe, Refused, Step, StepFlow, Steps, on
from bot.telegram.flows import FlowRegistry, start_unless_busy
from bot.telegram.household_ui import buttons, join_within, short
from bot.telegram.keyboards import picker
from storage.flows import FlowState

NAME = "street"
RENAME_FLOW = "street_rename"
NAME_STEP, AREAS_STEP = "name", "areas"

SG = CODEC.prefix("sg", "/areas: the streets")
OPEN = SG.button("open", Int())  # sg:open:0 (the number is not used)
LIST_PAGE = SG.button("lp", Int(4))  # another page of the streets
ADD = SG.button("add", Int())  # sg:add:0
EDIT = SG.button("ed", Int())
EDITED = SG.button("ok", Int())
TOGGLE = SG.button("t", Int(), Maybe(Int()))  # street, community (the use case checks both)
PAGE = SG.button("pg", Int(), Int(4))  # street, another page of its communities
RENAME = SG.button("ren", Int())
REMOVE, REMOVE_SURE, REMOVE_KEEP = SG.button("rm", Int()), SG.button("rmy", Int()), \
    SG.button("rmn", Int())

SN = CODEC.prefix("sn", "renaming a street")  # typed names only: no buttons of its own

SF = CODEC.prefix("sf", "the add-a-street flow")
AREA_B = SF.button("a", Int())  # toggles one community
SAVE = SF.button("ok")
AREAS_PAGE = SF.button("pg", Int(4))  # another page of communities


def open_button(ctx: Ctx) -> tuple[str, str]:
    """The /areas button that opens the streets."""
    return ctx.t("streets.button.open"), OPEN.data(0)


async def _area_names(ctx: Ctx) -> dict[int, str]:
    return {a.id: a.name for a in await areas.active(ctx.services)}


class StreetsView:
    """The streets with their communities; the toggle view of one street."""

    def __init__(self, flow: StreetFlow, rename: StreetRenameFlow) -> None:
        self.flow = flow
        self.rename = rename

    async def show(self, ctx: Ctx, number: int = 0, *, holding: int | None = None,
                   edit: bool = False) -> None:
        """Page `number` of the streets (or the page of the street `holding`), each with its
        communities and a button to adjust it; then the communities in no street."""
        names = await _area_names(ctx)
        found = await use.listed(ctx.services)
        ids = [s.id for s in found]
        if holding in ids:
            number = page_holding(ids.index(holding))
        lines = [ctx.t("streets.title")]
        for street in page_of(found, number).items:
            lines.append(ctx.t("streets.line", street=street.name, areas=ctx.join(
                [names[a] for a in street.area_ids if a in names])
                or ctx.t("streets.nothing")))
        placed = {a for street in found for a in street.area_ids}
        loose = [n for a, n in names.items() if a not in placed]
        if loose:
            lines.append(ctx.t("streets.loose", areas=ctx.join(loose)))
        rows, page = picker(ctx.t, [(ctx.t("streets.button.edit", street=short(s.name, 20)),
                                     EDIT.data(s.id)) for s in found], number, LIST_PAGE.data)
        text = join_within([*lines, *page])
        markup = buttons([[(ctx.t("streets.button.add"), ADD.data(0))], *rows])
        if edit:
            await ctx.edit_or_reply(text, markup)
        else:
            await ctx.reply(text, markup)

    async def _street_view(self, ctx: Ctx, street: Street, number: int = 0, *,
                           holding: int | None = None) -> tuple[str, InlineKeyboardMarkup]:
        """Page `number` of the communities to move in or out (or the page of the one
        `holding`)."""
        live = await areas.active(ctx.services)
        ids = [a.id for a in live]
        if holding in ids:
            number = page_holding(ids.index(holding))
        items = [(ctx.ticked(short(a.name), a.id in street.area_ids),
                  TOGGLE.data(street.id, a.id)) for a in live]
        rows, page = picker(ctx.t, items, number, lambda n: PAGE.data(street.id, n), 3)
        names = [a.name for a in live if a.id in street.area_ids]
        text = "\n".join([ctx.t("streets.ask_edit", street=street.name), ctx.t(
            "streets.chosen", areas=ctx.join(names) or ctx.t("streets.nothing")), *page])
        return text, buttons([*rows,
                              [(ctx.t("streets.button.rename"), RENAME.data(street.id)),
                               (ctx.t("streets.button.remove"), REMOVE.data(street.id))],
                              [(ctx.t("streets.button.done"), EDITED.data(street.id))]])

    async def on_button(self, ctx: Ctx) -> None:
        """sg:open|add:0, sg:lp:<page>, sg:ed|ok:<street>, sg:t:<street>:<area>,
        sg:pg:<street>:<page>; coordinators only."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        if not await ctx.may(Action.STAFF_MANAGE):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        if OPEN.parse(data) is not None:
            await ctx.answer()
            await self.show(ctx)
            return
        if (page := LIST_PAGE.parse(data)) is not None:
            await ctx.answer()
            await self.show(ctx, page[0], edit=True)
            return
        if ADD.parse(data) is not None:
            await ctx.answer()
            await start_unless_busy(ctx, lambda: self.flow.start(ctx), "streets.busy")
            return
        edit, edited, toggled = EDIT.parse(data), EDITED.parse(data), TOGGLE.parse(data)
        renamed, removing = RENAME.parse(data), REMOVE.parse(data)
        sure, keep, paged = REMOVE_SURE.parse(data), REMOVE_KEEP.parse(data), PAGE.parse(data)
        street_id = (edit or edited or toggled or renamed or removing or sure or keep or paged
                     or (None,))[0]
        street = await use.get(ctx.services, street_id) if street_id is not None else None
        if street is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if renamed is not None:
            await ctx.answer()
            await start_unless_busy(ctx, lambda: self.rename.begin(ctx, street),
                                    "streets.busy_rename")
        elif removing is not None:
            await ctx.answer()
            await self._ask_remove(ctx, street)
        elif sure is not None or keep is not None:
            await ctx.answer()
            await self._remove(ctx, street, sure is not None)
        elif edit is not None:
            await ctx.answer()
            await ctx.reply(*await self._street_view(ctx, street))
        elif paged is not None:
            await ctx.answer()
            await ctx.edit_or_reply(*await self._street_view(ctx, street, paged[1]))
        elif edited is not None or toggled is None:
            await ctx.answer()
            await ctx.drop_keyboard()
            await self.show(ctx, holding=street.id)  # back at the page the street is on
        else:
            await self._toggle(ctx, street, toggled[1])

    async def _ask_remove(self, ctx: Ctx, street: Street) -> None:
        """sg:rm: the communities stay, only the grouping goes; a confirmation guards it all
        the same, as figures by street change at once."""
        await ctx.reply(ctx.t("streets.confirm_remove", street=street.name),
                        buttons([[(ctx.t("streets.button.remove_sure"),
                                   REMOVE_SURE.data(street.id)),
                                  (ctx.t("streets.button.remove_keep"),
                                   REMOVE_KEEP.data(street.id))]]))

    async def _remove(self, ctx: Ctx, street: Street, sure: bool) -> None:
        """sg:rmy removes the street; sg:rmn keeps it."""
        await ctx.drop_keyboard()
        if not sure:
            await ctx.reply(ctx.t("streets.kept", street=street.name))
            return
        removed = await use.remove(ctx.services, ctx.user_id, street.id)
        if isinstance(removed, Refusal):
            await ctx.reply(ctx.t(f"streets.problem.{removed.value}", max=AREA_NAME_MAX,
                                  name=street.name))
            return
        await ctx.reply(ctx.t("streets.removed", street=removed))
        await self.show(ctx)

    async def _toggle(self, ctx: Ctx, street: Street, area_id: int | None) -> None:
        changed = await use.toggle_area(ctx.services, ctx.user_id, street.id,
                                        area_id if area_id is not None else -1)
        if isinstance(changed, Refusal):
            await ctx.answer(ctx.t(f"streets.problem.{changed.value}", max=AREA_NAME_MAX),
                             alert=True)
            return
        await ctx.answer()
        await ctx.edit_or_reply(*await self._street_view(ctx, changed, holding=area_id))


@dataclass
class StreetDraft:
    """The new street so far (keys as stored by earlier releases)."""

    name: str = ""
    areas: list[int] = field(default_factory=list)
    page: int = 0  # the page of communities last shown: a resumed question reopens there


class StreetFlow(StepFlow[StreetDraft]):
    """A coordinator names a new street, then picks its communities."""

    role = Role.COORDINATOR

    name = NAME
    callbacks = SF
    data_type = StreetDraft
    stale_key = "streets.stale"

    def __init__(self) -> None:
        self.steps = Steps({
            NAME_STEP: Step(self._ask_name, self._typed_name),
            AREAS_STEP: Step(self._ask_areas, buttons=(
                on(AREA_B, self._toggle, keep=True), on(SAVE, self._save),
                on(AREAS_PAGE, self._turn, keep=True))),
        })

    async def start(self, ctx: Ctx) -> None:
        """Ask for the street's name."""
        if await self.busy(ctx, this_too=True):
            return
        await self.goto(ctx, NAME_STEP, StreetDraft())

    async def expect(self, ctx: Ctx, step: str) -> None:
        """At the communities step, say what to do (the name step takes any text)."""
        await ctx.reply(ctx.t("streets.expect_areas"))

    async def _ask_name(self, ctx: Ctx, draft: StreetDraft) -> None:
        await ctx.reply(ctx.t("streets.ask_name", max=AREA_NAME_MAX))

    async def _ask_areas(self, ctx: Ctx, draft: StreetDraft) -> None:
        await ctx.reply(*await self._areas_view(ctx, draft, draft.page))

    async def _areas_view(self, ctx: Ctx, draft: StreetDraft, number: int = 0, *,
                          holding: int | None = None) -> tuple[str, InlineKeyboardMarkup]:
        """Page `number` of the communities to tick (or the page of the one `holding`)."""
        live = await areas.active(ctx.services)
        chosen = set(draft.areas)
        ids = [a.id for a in live]
        if holding in ids:
            number = page_holding(ids.index(holding))
        items = [(ctx.ticked(short(a.name), a.id in chosen), AREA_B.data(a.id))
                 for a in live]
        rows, page = picker(ctx.t, items, number, AREAS_PAGE.data, 3)
        text = "\n".join([ctx.t("streets.ask_areas", street=draft.name), ctx.t(
            "streets.chosen", areas=ctx.join([a.name for a in live if a.id in chosen])
            or ctx.t("streets.nothing")), *page])
        return text, buttons([*rows, [(ctx.t("streets.button.done"), SAVE.data())]])

    # -- the role, again at every answer ------------------------------------------------------

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Take the name (coordinators only)."""
        if not await ctx.may(Action.STAFF_MANAGE):
            await self.end(ctx)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
            return
        await super().on_message(ctx, state)

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """sf:a:<area> toggles a community, sf:pg:<page> turns the page; sf:ok saves
        (coordinators only)."""
        if not await ctx.may(Action.STAFF_MANAGE):
            await self.end(ctx)
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        await super().on_button(ctx, state, parts)

    async def _typed_name(self, ctx: Ctx, draft: StreetDraft, message: Message) -> bool:
        name = use.clean_name(message.text or "")
        if name is None:
            await ctx.reply(ctx.t("streets.problem.name_bad", max=AREA_NAME_MAX))
        elif name in {s.name for s in await use.listed(ctx.services)}:
            await ctx.reply(ctx.t("streets.problem.name_taken", name=name))
        else:
            await self.goto(ctx, AREAS_STEP, StreetDraft(name=name))
        return True

    async def _toggle(self, ctx: Ctx, draft: StreetDraft, area_id: int) -> Refused | None:
        live = {a.id for a in await areas.active(ctx.services)}
        chosen = toggle(draft.areas, area_id, live)
        if chosen is None:
            return Refused("streets.problem.gone")
        draft.areas = chosen
        await self.save(ctx, AREAS_STEP, draft)
        await ctx.edit_or_reply(*await self._areas_view(ctx, draft, holding=area_id))
        return None

    async def _turn(self, ctx: Ctx, draft: StreetDraft, number: int) -> Refused | None:
        """Another page of communities, in the same message (what is ticked stays)."""
        draft.page = number
        await self.save(ctx, AREAS_STEP, draft)
        await ctx.edit_or_reply(*await self._areas_view(ctx, draft, number))
        return None

    async def _save(self, ctx: Ctx, draft: StreetDraft) -> Refused | None:
        made = await use.create(ctx.services, ctx.user_id, draft.name, list(draft.areas))
        if made in (Refusal.NO_AREAS, Refusal.EMPTIES_OTHER):  # choose again on this step
            return Refused(f"streets.problem.{made.value}")
        await ctx.drop_keyboard()  # before the answer, as before
        await self.end(ctx)
        if isinstance(made, Refusal):
            await ctx.reply(ctx.t(f"streets.problem.{made.value}", max=AREA_NAME_MAX,
                                  name=draft.name))
            return None
        await ctx.reply(ctx.t("streets.saved", street=made.name))
        return None


@dataclass
class RenameDraft:
    """The street being renamed."""

    street: int = 0
    old: str = ""


class StreetRenameFlow(StepFlow[RenameDraft]):
    """A coordinator types a street's new name (the checks of a new street's name)."""

    role = Role.COORDINATOR

    name = RENAME_FLOW
    callbacks = SN
    data_type = RenameDraft
    stale_key = "streets.stale"

    def __init__(self) -> None:
        self.steps = Steps({NAME_STEP: Step(self._ask_name, self._typed_name)})

    async def start(self, ctx: Ctx) -> None:
        """Renaming begins from a street's buttons in /areas."""
        await ctx.reply(ctx.t("streets.rename_from_areas"))

    async def begin(self, ctx: Ctx, street: Street) -> None:
        """Ask for the new name of this street."""
        if await self.busy(ctx, this_too=True):
            return
        await self.goto(ctx, NAME_STEP, RenameDraft(street.id, street.name))

    async def _ask_name(self, ctx: Ctx, draft: RenameDraft) -> None:
        await ctx.reply(ctx.t("streets.ask_rename", street=draft.old, max=AREA_NAME_MAX))

    async def _typed_name(self, ctx: Ctx, draft: RenameDraft, message: Message) -> bool:
        """The typed name; the use case checks the role again (it may have changed)."""
        done = await use.rename(ctx.services, ctx.user_id, draft.street, message.text or "")
        if done is Refusal.NOT_ALLOWED or done is Refusal.GONE:
            await self.end(ctx)
            await ctx.reply(ctx.t("error.needs_role.coordinator") if done is Refusal.NOT_ALLOWED
                            else ctx.t("streets.problem.gone"))
        elif isinstance(done, Refusal):
            await ctx.reply(ctx.t(f"streets.problem.{done.value}", max=AREA_NAME_MAX,
                                  name=use.clean_name(message.text or "") or ""))
        else:
            await self.end(ctx)
            await ctx.reply(ctx.t("streets.renamed", old=draft.old, street=done.name))
        return True


class StreetsFeature:
    """Registers the streets view's buttons, the new-street flow and the rename flow."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the flow and the button handler (opened from /areas)."""
        flow, rename = StreetFlow(), StreetRenameFlow()
        view = StreetsView(flow, rename)
        flow_registry.add(flow)
        flow_registry.add(rename)
        app.add_handler(CallbackQueryHandler(handler(view.on_button),
                                             pattern=f"^{SG.name}:"))
