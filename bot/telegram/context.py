"""What every handler gets: the services, who is acting, in which language, and how to answer."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.delivery.sender import Outcome, Result, Sender, Sent
from bot.domain.access import Action
from bot.domain.lengths import shorten, telegram_length
from bot.domain.people import Person, Role
from bot.services import access, people
from bot.services.context import Services
from storage import flows
from storage.db import Database
from storage.flows import FlowState

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
# A question longer than this as Telegram counts it (a summary to confirm) gets a message of
# its own, so the answer chosen above it never pushes it past Telegram's 4,096.
IN_PLACE_MAX = 3000


class AnotherFlowOpen(RuntimeError):
    """A flow was about to be saved over another one half done: a start that did not ask
    `StepFlow.busy` first. Nothing is saved; the error handler tells the person their
    answers are kept, and their next message gets the open question again."""


SERVICES_KEY = "zhongfu.services"
PACER_KEY = "zhongfu.pacer"  # the process's one pacer (bot/delivery/pacing.py)


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The services stored on the application."""
    found = context.application.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


@dataclass
class Ctx:
    """One update as seen by a handler: who, in which role and language, and the tools."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    services: Services
    person: Person
    role: Role
    lang: str
    now: datetime
    # Armed by a flow that asks its next question in the pressed message (flowkit's
    # `in_place`): the next reply that fits there edits that message instead of sending one
    # (one Bot API call per press fewer; bench/README.md). `replaced` says it happened.
    in_place: bool = field(default=False, init=False)
    replaced: bool = field(default=False, init=False)

    @property
    def user_id(self) -> int:
        """The acting person's Telegram id."""
        return self.person.telegram_id

    @property
    def chat_id(self) -> int:
        """Where to answer: the chat of the update (private chat for callbacks in groups)."""
        chat = self.update.effective_chat
        if chat is None or chat.type != "private":
            return self.user_id
        return chat.id

    @property
    def db(self) -> Database:
        """The database."""
        return self.services.db

    @property
    def query(self) -> CallbackQuery | None:
        """The button press being handled, if any."""
        return self.update.callback_query

    @property
    def message(self) -> Message | None:
        """The message being handled, if any."""
        return self.update.effective_message if self.update.callback_query is None else None

    def t(self, key: str, /, **values: object) -> str:
        """A text from the catalog in the acting person's language."""
        return self.services.catalog.t(self.lang, key, **values)

    async def may(self, action: Action, target: access.Target = None) -> bool:
        """Whether this person, in their role as of now, may do `action` (to `target`)."""
        return await access.allowed(self.services, self.person, action, target)

    def label(self, key: str, /, size: int = 60, **values: object) -> str:
        """A button label: plain text (names unescaped), cut to `size` with an ellipsis."""
        text = self.services.catalog.plain(self.lang, key, **values)
        return shorten(text, size)

    def ticked(self, label: str, chosen: bool) -> str:
        """A button of a list to tick: its label, marked as chosen when it is (the label kept
        as it is: button labels are not HTML)."""
        if not chosen:
            return label
        return self.services.catalog.plain(self.lang, "flowkit.ticked", choice=label)

    def join(self, parts: list[str], key: str = "list.separator") -> str:
        """Plain parts joined with the acting person's list separator (、 in Chinese)."""
        return self.t(key).join(parts)

    async def save_flow(self, name: str, step: str, data: dict[str, Any]) -> FlowState:
        """Save the acting person's flow at `step`, marked with this update (replay-safe);
        never over another flow half done (`AnotherFlowOpen`)."""
        saved = await flows.put_unless_other(self.db, self.user_id, name, step, data, self.now,
                                             self.update.update_id)
        if saved is None:
            raise AnotherFlowOpen(f"flow {name!r} not saved: another flow is half done")
        return saved

    @property
    def patience(self) -> float:
        """Seconds a reply is tried again after transient failures (ZHONGFU_REPLY_PATIENCE)."""
        return float(self.services.settings.reply_patience)

    @property
    def sender(self) -> Sender:
        """The one sending path, for replies: at once, transient failures tried again."""
        pacer = self.context.application.bot_data.get(PACER_KEY)
        return Sender(self.context.bot, self.db, self.services.clock, pacer, reply=True)

    async def reply(self, text: str, markup: Markup | None = None) -> Sent | None:
        """Send a message to the acting person; None if they blocked the bot.

        Timeouts, network errors, 5xx and flood waits are tried again for up to a minute (the
        reply patience; a question delivered twice is harmless, a lost one is not); what
        still fails is raised to the error handler.
        """
        if self.in_place:
            self.in_place = False
            edited = await self._in_pressed(text, markup)
            if edited is not None:
                return edited
        return _sent(await self.sender.text(self.chat_id, text, markup,
                                            patience=self.patience))

    async def _in_pressed(self, text: str, markup: Markup | None) -> Sent | None:
        """Put the next question in the pressed message, under the answer chosen there; None
        when it does not fit there (a reply keyboard, a long text, an edit refused)."""
        query = self.query
        pressed = query.message if query is not None else None
        # Only a question with buttons: a receipt or a notice gets its own message, and the
        # question it answered stays readable above it.
        if not isinstance(pressed, Message) or telegram_length(text) > IN_PLACE_MAX \
                or not isinstance(markup, InlineKeyboardMarkup):
            return None
        chosen = _label_of(pressed, query.data if query is not None else None)
        if chosen is not None:
            text = self.t("flowkit.chosen", choice=chosen) + "\n\n" + text
        result = await self.sender.edit(self.chat_id, pressed.message_id, text, markup,
                                        patience=self.patience)
        if not result.ok:
            log.debug("question not put in the pressed message: %s", result.error)
            return None
        self.replaced = True
        return result.message

    async def send_location(self, latitude: float, longitude: float) -> Sent | None:
        """Send the acting person a map pin; None (logged) if it could not be sent."""
        return self._message("location", await self.sender.location(
            self.chat_id, latitude, longitude, patience=self.patience))

    async def send_photo(self, photo: str | bytes, caption: str | None = None) -> Sent | None:
        """Send the acting person a picture (a file id or PNG bytes); None (logged) if it
        could not be sent."""
        return self._message("photo", await self.sender.photo(
            self.chat_id, photo, caption, patience=self.patience))

    async def send_document(self, data: bytes, filename: str, caption: str | None = None) -> bool:
        """Send the acting person a file; False (logged) if it could not be sent."""
        return self._delivered("document", await self.sender.document(
            self.chat_id, data, filename, caption, patience=self.patience))

    async def reply_in_chat(self, text: str) -> Sent | None:
        """Answer in the chat the update came from, a group too (reply() answers privately);
        None if the bot may not write there, and what still fails is raised, as reply()."""
        chat = self.update.effective_chat
        return _sent(await self.sender.text(chat.id if chat is not None else self.user_id, text,
                                            patience=self.patience))

    def _message(self, what: str, result: Result) -> Sent | None:
        """The message sent; None if it was not (logged, as `_delivered`)."""
        return result.message if self._delivered(what, result) else None

    def _delivered(self, what: str, result: Result) -> bool:
        """Whether a send went through; what did not is logged (transient failures were
        already tried again for the reply patience)."""
        if not result.ok:
            log.warning("%s not sent to %s: %s", what, self.chat_id,
                        result.error or result.outcome.value)
        return result.ok

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the button press (stops the spinner); a failed answer is not an error."""
        if self.query is None:
            return
        try:
            await self.sender.answer(self.query.id, text, alert=alert)
        except BadRequest as exc:
            log.debug("callback answer refused: %s", exc)  # a stale query
        except TelegramError as exc:
            # A timeout, a flood wait or Telegram's own failure: the press is answered only
            # to stop the spinner; the work it asked for (saved already) must go on.
            log.info("callback answer failed: %s", exc)

    async def edit_or_reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace the pressed message's text (keeps the chat tidy); else send a new one."""
        query = self.query
        if query is not None and query.message is not None:
            result = await self.sender.edit(self.chat_id, query.message.message_id, text, markup,
                                            patience=self.patience)
            if result.ok or result.outcome is Outcome.FORBIDDEN:
                return
            log.debug("edit refused, sending instead: %s", result.error)
        await self.reply(text, markup)

    async def drop_keyboard(self) -> None:
        """Remove the inline buttons from the pressed message so it cannot be pressed again."""
        query = self.query
        if query is None or query.message is None:
            return
        result = await self.sender.drop_buttons(self.chat_id, query.message.message_id,
                                                patience=self.patience)
        if not result.ok:
            log.debug("could not remove keyboard: %s", result.error)


