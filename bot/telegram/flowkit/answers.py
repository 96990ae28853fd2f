"""Steps that take a typed answer: a day (or today / yesterday), bounded text, a whole number,
one of the step's buttons typed.

Each builds a `Step` for a flow's table. Text that is no answer (a sticker, garbage, a number
out of range) returns False, so the flow says what the step expects (`StepFlow.expect`); an
answer that is understood but refused (a day in the future, a note too long) is answered with
the flow's own problem text and the step waits for another answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from typing import TypeVar

from telegram import Message

from bot.callbacks import Button, Choice, Prefix
from bot.domain.choices import pick
from bot.domain.households import check_contact_day, clean, parse_count
from bot.domain.typed_days import NoSuchDay, read_day
from bot.services import texts
from bot.telegram.context import Ctx
from bot.telegram.flowkit.steps import Ask, On, Refused, Step, on
from bot.telegram.household_ui import buttons, today

D = TypeVar("D")
T = TypeVar("T")
C = TypeVar("C")

# What a step does with an answer it accepts: store it and move on (usually `goto`).
Take = Callable[[Ctx, D, T], Awaitable[None]]

DAYS_BACK = ("0", "1")  # the day buttons: today, yesterday


def question(ask: Ask[D] | str) -> Ask[D]:
    """`ask` itself, or for a catalog key the question that says it (no buttons)."""
    if not isinstance(ask, str):
        return ask
    key = ask

    async def say(ctx: Ctx, data: D) -> None:
        await ctx.reply(ctx.t(key))

    return say


# -- a day --------------------------------------------------------------------------------


def day_button(prefix: Prefix) -> Button[str]:
    """Declare `<prefix>:d:0|1`, the today and yesterday buttons of a day step."""
    return prefix.button("d", Choice(DAYS_BACK))


def day_step(keys: str, button: Button[str], take: Take[D, date],
             about: Callable[[Ctx, D], str] | None = None) -> Step[D]:
    """The day something happened: today or yesterday as buttons, or typed (2026-03-05,
    2026/3/5, 2026年3月5日, 3-5, 3月5日, and 号 wherever 日 is; 昨天, 前天, 15号, yesterday,
    Nov 15, 15/11: `bot.domain.typed_days`). A day in the future or
    more than a year back is refused with `<keys>.problem.future|too_old`, a day its month
    lacks (2月30号) with `flowkit.no_such_day`; asked with
    `<keys>.ask_day` and the labels `<keys>.button.today|yesterday`, under `about` (what
    the answers so far are about: the household and kind of a log) when it says anything."""

    async def ask(ctx: Ctx, data: D) -> None:
        head = about(ctx, data) if about is not None else ""
        text = ctx.t(f"{keys}.ask_day")
        await ctx.reply(f"{head}\n{text}" if head else text, buttons([[
            (ctx.t(f"{keys}.button.today"), button.data(DAYS_BACK[0])),
            (ctx.t(f"{keys}.button.yesterday"), button.data(DAYS_BACK[1]))]]))

    async def checked(ctx: Ctx, data: D, day: date) -> None:
        problem = check_contact_day(day, today(ctx))
        if problem is not None:
            await ctx.reply(ctx.t(f"{keys}.problem.{problem}"))
            return
        await take(ctx, data, day)

    async def typed(ctx: Ctx, data: D, message: Message) -> bool:
        text = clean(message.text)
        day = read_day(text, today(ctx)) if text else None
        if day is None:
            return False
        if isinstance(day, NoSuchDay):
            await ctx.reply(ctx.t("flowkit.no_such_day", year=day.year, day=day.day,
                                  month=texts.month_name(ctx.services, ctx.lang, day.month),
                                  days=day.days))
            return True
        await checked(ctx, data, day)
        return True

    async def pressed(ctx: Ctx, data: D, back: str) -> Refused | None:
        await checked(ctx, data, today(ctx) - timedelta(days=int(back)))
        return None

    return Step(ask, typed, (on(button, pressed),))


# -- bounded text -------------------------------------------------------------------------

# `media` of a text step: why a voice note or photo cannot be kept, and what to do (one text
# for every flow; the second for a step with a "Skip" button).
TEXT_ONLY = "flowkit.text_only"
TEXT_ONLY_OR_SKIP = "flowkit.text_only_skip"


def text_step(ask: Ask[D] | str, take: Take[D, str], *, maximum: int,
              too_long: str | None = None, tidy: bool = False, media: str | None = None,
              options: tuple[On[D], ...] = ()) -> Step[D]:
    """Free text of at most `maximum` characters, outer spaces removed (`tidy`: every run of
    spaces made one, as for a title). Text too long is answered with `too_long` (its `{max}`
    filled in), or without it is no answer; `options` are the step's buttons (a skip).
    With `media` (a catalog key), a photo's caption is taken as the text, and a voice note,
    a photo without caption or another file is answered with that key (nothing is kept)."""

    async def typed(ctx: Ctx, data: D, message: Message) -> bool:
        text = clean(message.text or (message.caption if media else None))
        if not text and media is not None and _is_media(message):
            await ctx.reply(ctx.t(media))
            return True
        if tidy:
            text = " ".join(text.split())
        if not text:
            return False
        if len(text) > maximum:
            if too_long is None:
                return False
            await ctx.reply(ctx.t(too_long, max=maximum))
            return True
        await take(ctx, data, text)
        return True

    return Step(question(ask), typed, options)


def _is_media(message: Message) -> bool:
    """Whether the message is a voice note, a recording, a picture, a video or a file."""
    return bool(message.voice or message.audio or message.photo or message.video
                or message.video_note or message.document or message.sticker)


# -- a whole number -----------------------------------------------------------------------


def number_step(ask: Ask[D] | str, take: Take[D, int], *, maximum: int, minimum: int = 1,
                read: Callable[[str], int | None] | None = None,
                options: tuple[On[D], ...] = ()) -> Step[D]:
    """A whole number from `minimum` to `maximum` (full-width digits and a trailing 人 or 口
    taken), or as `read` reads it; anything else is no answer. `options` are the step's
    buttons (numbers to tap, a skip)."""

    def count(text: str) -> int | None:
        return parse_count(text, maximum, minimum=minimum)

    parse = read or count

    async def typed(ctx: Ctx, data: D, message: Message) -> bool:
        text = clean(message.text)
        number = parse(text) if text else None
        if number is None:
            return False
        await take(ctx, data, number)
        return True

    return Step(question(ask), typed, options)


# -- one of the buttons, typed ------------------------------------------------------------


async def typed_choice(ctx: Ctx, data: D, message: Message, labels: Sequence[tuple[C, str]],
                       take: Callable[[Ctx, D, C], Awaitable[object]], ask: Ask[D], *,
                       numbered: bool = False) -> bool:
    """A typed answer to a question of buttons (`labels`, as shown): taken by `take` when it
    names exactly one (bot/domain/choices.py). Text that is part of labels but names none
    alone ("着急" beside "不着急", "urgent" beside "Not urgent") is never guessed: the
    person is told and `ask`ed again, with the buttons. Anything else is no answer."""
    picked = pick(message.text, labels, numbered=numbered)
    if picked.choice is not None:
        await take(ctx, data, picked.choice)
        return True
    if not picked.unclear:
        return False
    await ctx.reply(ctx.t("flowkit.unclear"))
    await ask(ctx, data)
    return True
