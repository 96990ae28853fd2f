"""/workers → 🏷 my title: a coordinator picks how workers see them (民政专干, 社工督导, the
generic 管理员, or words of their own).

tt:open shows the choices; tt:p:<preset|default> takes one; tt:own starts the flow that takes
typed words (tf: typed only, no buttons of its own). Every press and answer checks the role.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.access import Action
from bot.domain.people import Role
from bot.domain.titles import TITLE_MAX, Preset, Problem, Title
from bot.services import titles as use
from bot.services.titles import Refusal
from bot.telegram.commands import CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flowkit import CODEC, Choice, Step, StepFlow, Steps
from bot.telegram.flows import FlowRegistry, start_unless_busy
from bot.telegram.keyboards import buttons

NAME = "title"
TYPED = "typed"
DEFAULT = "default"

TT = CODEC.prefix("tt", "/workers: my title")
OPEN = TT.button("open")
PICK = TT.button("p", Choice([*(p.value for p in Preset), DEFAULT]))
OWN = TT.button("own")
TF = CODEC.prefix("tf", "typing one's own title")  # typed words only: no buttons of its own


def open_button(ctx: Ctx) -> tuple[str, str]:
    """The /workers button that opens one's title."""
    return ctx.t("titles.button.open"), OPEN.data()


def words(ctx: Ctx, title: Title | None) -> str:
    """A title as the acting person reads it (plain: the catalog escapes values)."""
    return use.words(ctx.services, ctx.lang, title)


async def coordinator_lines(ctx: Ctx) -> list[str]:
    """The coordinators who have opened the bot, each with their title, for /workers."""
    found = await use.coordinators(ctx.services)
    if not found:
        return []
    return [ctx.t("titles.workers.title")] + [
        ctx.t("titles.workers.line", name=c.person.display_name, title=words(ctx, c.title))
        for c in found]


class TitleView:
    """The choices of titles, and what a press does."""

    def __init__(self, flow: TitleFlow) -> None:
        self.flow = flow

    async def show(self, ctx: Ctx) -> None:
        """The current title and the buttons to change it."""
        current = await use.of(ctx.services, ctx.user_id)
        chosen = (current.preset.value if current is not None and current.preset
                  else None if current is not None else DEFAULT)

        def label(value: str) -> str:
            return ctx.ticked(ctx.t(f"titles.button.{value}"), value == chosen)

        rows = [[(label(p.value), PICK.data(p.value))] for p in Preset]
        rows += [[(label(DEFAULT), PICK.data(DEFAULT))],
                 [(ctx.t("titles.button.own"), OWN.data())]]
        await ctx.reply(ctx.t("titles.current", title=words(ctx, current)) + "\n"
                        + ctx.t("titles.explain"), buttons(rows))

    async def on_button(self, ctx: Ctx) -> None:
        """tt:open, tt:p:<choice>, tt:own — coordinators only, checked at press time."""
        data = ctx.query.data if ctx.query and ctx.query.data else ""
        if not await ctx.may(Action.TITLE_SET):
            await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
            return
        picked = PICK.parse(data)
        if OPEN.parse(data) is not None:
            await ctx.answer()
            await self.show(ctx)
        elif OWN.parse(data) is not None:
            await ctx.answer()
            await start_unless_busy(ctx, lambda: self.flow.start(ctx), "titles.busy")
        elif picked is not None:
            preset = None if picked[0] == DEFAULT else Preset(picked[0])
            done = await use.choose(ctx.services, ctx.user_id, preset)
            if isinstance(done, Refusal):
                await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
                return
            await ctx.answer()
            await ctx.drop_keyboard()
            await ctx.reply(ctx.t("titles.saved", title=words(ctx, done)))
        else:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)


@dataclass
class TitleDraft:
    """Nothing to keep between answers: the one step takes the typed words."""

    asked: bool = True


class TitleFlow(StepFlow[TitleDraft]):
    """A coordinator types a title of their own."""

    role = Role.COORDINATOR

    name = NAME
    callbacks = TF
    data_type = TitleDraft
    stale_key = "titles.stale"

    def __init__(self) -> None:
        self.steps = Steps({TYPED: Step(self._ask, self._typed)})

    async def start(self, ctx: Ctx) -> None:
        """Ask for the words."""
        if await self.busy(ctx, this_too=True):
            return
        await self.goto(ctx, TYPED, TitleDraft())

    async def _ask(self, ctx: Ctx, draft: TitleDraft) -> None:
        await ctx.reply(ctx.t("titles.ask_own", max=TITLE_MAX))

    async def _typed(self, ctx: Ctx, draft: TitleDraft, message: Message) -> bool:
        """The typed title; the use case checks the role again (it may have changed)."""
        done = await use.type_own(ctx.services, ctx.user_id, message.text or "")
        if isinstance(done, Refusal):
            await self.end(ctx)
            await ctx.reply(ctx.t("error.needs_role.coordinator"))
        elif isinstance(done, Problem):
            await ctx.reply(ctx.t(f"titles.problem.{done.value}", max=TITLE_MAX))
        else:
            await self.end(ctx)
            await ctx.reply(ctx.t("titles.saved", title=words(ctx, done)))
        return True


class TitlesFeature:
    """Registers the title buttons (opened from /workers) and the typed-title flow."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add the flow and the button handler."""
        flow = TitleFlow()
        view = TitleView(flow)
        flow_registry.add(flow)
        app.add_handler(CallbackQueryHandler(handler(view.on_button), pattern=f"^{TT.name}:"))
