"""The flow toolkit: callback codec, typed flow data, the step dispatch and stale answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.callbacks import CALLBACK_MAX, CODEC
from bot.config import SUPPORTED_LANGUAGES, load_settings
from bot.i18n import Catalog
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
from storage.db import Database


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

    def t(self, key: str, /, **values: object) -> str:
        return key

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        self.answers.append((text, alert))

    async def drop_keyboard(self) -> None:
        self.dropped += 1

    async def reply(self, text: str, markup: object = None) -> None:
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


# -- the bot's own registry -------------------------------------------------------------------


DOCS = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text("utf-8")


async def test_every_declared_prefix_is_answered_by_a_handler_and_documented(
        tmp_path: Path) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123456:TEST-token-abcdefghij",
                              "ZHONGFU_DATABASE": str(tmp_path / "z.sqlite3")})
    db = await Database.open(settings.database)
    try:
        app, _ = build_application(
            Services(settings, db, Catalog.load(SUPPORTED_LANGUAGES, "zh")))
    finally:
        await db.close()
    answered = set(button_prefixes(app))
    declared = set(CODEC.prefixes)
    assert {"rp", "mr", "lg", "lq", "cx", "pr", "jn", "ar", "wk", "rf", "so"} <= declared
    assert declared - answered == set(), "a declared button that no handler answers"
    assert [p for p in declared if f"`{p}`" not in DOCS] == []
