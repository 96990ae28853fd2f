"""Multi-step flows kept in the database, so a restart or kill -9 loses no answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

from bot.domain.access import permits
from bot.domain.people import Role
from bot.telegram.context import Ctx
from storage import flows
from storage.flows import FlowState

FLOWS_KEY = "zhongfu.flows"  # the application's FlowRegistry, in bot_data


class Flow(Protocol):
    """A conversation such as reporting: it reacts to messages and to its own buttons."""

    name: str
    role: Role  # the least role the flow is for (checked at every step)

    @property
    def prefix(self) -> str:
        """The callback-data prefix of the flow's buttons, e.g. "rp"."""

    async def start(self, ctx: Ctx) -> None:
        """Begin the flow (or resume the one in progress)."""

    async def on_message(self, ctx: Ctx, state: FlowState) -> None:
        """Handle a message sent while the flow waits at `state.step`."""

    async def on_button(self, ctx: Ctx, state: FlowState, parts: list[str]) -> None:
        """Handle one of the flow's buttons (callback data split on ':', prefix removed)."""

    async def ask(self, ctx: Ctx, state: FlowState) -> None:
        """Ask the question of the current step again."""

    async def on_stale(self, ctx: Ctx, parts: list[str]) -> None:
        """Answer one of the flow's buttons pressed when the flow is no longer running."""


class FlowRegistry:
    """The flows the bot knows, by name and by callback prefix."""

    def __init__(self) -> None:
        self.by_name: dict[str, Flow] = {}
        self.by_prefix: dict[str, Flow] = {}

    def add(self, flow: Flow) -> None:
        """Register a flow; a name or button prefix used twice is refused at start-up."""
        if flow.name in self.by_name:
            raise ValueError(f"flow {flow.name!r} registered twice")
        if flow.prefix in self.by_prefix:
            raise ValueError(f"button prefix {flow.prefix!r} of flow {flow.name!r} is already "
                             f"the flow {self.by_prefix[flow.prefix].name!r}'s")
        self.by_name[flow.name] = flow
        self.by_prefix[flow.prefix] = flow


async def current(ctx: Ctx) -> FlowState | None:
    """The person's flow in progress; an expired one is dropped and the person told."""
    state = await flows.get(ctx.db, ctx.user_id)
    if state is None:
        return None
    ttl = timedelta(hours=ctx.services.settings.draft_ttl_hours)
    if ctx.now - state.updated_at > ttl:
        await flows.clear(ctx.db, ctx.user_id)
        hours = ctx.services.settings.draft_ttl_hours
        await ctx.reply(ctx.t(_expired_key(ctx, state.name), hours=hours))
        return None
    return state


def _expired_key(ctx: Ctx, name: str) -> str:
    key = f"flow.{name}.expired"
    return key if ctx.services.catalog.has(key) else "flow.expired"


async def busy(ctx: Ctx, name: str | None = None, said: str | None = None) -> bool:
    """Whether the person is half way through a flow other than `name` (any flow, for None).

    Then nothing is started and nothing they typed is thrown away: they are told which task
    is open (`flow.task.<flow>`; or `said`, a feature's own catalog key) and how to carry on
    with it or leave it (/cancel), and its question is asked again, so what they type next
    answers the question they can see. An expired flow is dropped (and said) first; one
    their role no longer has is ended."""
    state = await current(ctx)
    if state is None or state.name == name:
        return False
    flow = _registered(ctx, state)
    if flow is not None and not await _still_theirs(ctx, flow):
        return False
    await ctx.reply(ctx.t(said) if said is not None
                    else ctx.t("flow.busy", task=ctx.t(_task_key(ctx, state.name))))
    if flow is not None:
        await _ask_again(ctx, flow, state)
    return True


async def resume(ctx: Ctx, key: str) -> bool:
    """After something done beside an open flow that leaves it as it was (a language chosen),
    show where the person was: say `key` with the open task named ({task}) and ask its
    question again (in the language now theirs), so what they send next answers it. False
    when no flow is open (or their role no longer has it: ended and said)."""
    state = await current(ctx)
    flow = None if state is None else _registered(ctx, state)
    if state is None or flow is None or not await _still_theirs(ctx, flow):
        return False
    await ctx.reply(ctx.t(key, task=ctx.t(_task_key(ctx, state.name))))
    await _ask_again(ctx, flow, state)
    return True


def _registered(ctx: Ctx, state: FlowState) -> Flow | None:
    registry: FlowRegistry | None = ctx.context.application.bot_data.get(FLOWS_KEY)
    return registry.by_name.get(state.name) if registry is not None else None


async def _still_theirs(ctx: Ctx, flow: Flow) -> bool:
    """Whether the person's role has the flow; if not, it is ended and they are told."""
    if permits(ctx.role, flow.role):
        return True
    await flows.clear(ctx.db, ctx.user_id)  # answers for a role they no longer have
    await ctx.reply(ctx.t("flow.role_ended"))
    return False


async def _ask_again(ctx: Ctx, flow: Flow, state: FlowState) -> None:
    if state.unasked:
        await flows.set_unasked(ctx.db, ctx.user_id, False)
    await flow.ask(ctx, state)


def _task_key(ctx: Ctx, name: str) -> str:
    key = f"flow.task.{name}"
    return key if ctx.services.catalog.has(key) else "flow.task.other"


async def start_unless_busy(ctx: Ctx, start: Callable[[], Awaitable[None]],
                            busy_key: str) -> None:
    """Start a flow from a button, unless one is in progress (this one too): then say so
    (`busy_key`), ask its question again and leave it as it is, rather than throw its
    answers away."""
    if await busy(ctx, said=busy_key):
        return
    await start()


async def cancel(ctx: Ctx) -> str | None:
    """End the person's flow; return its name, or None when there was nothing to cancel."""
    state = await flows.get(ctx.db, ctx.user_id)
    if state is None:
        return None
    await flows.clear(ctx.db, ctx.user_id)
    return state.name