def _sent(result: Result) -> Sent | None:
    """The message sent; None if the person blocked the bot; else the failure, raised as
    Telegram's error (a flood wait still asked for after the reply patience: its RetryAfter),
    which the error handler takes as Telegram failing right now (app.py, _on_error)."""
    if result.outcome is Outcome.SENT or result.outcome is Outcome.FORBIDDEN:
        return result.message
    raise _failure(result)


def _failure(result: Result) -> TelegramError:
    """The error a failed send raises: Telegram's own, or one made from the outcome."""
    if result.exception is not None:
        return result.exception
    # The sender gives each failure Telegram's error; one without is still a failed send for
    # the error handler, never a crash of its own.
    if result.outcome is Outcome.HELD:
        with warnings.catch_warnings():  # PTB 22 warns about the future timedelta type
            warnings.simplefilter("ignore")
            return RetryAfter(timedelta(seconds=max(1, round(result.retry_after))))
    return TelegramError(result.error or result.outcome.value)


def _label_of(message: Message, data: str | None) -> str | None:
    """The label of the button carrying `data` in `message`, if it is there."""
    keyboard = message.reply_markup.inline_keyboard if message.reply_markup else ()
    for row in keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


Handler = Callable[[Ctx], Awaitable[None]]


async def build_ctx(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Ctx | None:
    """Record the acting person and work out their role and language."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    services = services_of(context)
    now = services.clock()
    name = user.full_name or user.username or str(user.id)
    chat = update.effective_chat
    private = chat is None or chat.type == "private"
    person = await people.seen(services, user.id, name, user.username, now, user.language_code,
                               private=private)
    lang = services.lang_of(person)
    return Ctx(update, context, services, person, services.role_of(person), lang, now)


PtbCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def handler(fn: Handler) -> PtbCallback:
    """Adapt a Ctx handler to python-telegram-bot's callback signature."""

    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        ctx = await build_ctx(update, context)
        if ctx is not None:
            await fn(ctx)

    callback.__doc__ = fn.__doc__
    callback.__name__ = fn.__name__
    return callback
