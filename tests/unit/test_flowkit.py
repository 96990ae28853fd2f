"""The flow toolkit: callback codec, typed flow data, the step dispatch and stale answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram import InlineKeyboardMarkup

from bot.callbacks import CALLBACK_MAX, CODEC
from bot.config import load_settings
from bot.domain.aid import QUANTITY_MAX, parse_quantity
from bot.services.context import Services
from bot.telegram.app import build_application, button_prefixes
from bot.telegram.flowkit import (
    STALE,
    Choice,
    Codec,
    Day,
    Int,
    Maybe,
    Pattern,
    Refused,
    Step,
    StepFlow,
    Steps,
    on,
)
from bot.telegram.flowkit import data as flowdata
from bot.telegram.flowkit.answers import day_button, day_step, number_step, text_step
from bot.telegram.flowkit.own_entry import Found, OwnEntry
from bot.telegram.flows import FLOWS_KEY
from storage import flows
from storage.db import Database
from tests.use_cases import catalog


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


# -- the codec ------------------------------------------------------------------------------


def test_a_prefix_declared_twice_is_refused_naming_both_owners() -> None:
    codec = Codec()
    codec.prefix("rp", "the report flow")
    with pytest.raises(ValueError, match="already the report flow's"):
        codec.prefix("rp", "another flow")


@pytest.mark.parametrize("name", ["", "toolongpfx", "Rp", "r:p", "r1"])
def test_a_malformed_prefix_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        Codec().prefix(name, "x")


def test_an_action_declared_twice_is_refused() -> None:
    prefix = Codec().prefix("lg", "log")
    prefix.button("h", Int())
    with pytest.raises(ValueError, match="twice"):
        prefix.button("h")


def test_data_that_could_exceed_64_bytes_is_refused_when_declared() -> None:
    prefix = Codec().prefix("zz", "x")
    prefix.button("ok", Int(20), Int(20), Int(16))  # 2+1+2+1+20+1+20+1+16 = 64 bytes
    with pytest.raises(ValueError, match="64"):
        prefix.button("no", Int(20), Int(20), Int(17))  # 65


def test_the_width_counts_bytes_not_characters() -> None:
    prefix = Codec().prefix("zz", "x")
    wide = prefix.button("c", Choice(["好" * 19]))  # 57 bytes of UTF-8
    assert wide.width == len(b"zz:c:") + 57 <= CALLBACK_MAX
    with pytest.raises(ValueError, match="64"):
        prefix.button("d", Choice(["好" * 20]))


@pytest.mark.parametrize(("data", "parsed"), [
    ("rp:area:12", (12,)),
    ("rp:area:0", (0,)),
    ("rp:area:", None),
    ("rp:area:-1", None),
    ("rp:area:1.5", None),
    ("rp:area:²", None),  # a digit to str.isdigit, not to us
    ("rp:area:1234567890123", None),  # longer than declared
    ("rp:area:1:2", None),
    ("rp:are:1", None),
    ("xx:area:1", None),
    ("", None),
])
def test_parse_returns_typed_parts_or_none_for_garbage(data: str, parsed: Any) -> None:
    area = Codec().prefix("rp", "x").button("area", Int())
    assert area.parse(data) == parsed


def test_choices_come_back_as_enum_members_and_unknown_ones_as_none() -> None:
    button = Codec().prefix("rp", "x").button("c", Choice(Colour))
    assert button.data(Colour.RED) == "rp:c:red"
    parsed = button.parse("rp:c:green")
    assert parsed == (Colour.GREEN,) and isinstance(parsed[0], Colour)
    assert button.parse("rp:c:blue") is None


@pytest.mark.parametrize(("values", "data"), [
    ((5, None), "lq:5"),
    ((5, "call"), "lq:5:call"),
])
def test_an_optional_trailing_part_is_left_out(values: tuple[int, str | None], data: str) -> None:
    quick = Codec().prefix("lq", "x").button("", Int(), Maybe(Choice(["call", "visit"])))
    assert quick.data(*values) == data
    assert quick.parse(data) == values
    assert quick.parse("lq:5:dance") is None


def test_an_action_less_button_stands_alone() -> None:
    prefix = Codec().prefix("mr", "x")
    history = prefix.button("", Int())
    assert history.data(7) == "mr:7" and history.parse("mr:7") == (7,)
    with pytest.raises(ValueError):
        prefix.button("x")


@pytest.mark.parametrize(("data", "parsed"), [
    ("rf:rq:2:2026-Q4", (2, "2026-Q4")),
    ("rf:rq:2:", None),
    ("rf:rq:2:2026-Q5", None),
    ("rf:rq:2:" + "9" * 50, None),  # forged: never echoed into a button
])
def test_a_pattern_part_takes_only_its_shape(data: str, parsed: Any) -> None:
    quarter = Codec().prefix("rf", "x").button("rq", Int(), Pattern(r"[0-9]{4}-Q[1-4]", 7))
    assert quarter.parse(data) == parsed


def test_days_and_encoding_checks() -> None:
    prefix = Codec().prefix("zz", "x")
    day = prefix.button("d", Day())
    assert day.parse(day.data(date(2026, 12, 31))) == (date(2026, 12, 31),)
    assert day.parse("zz:d:20261301") is None
    plain = prefix.button("n", Int(3))
    with pytest.raises(ValueError):
        plain.data(1234)
    with pytest.raises(ValueError):
        plain.data(1, 2)  # type: ignore[call-arg]


# -- typed flow data ------------------------------------------------------------------------


@dataclass
class Draft:
    colour: Colour | None = None
    count: int = 1
    ratio: float | None = None
    note: str = ""
    day: date | None = None
    tags: list[str] = field(default_factory=list)
    done: bool = False


@pytest.mark.parametrize(("stored", "loaded"), [
    ({}, Draft()),
    ({"colour": "red", "count": 3, "ratio": 2, "note": "hi", "day": "2026-02-28",
      "tags": ["a"], "done": True},
     Draft(Colour.RED, 3, 2.0, "hi", date(2026, 2, 28), ["a"], True)),
    # an older release's draft: extra keys ignored, missing ones unanswered
    ({"colour": "green", "retired_field": 1}, Draft(colour=Colour.GREEN)),
    # damaged values become unanswered, never a crash
    ({"colour": "blue", "count": "3", "ratio": "x", "day": "31/12", "tags": "a",
      "done": 1}, Draft()),
    ({"count": True}, Draft()),  # a bool is no count
    ({"tags": ["a", 2]}, Draft()),
    ({"colour": None, "ratio": None}, Draft()),
])
def test_load_is_lenient_about_old_or_damaged_drafts(stored: dict[str, Any],
                                                      loaded: Draft) -> None:
    assert flowdata.load(Draft, stored) == loaded


def test_dump_and_load_round_trip() -> None:
    draft = Draft(Colour.GREEN, 2, 0.5, "<b>", date(2024, 2, 29), ["x", "y"], True)
    dumped = flowdata.dump(draft)
    assert dumped["colour"] == "green" and dumped["day"] == "2024-02-29"
    assert flowdata.load(Draft, dumped) == draft


def test_flow_data_without_defaults_or_with_odd_types_is_refused() -> None:
    @dataclass
    class NoDefault:
        x: int

    @dataclass
    class Odd:
        x: object = None

    with pytest.raises(TypeError, match="default"):
        flowdata.check(NoDefault)
    with pytest.raises(TypeError, match="cannot be kept"):
        flowdata.check(Odd)
    with pytest.raises(TypeError, match="dataclass"):
        flowdata.check(dict)


# -- the step dispatch and the stale answer --------------------------------------------------


class FakeCtx:
    """Just what StepFlow touches: answers, keyboard removal, replies, saving."""

    def __init__(self) -> None:
        self.answers: list[tuple[str | None, bool]] = []
        self.dropped = 0
        self.replies: list[str] = []
        self.saved: list[tuple[str, dict[str, Any]]] = []
        self.message = SimpleNamespace(text="typed")
        self.in_place = False
        self.replaced = False
        self.edited: list[str] = []

    def t(self, key: str, /, **values: object) -> str:
        return key

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        self.answers.append((text, alert))

    async def drop_keyboard(self) -> None:
        self.dropped += 1

    async def reply(self, text: str, markup: object = None) -> None:
        if self.in_place:  # as Ctx: the first reply goes into the pressed message
            self.in_place, self.replaced = False, True
            self.edited.append(text)
            return
        self.replies.append(text)

    async def save_flow(self, name: str, step: str, data: dict[str, Any]) -> object:
        self.saved.append((step, data))
        return None


PICK = Codec().prefix("tt", "test flow")
COLOUR = PICK.button("c", Choice(Colour))
COUNT = PICK.button("n", Int(2))


class PickFlow(StepFlow[Draft]):
    name = "pick"
    callbacks = PICK
    data_type = Draft
    stale_key = "pick.stale"

    def __init__(self) -> None:
        self.steps = Steps({
            "colour": Step(self.ask_colour, buttons=(on(COLOUR, self.take_colour),)),
            "count": Step(self.ask_count, self.typed_count,
                          buttons=(on(COUNT, self.take_count, keep=True),)),
        })

    async def ask_colour(self, ctx: Any, data: Draft) -> None:
        await ctx.reply("ask.colour")

    async def ask_count(self, ctx: Any, data: Draft) -> None:
        await ctx.reply(f"ask.count.{data.colour}")

    async def take_colour(self, ctx: Any, data: Draft, colour: Colour) -> Refused | None:
        if colour is Colour.GREEN:
            return Refused("pick.no_green")
        data.colour = colour
        await self.goto(ctx, "count", data)
        return None

    async def take_count(self, ctx: Any, data: Draft, count: int) -> Refused | None:
        return STALE if count == 0 else None

    async def typed_count(self, ctx: Any, data: Draft, message: Any) -> bool:
        return False


def state(step: str, data: dict[str, Any] | None = None) -> Any:
    return SimpleNamespace(step=step, data=data or {})


@pytest.mark.parametrize(("step", "data", "answers", "dropped", "replies"), [
    # the button of the current step: taken, answered, keyboard removed, next question
    ("colour", ["c", "red"], [(None, False)], 1, ["ask.count.red"]),
    # refused by the handler: its own text, the keyboard stays
    ("colour", ["c", "green"], [("pick.no_green", True)], 0, []),
    ("count", ["n", "0"], [("pick.stale", True)], 0, []),
    # taken, and the keyboard kept (a multi-select)
    ("count", ["n", "3"], [(None, False)], 0, []),
    # a button of another step, or garbage: the question is closed, keyboard removed
    ("count", ["c", "red"], [("pick.stale", True)], 1, []),
    ("colour", ["c", "purple"], [("pick.stale", True)], 1, []),
    ("colour", [], [("pick.stale", True)], 1, []),
    # a step the flow no longer has (a draft from before a deploy)
    ("retired", ["c", "red"], [("pick.stale", True)], 1, []),
])
async def test_buttons_go_to_the_current_step_and_anything_else_is_stale(
        step: str, data: list[str], answers: list[Any], dropped: int,
        replies: list[str]) -> None:
    ctx = FakeCtx()
    await PickFlow().on_button(ctx, state(step), data)  # type: ignore[arg-type]
    assert (ctx.answers, ctx.dropped, ctx.replies) == (answers, dropped, replies)


class InPlaceFlow(PickFlow):
    in_place = True


@pytest.mark.parametrize(("flow", "edited", "replies", "dropped"), [
    (PickFlow(), [], ["ask.count.red"], 1),  # a new message; the pressed keyboard taken away
    (InPlaceFlow(), ["ask.count.red"], [], 0),  # the pressed message becomes the question
])
async def test_an_in_place_flow_asks_in_the_pressed_message(
        flow: PickFlow, edited: list[str], replies: list[str], dropped: int) -> None:
    ctx = FakeCtx()
    await flow.on_button(ctx, state("colour"), ["c", "red"])  # type: ignore[arg-type]
    assert (ctx.edited, ctx.replies, ctx.dropped) == (edited, replies, dropped)
    assert ctx.answers == [(None, False)] and not ctx.in_place


class LimitedFlow(PickFlow):
    async def take_count(self, ctx: Any, data: Draft, count: int) -> Refused | None:
        return Refused.saying("pick.too_many", max=count - 1)


class FillingCtx(FakeCtx):
    def t(self, key: str, /, **values: object) -> str:
        return f"{key}{sorted(values.items())}"


async def test_a_refusal_says_its_text_with_the_values_it_needs() -> None:
    ctx = FillingCtx()
    await LimitedFlow().on_button(ctx, state("count"), ["n", "9"])  # type: ignore[arg-type]
    assert (ctx.answers, ctx.dropped) == ([("pick.too_many[('max', 8)]", True)], 0)


async def test_a_button_pressed_after_the_flow_ended_is_answered_once() -> None:
    ctx = FakeCtx()
    await PickFlow().on_stale(ctx, ["c", "red"])  # type: ignore[arg-type]
    assert (ctx.answers, ctx.dropped) == ([("pick.stale", True)], 1)


async def test_text_a_step_cannot_take_is_answered_with_what_it_expects() -> None:
    ctx = FakeCtx()
    await PickFlow().on_message(ctx, state("count"))  # type: ignore[arg-type]
    await PickFlow().on_message(ctx, state("colour"))  # type: ignore[arg-type]
    assert ctx.replies == ["pick.expect.count", "pick.expect.colour"]


async def test_a_removed_step_starts_the_flow_over_keeping_the_answers() -> None:
    ctx = FakeCtx()
    await PickFlow().ask(ctx, state("retired", {"colour": "red"}))  # type: ignore[arg-type]
    assert ctx.saved == [("colour", flowdata.dump(Draft(colour=Colour.RED)))]
    assert ctx.replies == ["ask.colour"]


def test_a_flow_whose_data_could_not_be_read_back_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match="default"):
        class Broken(StepFlow[Any]):
            @dataclass
            class Data:
                x: int

            data_type = Data


# -- routing a press by its prefix -------------------------------------------------------------


@pytest.mark.parametrize(("data", "routed"), [
    ("rt:c:red", ("rt", ["c", "red"])),
    ("rt:skip", ("rt", ["skip"])),
    ("rt:", ("rt", [""])),
    ("rt", None),  # no separator: not a press of this prefix
    ("zz:c:red", None),  # a prefix nobody declared
    ("", None),
])
def test_the_codec_routes_a_press_to_its_declared_prefix(data: str, routed: Any) -> None:
    codec = Codec()
    codec.prefix("rt", "x")
    found = codec.route(data)
    assert (None if found is None else (found[0].name, found[1])) == routed


# -- steps that take a typed answer ----------------------------------------------------------


# 01:30 on 29 November in Shanghai, still the 28th in UTC: "today" is the deployment's.
NOW = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)
TODAY = date(2026, 11, 29)
ANSWERS = Codec().prefix("ta", "answer steps")
DAY_BUTTON = day_button(ANSWERS)


class AnswerCtx(FillingCtx):
    """What the answer steps touch: the clock and zone, the message, replies with buttons."""

    def __init__(self, text: str | None = None) -> None:
        super().__init__()
        self.now = NOW
        self.services = SimpleNamespace(settings=SimpleNamespace(
            timezone=ZoneInfo("Asia/Shanghai")), catalog=catalog())
        self.lang = "en"
        self.message = SimpleNamespace(text=text)
        self.keyboards: list[list[list[tuple[str, str]]]] = []

    def t(self, key: str, /, **values: object) -> str:
        return super().t(key, **values) if values else key

    async def reply(self, text: str, markup: object = None) -> None:
        self.replies.append(text)
        if isinstance(markup, InlineKeyboardMarkup):
            self.keyboards.append([[(b.text, str(b.callback_data)) for b in row]
                                   for row in markup.inline_keyboard])


class Taken:
    """The answers a step handed on."""

    def __init__(self) -> None:
        self.values: list[object] = []

    async def __call__(self, ctx: Any, data: Draft, value: object) -> None:
        self.values.append(value)


def built(build: Callable[[Taken], Step[Draft]]) -> tuple[Step[Draft], Taken]:
    """A step built to hand its answers to a fresh `Taken`."""
    taken = Taken()
    return build(taken), taken


async def typed(build: Callable[[Taken], Step[Draft]],
                text: str | None) -> tuple[bool, list[object], list[str]]:
    """Type `text` at a new step: whether it was an answer, what was taken, what was said."""
    step, taken = built(build)
    ctx = AnswerCtx(text)
    assert step.on_text is not None
    answered = await step.on_text(ctx, Draft(), ctx.message)  # type: ignore[arg-type]
    return answered, taken.values, ctx.replies


@pytest.mark.parametrize(("text", "answered", "taken", "replies"), [
    ("2026-11-03", True, [date(2026, 11, 3)], []),
    ("2026/11/3", True, [date(2026, 11, 3)], []),
    ("2026年11月3日", True, [date(2026, 11, 3)], []),
    ("11-3", True, [date(2026, 11, 3)], []),  # this year
    ("11月3日", True, [date(2026, 11, 3)], []),
    ("１１-３", True, [date(2026, 11, 3)], []),  # full-width digits
    (" 11-29 ", True, [TODAY], []),  # today in Shanghai, though still the 28th in UTC
    ("2025-11-28", True, [date(2025, 11, 28)], []),  # a year back: the oldest taken
    # the words on the buttons, typed instead, are taken as the buttons would be
    ("今天", True, [TODAY], []),
    ("昨天", True, [date(2026, 11, 28)], []),
    ("yesterday", True, [date(2026, 11, 28)], []),
    ("前天", True, [date(2026, 11, 27)], []),
    ("29号", True, [TODAY], []),  # a day of the month alone
    ("明天", True, [], ["log.problem.future"]),
    ("garbage", False, [], []),
    # a day its month lacks: said so, with how long that month is; the step waits
    ("2026-02-30", True, [], ["flowkit.no_such_day[('day', 30), ('days', 28), "
                              "('month', 'Feb'), ('year', 2026)]"]),
    ("Feb 29", True, [], ["flowkit.no_such_day[('day', 29), ('days', 28), "
                         "('month', 'Feb'), ('year', 2026)]"]),
    ("13-1", False, [], []),
    ("", False, [], []),
    (None, False, [], []),  # a sticker or a photo
    # understood, refused with the flow's own text; the step waits for another day
    ("2026-11-30", True, [], ["log.problem.future"]),
    ("12-25", True, [date(2025, 12, 25)], []),  # no year: the last 25 December, not the next
    ("2025-11-27", True, [], ["log.problem.too_old"]),
])
async def test_a_typed_day_is_read_checked_and_handed_on(
        text: str | None, answered: bool, taken: list[date], replies: list[str]) -> None:
    assert await typed(lambda take: day_step("log", DAY_BUTTON, take), text) == (
        answered, taken, replies)


@pytest.mark.parametrize(("data", "outcome", "taken"), [
    ("ta:d:0", None, [TODAY]),
    ("ta:d:1", None, [date(2026, 11, 28)]),
    ("ta:d:2", False, []),  # forged: no button of this step
    ("ta:d:", False, []),
    ("lg:d:0", False, []),
])
async def test_the_day_buttons_are_today_and_yesterday(data: str, outcome: object,
                                                       taken: list[date]) -> None:
    step, took = built(lambda take: day_step("log", DAY_BUTTON, take))
    (button,) = step.buttons
    assert await button.take(AnswerCtx(), Draft(), data) == outcome  # type: ignore[arg-type]
    assert took.values == taken


async def test_the_day_question_offers_today_and_yesterday_in_the_flows_words() -> None:
    ctx = AnswerCtx()
    step, _ = built(lambda take: day_step("aid", DAY_BUTTON, take))
    await step.ask(ctx, Draft())  # type: ignore[arg-type]
    assert ctx.replies == ["aid.ask_day"]
    assert ctx.keyboards == [[[("aid.button.today", "ta:d:0"),
                               ("aid.button.yesterday", "ta:d:1")]]]


@pytest.mark.parametrize(("text", "tidy", "answered", "taken", "replies"), [
    ("  Visit ", False, True, ["Visit"], []),
    ("a  b", False, True, ["a  b"], []),  # inner spaces kept as typed
    ("a  b", True, True, ["a b"], []),  # a title: runs of spaces made one
    ("1234567890", False, True, ["1234567890"], []),  # exactly the limit
    ("12345678901", False, True, [], ["note.too_long[('max', 10)]"]),
    ("好" * 11, False, True, [], ["note.too_long[('max', 10)]"]),  # characters, not bytes
    ("", False, False, [], []),
    ("   ", False, False, [], []),
    (None, False, False, [], []),  # a sticker: the flow says what it expects
])
async def test_text_is_trimmed_and_too_long_text_is_refused_with_the_limit(
        text: str | None, tidy: bool, answered: bool, taken: list[str],
        replies: list[str]) -> None:
    assert await typed(lambda take: text_step("note.ask", take, maximum=10,
                                              too_long="note.too_long", tidy=tidy),
                       text) == (answered, taken, replies)


@pytest.mark.parametrize(("text", "answered", "taken"), [
    ("1234567890", True, ["1234567890"]),
    ("12345  6789", True, ["12345 6789"]),  # tidied, then it fits
    ("12345678901", False, []),  # too long with no text of its own: what the step expects
])
async def test_a_title_too_long_is_no_answer_when_the_step_has_no_text_for_it(
        text: str, answered: bool, taken: list[str]) -> None:
    assert await typed(lambda take: text_step("title.ask", take, maximum=10, tidy=True),
                       text) == (answered, taken, [])


async def test_a_text_step_asks_its_catalog_question() -> None:
    ctx = AnswerCtx()
    step, _ = built(lambda take: text_step("note.ask", take, maximum=10))
    await step.ask(ctx, Draft())  # type: ignore[arg-type]
    assert ctx.replies == ["note.ask"]


@pytest.mark.parametrize(("text", "answered", "taken"), [
    ("3", True, [3]),
    ("３", True, [3]),  # full-width
    ("12人", True, [12]),
    (" 99 ", True, [99]),
    ("1", True, [1]),
    ("0", False, []),
    ("-2", False, []),
    ("100", False, []),  # over the maximum
    ("2.5", False, []),
    ("²", False, []),
    ("three", False, []),
    ("", False, []),
    (None, False, []),
])
async def test_a_number_is_a_whole_number_within_its_bounds(
        text: str | None, answered: bool, taken: list[int]) -> None:
    assert await typed(lambda take: number_step("people.ask", take, maximum=99),
                       text) == (answered, taken, [])


@pytest.mark.parametrize(("text", "answered", "taken"), [
    ("5", True, [5]),
    ("6", False, []),
    ("0", False, []),
])
async def test_a_number_step_with_a_range_takes_only_that_range(
        text: str, answered: bool, taken: list[int]) -> None:
    assert await typed(lambda take: number_step("score.ask", take, minimum=1, maximum=5),
                       text) == (answered, taken, [])


async def test_a_number_step_may_read_its_own_way() -> None:
    def quantity(take: Taken) -> Step[Draft]:
        return number_step("qty.ask", take, maximum=QUANTITY_MAX, read=parse_quantity)

    assert await typed(quantity, "20袋") == (True, [20], [])  # a unit after the number
    assert await typed(quantity, "0袋") == (False, [], [])


# -- buttons on one's own entry --------------------------------------------------------------


ENTRIES = Codec().prefix("te", "own entries")


class Entries(OwnEntry[str]):
    """Entries by id: "1" is the presser's and recent, "2" theirs but old, others not theirs;
    "5" was deleted by update 99."""

    fix, delete = ENTRIES.button("fix", Int()), ENTRIES.button("del", Int())
    labels = ("entry.fix", "entry.delete")
    too_late_key = "entry.too_late"
    busy_key = "entry.busy"

    def __init__(self) -> None:
        self.done: list[str] = []

    async def find(self, ctx: Any, entry_id: int) -> Found[str] | None:
        return {1: Found("one"), 2: Found("two", late=True)}.get(entry_id)

    async def correct(self, ctx: Any, entry: str) -> None:
        self.done.append(f"correct {entry}")

    async def remove(self, ctx: Any, entry: str) -> str:
        self.done.append(f"delete {entry}")
        return "entry.deleted"

    async def removed_by_this_press(self, ctx: Any, entry_id: int) -> str | None:
        return "entry.deleted" if (entry_id, ctx.update.update_id) == (5, 99) else None


class NeverBusy(Entries):
    busy_key = None


class EntryCtx(FakeCtx):
    def __init__(self, db: Database, data: str) -> None:
        super().__init__()
        self.db, self.user_id = db, 7
        self.query = SimpleNamespace(data=data)
        self.update = SimpleNamespace(update_id=99)


@pytest.mark.parametrize(("kind", "data", "in_flow", "answers", "dropped", "replies", "done"), [
    (Entries, "te:fix:1", False, [(None, False)], 1, [], ["correct one"]),
    (Entries, "te:del:1", False, [(None, False)], 1, ["entry.deleted"], ["delete one"]),
    # past the window: said, nothing changes, the buttons stay
    (Entries, "te:fix:2", False, [("entry.too_late", True)], 0, [], []),
    (Entries, "te:del:2", False, [("entry.too_late", True)], 0, [], []),
    # not the presser's, gone, forged or garbage: a stale button
    (Entries, "te:fix:3", False, [("error.stale_button", True)], 0, [], []),
    (Entries, "te:zap:1", False, [("error.stale_button", True)], 0, [], []),
    (Entries, "te:fix:x", False, [("error.stale_button", True)], 0, [], []),
    (Entries, "", False, [("error.stale_button", True)], 0, [], []),
    # a delete handled again after a crash (the same update deleted it): as the first time;
    # any other press on the gone entry is stale
    (Entries, "te:del:5", False, [(None, False)], 1, ["entry.deleted"], []),
    (Entries, "te:fix:5", False, [("error.stale_button", True)], 0, [], []),
    # correcting would throw away another flow's answers; deleting would not
    (Entries, "te:fix:1", True, [("entry.busy", True)], 0, [], []),
    (Entries, "te:del:1", True, [(None, False)], 1, ["entry.deleted"], ["delete one"]),
    (NeverBusy, "te:fix:1", True, [(None, False)], 1, [], ["correct one"]),
])
async def test_an_own_entry_button_is_checked_at_every_press(
        tmp_path: Path, kind: type[Entries], data: str, in_flow: bool, answers: list[Any],
        dropped: int, replies: list[str], done: list[str]) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        if in_flow:
            await flows.put(db, 7, "log", "note", {}, NOW)
        ctx, buttons = EntryCtx(db, data), kind()
        await buttons.on_button(ctx)  # type: ignore[arg-type]
    finally:
        await db.close()
    assert (ctx.answers, ctx.dropped, ctx.replies, buttons.done) == (answers, dropped, replies,
                                                                     done)


def test_the_own_entry_buttons_carry_the_entry() -> None:
    markup = Entries.keyboard(FakeCtx(), 42)  # type: ignore[arg-type]
    assert [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard] == [
        [("entry.fix", "te:fix:42"), ("entry.delete", "te:del:42")]]


# -- the bot's own registry -------------------------------------------------------------------


DOCS = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text("utf-8")


async def test_every_declared_prefix_is_answered_by_a_handler_and_documented(
        tmp_path: Path) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123456:TEST-token-abcdefghij",
                              "ZHONGFU_DATABASE": str(tmp_path / "z.sqlite3")})
    db = await Database.open(settings.database)
    try:
        app, _ = build_application(
            Services(settings, db, catalog()))
    finally:
        await db.close()
    answered = set(button_prefixes(app))
    declared = set(CODEC.prefixes)
    assert {"rp", "mr", "lg", "lq", "cx", "pr", "jn", "ar", "wk", "rf", "so"} <= declared
    assert declared - answered == set(), "a declared button that no handler answers"
    assert [p for p in declared if f"`{p}`" not in DOCS] == []


async def test_every_flow_has_a_name_for_its_task_in_every_language(tmp_path: Path) -> None:
    """Starting something else says which task is open ("您还有一件事没办完：填写求助")."""
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123456:TEST-token-abcdefghij",
                              "ZHONGFU_DATABASE": str(tmp_path / "z.sqlite3")})
    db = await Database.open(settings.database)
    try:
        app, _ = build_application(Services(settings, db, catalog()))
    finally:
        await db.close()
    names = sorted(app.bot_data[FLOWS_KEY].by_name)
    assert {"report", "log", "case", "join", "pair"} <= set(names)
    texts = catalog().texts
    assert [n for n in names for lang in texts if f"flow.task.{n}" not in texts[lang]] == []
