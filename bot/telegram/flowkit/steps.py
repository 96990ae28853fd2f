"""A flow as a table of steps: each step asks its question and takes typed text or buttons.

`StepFlow` implements the `Flow` protocol (`bot/telegram/flows.py`) once for every flow:
it loads the typed data, finds the step, hands the answer to the step's handler, and
answers a button that belongs to no current question with the flow's "this question is
closed" text, removing that old keyboard.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, TypeVarTuple, Unpack

from telegram import Message

from bot.callbacks import SEPARATOR, Button, Prefix
from bot.domain.people import Role
from bot.telegram import flows as flow_runner
from bot.telegram.context import Ctx
from bot.telegram.flowkit import data as flowdata
from storage import flows
from storage.flows import FlowState

D = TypeVar("D")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Refused:
    """What a button handler returns when the press changes nothing (a retired choice, a
    household no longer yours): the presser sees `key` (None: the flow's stale text)."""

    key: str | None = None
    values: tuple[tuple[str, int | str], ...] = ()  # placeholders of `key`, as pairs

    @classmethod
    def saying(cls, key: str, **values: int | str) -> Refused:
        """Refused with a text that has placeholders (e.g. a limit)."""
        return cls(key, tuple(values.items()))


STALE = Refused()

Ask = Callable[[Ctx, D], Awaitable[None]]
# A typed or sent answer; False when it is no answer to this step (the flow says what fits).
OnText = Callable[[Ctx, D, Message], Awaitable[bool]]


@dataclass(frozen=True)
class On(Generic[D]):
    """A button bound to the handler that takes it at a step."""

    button: Button[*tuple[Any, ...]]
    run: Callable[..., Awaitable[Refused | None]]
    keep: bool  # the keyboard stays (a multi-select that edits itself)

    async def take(self, ctx: Ctx, data: D, raw: str) -> Refused | bool | None:
        """Run the handler if `raw` is this button: its outcome, or False when not this one."""
        values = self.button.parse(raw)
        if values is None:
            return False
        return await self.run(ctx, data, *values)


def on(button: Button[*Ts],
       run: Callable[[Ctx, D, Unpack[Ts]], Awaitable[Refused | None]],
       *, keep: bool = False) -> On[D]:
    """Bind `button` to `run(ctx, data, *parts)`; the types of the parts are checked."""
    return On(button, run, keep)


@dataclass(frozen=True)
class Step(Generic[D]):
    """One question: how it is asked, and the answers it takes."""

    ask: Ask[D]
    on_text: OnText[D] | None = None
    buttons: tuple[On[D], ...] = ()


class Steps(Generic[D]):
    """The steps of one flow by name; the first is where a flow starts or restarts."""

    def __init__(self, table: Mapping[str, Step[D]]) -> None:
        if not table:
            raise ValueError("a flow needs at least one step")
        self.table = dict(table)
        self.first = next(iter(self.table))

    def get(self, name: str) -> Step[D] | None:
        """The step, or None for a name the flow no longer has (a draft from before a
        deploy)."""
        return self.table.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.table


class StepFlow(Generic[D]):
    """The dispatch every flow shares; a flow sets its name, prefix, data type and steps."""

    name: str
    callbacks: Prefix  # the prefix of the flow's buttons, as declared with CODEC
    data_type: type[D]
    steps: Steps[D]
    stale_key = "flowkit.stale"  # "this question is closed"; a flow may say it its own way
    # The least role the flow is for, asked again at every message, button and re-ask (see
    # CommonHandlers): a worker taken off duty or a coordinator removed mid-flow goes no
    # further. A resident's flows (a report, joining, a reply to a worker) are anyone's.
    role = Role.RESIDENT
    # A button that moves on asks the next question in the pressed message, under the answer
    # chosen (rather than a new message below a keyboard taken away): the same to read, one
    # Bot API call fewer per press. A flow whose questions carry reply keyboards gets a new
    # message for those as before.
    in_place = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "data_type" in cls.__dict__:
            flowdata.check(cls.data_type)

    @property
    def prefix(self) -> str:
        """The callback prefix of the flow's buttons (the `Flow` protocol)."""
        return self.callbacks.name

    # -- state ------------------------------------------------------------------------------

    def load(self, state: FlowState) -> D:
        """The flow's typed data from its stored state."""
        return flowdata.load(self.data_type, state.data)

    async def save(self, ctx: Ctx, step: str, data: D) -> FlowState:
        """Save the flow at `step` (replay-safe: marked with this update); never over another
        flow half done (`AnotherFlowOpen`: every start asks `busy` first)."""
        if step not in self.steps:
            raise ValueError(f"flow {self.name!r} has no step {step!r}")
        return await ctx.save_flow(self.name, step, flowdata.dump(data))

    async def busy(self, ctx: Ctx, *, this_too: bool = False) -> bool:
        """Whether another flow is half done (`this_too`: or this one, which a start with
        other data would replace): then this start must return at once. The person is told
        which task is open and how to carry on or leave it, and its question is asked again
        (bot/telegram/flows.py: busy). A flow that resumes itself asks without `this_too`."""
        return await flow_runner.busy(ctx, None if this_too else self.name)

    async def goto(self, ctx: Ctx, step: str, data: D) -> None:
        """Save the answer so far and ask the question of `step`."""
        await self.save(ctx, step, data)
        await self._ask_at(ctx, step, data)

    async def end(self, ctx: Ctx) -> None:
        """The flow is over: forget its state (only this flow's: one a person has open
        besides, e.g. a report draft beside Telegram's reply to a worker, stays)."""
        await flows.clear_named(ctx.db, ctx.user_id, self.name)

    async def current(self, ctx: Ctx) -> FlowState | None:
        """The person's state in this flow, if this flow is the one in progress."""
        state = await flows.get(ctx.db, ctx.user_id)
        return state if state is not None and state.name == self.name else None

    # -- the Flow protocol -------------------------------------------------------------------

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the current step (a step since removed starts over)."""
        data = self.load(state)
        if state.step not in self.steps:
            await self.goto(ctx, self.steps.first, data)
            return
        await self._ask_at(ctx, state.step, data)

    async def _ask_at(self, ctx: Ctx, step: str, data: D) -> None:
        found = self.steps.get(step)
        assert found is not None
        await found.ask(ctx, data)

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Hand a message to the current step; what it cannot take is answered with
        `expect`."""
        step = self.steps.get(state.step)
        if step is None:
            await self.ask(ctx, state)
            return
        message = ctx.message
        if message is None:
            return
        if step.on_text is None or not await step.on_text(ctx, self.load(state), message):
            await self.expect(ctx, state.step)

    async def expect(self, ctx: Ctx, step: str) -> None:
        """Say what the step expects (`<flow>.expect.<step>` in the catalog)."""
        await ctx.reply(ctx.t(f"{self.name}.expect.{step}"))

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Hand a button to the current step; a button of no current question is stale."""
        raw = SEPARATOR.join([self.prefix, *parts])
        step = self.steps.get(state.step)
        data = self.load(state)
        for bound in step.buttons if step is not None else ():
            ctx.in_place = self.in_place and not bound.keep
            try:
                outcome = await bound.take(ctx, data, raw)
            finally:
                ctx.in_place = False
            if outcome is False:
                continue
            if isinstance(outcome, Refused):
                await ctx.answer(ctx.t(outcome.key or self.stale_key, **dict(outcome.values)),
                                 alert=True)
                return
            await ctx.answer()
            if not bound.keep and not ctx.replaced:
                await ctx.drop_keyboard()
            return
        await self.stale(ctx)

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """A button pressed after the flow ended (a double tap, an old message)."""
        await self.stale(ctx)

    async def stale(self, ctx: Ctx) -> None:
        """The one stale-button behaviour: say the question is closed, remove its keyboard."""
        await ctx.drop_keyboard()
        await ctx.answer(ctx.t(self.stale_key), alert=True)
