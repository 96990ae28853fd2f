"""Handlers everyone uses: /start, /help, /language, /cancel, menu buttons and the fallbacks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove

from bot.callbacks import CODEC, Choice
from bot.config import SUPPORTED_LANGUAGES
from bot.domain.people import Role
from bot.services import people, titles
from bot.telegram import flows as flow_runner
from bot.telegram.commands import CommandTable, allowed
from bot.telegram.context import Ctx
from bot.telegram.flows import Flow, FlowRegistry
from bot.telegram.menus import COMMAND, menu_keyboard, publish_for, publish_person
from storage import flows as flow_store
from storage.flows import FlowState

LANGUAGE = CODEC.prefix("lang", "/language (bot/telegram/common.py)")
CHOOSE_LANGUAGE = LANGUAGE.button("", Choice(SUPPORTED_LANGUAGES))  # lang:<code>
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


class CommonHandlers:
    """The handlers shared by all roles, bound to the command table and flows."""

    def __init__(self, table: CommandTable, flows: FlowRegistry) -> None:
        self.table = table
        self.flows = flows
        # Handlers a message outside any flow is offered to, in order, before the fallback:
        # each takes it (True) or leaves it (a reporter's answer to a worker, case_actions).
        self.outside_flows: list[Callable[[Ctx], Awaitable[bool]]] = []
        # Handlers offered a message before any flow in progress: gestures whose meaning is
        # plain whatever else is open (Telegram's reply to a worker's relayed words). The
        # open flow's question is asked again after, so the person sees where they were.
        self.before_flows: list[Callable[[Ctx], Awaitable[bool]]] = []

    async def start(self, ctx: Ctx) -> None:
        """Greet the person and show the buttons of their role (or follow a deep link)."""
        args = ctx.context.args or []
        if args:
            for handle in self.table.start_payloads:
                if await handle(ctx, args[0]):
                    return
        title = (titles.words(ctx.services, ctx.lang, await titles.of(ctx.services, ctx.user_id))
                 if ctx.role is Role.COORDINATOR else "")
        await ctx.reply(ctx.t(f"start.greeting.{ctx.role}", name=ctx.person.display_name,
                              title=title), menu_keyboard(ctx, self.table))
        if ctx.role is not Role.RESIDENT:
            # A staff member's first /start opens the chat their command menu needs.
            await publish_for(ctx.context.bot, ctx.services, self.table, ctx.user_id, ctx.role,
                              ctx.lang)
        state = await flow_runner.current(ctx)
        flow = await self._flow_of(ctx, state)
        if state is not None and flow is not None:
            # Show where they were, so the unfinished answer is not a mystery.
            await ctx.reply(ctx.t("start.flow_waiting"))
            await flow.ask(ctx, state)

    async def help(self, ctx: Ctx) -> None:
        """List the commands of the person's role, one line each."""
        lines = [ctx.t(f"help.title.{ctx.role}")]
        lines += [
            ctx.t("help.line", command=f"/{c.name}", description=ctx.t(f"cmd.{c.name}"))
            for c in self.table.for_role(ctx.role)
        ]
        lines.append(ctx.t("help.footer"))
        await ctx.reply("\n".join(lines), menu_keyboard(ctx, self.table))

    async def language(self, ctx: Ctx) -> None:
        """Offer the supported languages as buttons."""
        buttons = [
            InlineKeyboardButton(LANGUAGE_NAMES[lang], callback_data=CHOOSE_LANGUAGE.data(lang))
            for lang in SUPPORTED_LANGUAGES
        ]
        await ctx.reply(ctx.t("language.choose"), InlineKeyboardMarkup([buttons]))

    async def language_chosen(self, ctx: Ctx) -> None:
        """Remember the chosen language and answer in it: with the open task's question asked
        again in it, if a task is open (its answers kept), else with the menu."""
        pressed = CHOOSE_LANGUAGE.parse(ctx.query.data if ctx.query and ctx.query.data else "")
        if pressed is None:
            await self.stale_button(ctx)
            return
        lang = pressed[0]
        await people.set_language(ctx.services, ctx.user_id, lang, ctx.now)
        ctx.lang = lang
        await ctx.answer()
        await ctx.edit_or_reply(ctx.t("language.set"))
        if not await flow_runner.resume(ctx, "language.flow_open"):
            await ctx.reply(ctx.t("language.next"), menu_keyboard(ctx, self.table))
        if ctx.role is not Role.RESIDENT:
            person = await people.get(ctx.services, ctx.user_id)
            if person is not None:
                await publish_person(ctx.context.bot, ctx.services, self.table, person)

    async def cancel(self, ctx: Ctx) -> None:
        """Leave whatever flow the person is in."""
        name = await flow_runner.cancel(ctx)
        if name is None:
            await ctx.reply(ctx.t("cancel.nothing"), menu_keyboard(ctx, self.table))
            return
        key = f"flow.{name}.cancelled"
        text = ctx.t(key) if ctx.services.catalog.has(key) else ctx.t("cancel.done")
        # Two messages: one removes a reply keyboard (location, phone) the flow had shown,
        # the other brings back the menu buttons.
        await ctx.reply(text, ReplyKeyboardRemove())
        await ctx.reply(ctx.t("cancel.next"), menu_keyboard(ctx, self.table))

    async def menu_button(self, ctx: Ctx) -> None:
        """Run the command behind a menu button, if the presser's role allows it."""
        pressed = COMMAND.parse(ctx.query.data if ctx.query and ctx.query.data else "")
        if pressed is None:
            await self.stale_button(ctx)
            return
        command = self.table.get(pressed[0])
        await ctx.answer()
        if command is None:
            # A well-formed button of a command this release no longer has: said in the chat.
            await ctx.reply(ctx.t("error.stale_button"))
            return
        await self.run_command(ctx, command.name)

    async def run_command(self, ctx: Ctx, name: str) -> None:
        """Run a command by name after checking the role."""
        command = self.table.get(name)
        if command is None:
            await self.unknown_command(ctx)
            return
        if not allowed(ctx.role, command.role):
            await ctx.reply(ctx.t(f"error.needs_role.{command.role}"))
            return
        await command.run(ctx)

    async def unknown_command(self, ctx: Ctx) -> None:
        """Answer a command the bot does not know."""
        await ctx.reply(ctx.t("error.unknown_command"))

    async def message(self, ctx: Ctx) -> None:
        """Pass a message to the flow in progress, or point to the menu."""
        for gesture in self.before_flows:
            if await gesture(ctx):
                await self._where_they_were(ctx)
                return
        state = await flow_runner.current(ctx)
        if state is not None:
            flow = await self._flow_of(ctx, state)
            if flow is None and state.name in self.flows.by_name:
                return  # ended: their role no longer has it (said)
            if flow is not None:
                if state.unasked:
                    await self.ask_again(ctx, flow, state)
                    return
                if state.already_handled(ctx.update.update_id):
                    # Replayed after a crash: the answer was taken; make sure the person
                    # has the question they are now at.
                    await flow.ask(ctx, state)
                    return
                await flow.on_message(ctx, state)
                return
        for taken in self.outside_flows:
            if await taken(ctx):
                return
        await ctx.reply(ctx.t("fallback.no_flow"), menu_keyboard(ctx, self.table))

    async def _where_they_were(self, ctx: Ctx) -> None:
        """Ask the question of the flow still in progress, if any (after a gesture)."""
        state = await flow_runner.current(ctx)
        flow = None if state is None else await self._flow_of(ctx, state)
        if state is not None and flow is not None:
            await flow.ask(ctx, state)

    async def membership(self, ctx: Ctx) -> None:
        """The person blocked or unblocked the bot: remember whether we can reach them."""
        change = ctx.update.my_chat_member
        if change is None or change.chat.type != "private":
            return
        reachable = change.new_chat_member.status not in ("kicked", "left")
        await people.set_reachable(ctx.services, ctx.user_id, reachable, ctx.now)

    async def edited(self, ctx: Ctx) -> None:
        """An edited message changes nothing already saved: ask for it again instead."""
        await ctx.reply(ctx.t("fallback.edited"))

    async def flow_button(self, ctx: Ctx) -> None:
        """Pass a flow's button to that flow if the person is still at a step that has it."""
        routed = CODEC.route(ctx.query.data if ctx.query and ctx.query.data else "")
        prefix, parts = routed if routed is not None else (None, [])
        flow = self.flows.by_prefix.get(prefix.name) if prefix is not None else None
        state = await flow_runner.current(ctx)
        if flow is not None and (state is None or state.name != flow.name):
            await flow.on_stale(ctx, parts)
            return
        if flow is None or state is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        if await self._flow_of(ctx, state) is None:
            await ctx.answer()
            return
        if state.unasked:
            await ctx.answer()
            await self.ask_again(ctx, flow, state)
            return
        if state.already_handled(ctx.update.update_id):
            await ctx.answer()
            await flow.ask(ctx, state)
            return
        await flow.on_button(ctx, state, parts)

    async def _flow_of(self, ctx: Ctx, state: FlowState | None) -> Flow | None:
        """The flow of the state, if the person's role (as of now) still has it; one their
        role has lost (taken off duty, no longer a coordinator) is ended and they are told,
        its answers with it (they were for that role's work)."""
        flow = self.flows.by_name.get(state.name) if state is not None else None
        if flow is None or allowed(ctx.role, flow.role):
            return flow
        await flow_store.clear(ctx.db, ctx.user_id)
        await ctx.reply(ctx.t("flow.role_ended"), menu_keyboard(ctx, self.table))
        return None

    async def ask_again(self, ctx: Ctx, flow: Flow, state: FlowState) -> None:
        """The last question never reached the person: show it, and take nothing as its
        answer (what they sent answered a question they could see, not this one)."""
        await flow_store.set_unasked(ctx.db, ctx.user_id, False)
        await ctx.reply(ctx.t("flow.unasked"))
        await flow.ask(ctx, state)

    async def stale_button(self, ctx: Ctx) -> None:
        """Answer a button whose data the bot does not recognise (old or forged)."""
        await ctx.answer(ctx.t("error.stale_button"), alert=True)

    async def group_hint(self, ctx: Ctx) -> None:
        """In a group, point a person who addressed the bot to a private chat."""
        await ctx.reply_in_chat(ctx.t("group.private_only"))
