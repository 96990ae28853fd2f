"""Report rules: references, typed-input checks, drafts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.people import Role, effective_role, pick_language
from bot.domain.reports import (
    Category,
    Draft,
    Problem,
    Report,
    Status,
    Urgency,
    check_description,
    check_voice,
    excerpt,
    looks_repeated,
    masked_excerpt,
    normalise_phone,
    over_rate_limit,
    parse_reference,
    reference,
)


@pytest.mark.parametrize(("report_id", "ref"), [(1, "R-0001"), (42, "R-0042"), (12345, "R-12345")])
def test_reference(report_id: int, ref: str) -> None:
    assert reference(report_id) == ref
    assert parse_reference(ref) == report_id


@pytest.mark.parametrize(("text", "expected"),
                         [("r42", 42), (" R - 0042 ", 42), ("42", 42), ("R-x", None), ("", None)])
def test_parse_reference(text: str, expected: int | None) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("13800138000", "13800138000"), ("+86 138-0013-8000", "+8613800138000"),
     ("(0755) 8888 6666", "075588886666"), ("12345", "12345"), ("1234", None),
     ("12ab", None), ("+1234567890123456", None), ("", None),
     # full-width, as a Chinese keyboard in full-width mode types it
     ("１３８００１３８０００", "13800138000"),
     ("＋８６　１３８－００１３－８０００", "+8613800138000"),
     ("（０７５５）８８８８　６６６６", "075588886666"), ("１２ａｂ", None), ("１２３４", None)],
)
def test_normalise_phone(text: str, expected: str | None) -> None:
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [("太短", Problem.TOO_SHORT), ("    abcd   ", Problem.TOO_SHORT), ("abcde", None),
     ("x" * 2000, None), ("x" * 2001, Problem.TOO_LONG)],
)
def test_description_bounds(text: str, problem: Problem | None) -> None:
    assert check_description(text) == problem


def test_draft_round_trip_and_completeness() -> None:
    draft = Draft(category=Category.HEALTH, description="某某发烧了", address="1栋",
                  urgency=Urgency.SOON, anonymous=True, photos=["a", "b"])
    again = Draft.from_data(draft.to_data())
    assert again == draft
    assert again.complete()
    assert not Draft(category=Category.HEALTH).complete()


def test_a_voice_note_describes_a_draft_in_place_of_text() -> None:
    """Said in a voice note, a draft is described and keeps the voice across a restart;
    typing replaces the voice and another voice replaces the text."""
    draft = Draft(category=Category.HEALTH, address="1栋", urgency=Urgency.SOON, anonymous=True)
    assert not draft.complete()
    draft.say_voice("AwACAgVoice", 42)
    again = Draft.from_data(draft.to_data())
    assert again == draft and again.complete() and again.description is None
    again.say_typed("某某发烧了")
    assert (again.description, again.voice_file_id, again.voice_seconds) == (
        "某某发烧了", None, None)
    again.say_voice("AwACAgOther", 7)
    assert (again.description, again.voice_file_id, again.voice_seconds) == (
        None, "AwACAgOther", 7)
    assert Draft.from_data({"voice_file_id": 5, "voice_seconds": "42"}).voice_seconds is None


def test_an_audio_file_said_for_the_description_stays_one_until_replaced() -> None:
    """An audio file is kept as one across a restart (it can only go out as one); typing
    or a voice note after it drop that."""
    draft = Draft(category=Category.HEALTH)
    draft.say_voice("CQACAgAudio", 42, audio=True)
    again = Draft.from_data(draft.to_data())
    assert (again.voice_file_id, again.voice_seconds, again.voice_audio) == (
        "CQACAgAudio", 42, True)
    again.say_voice("AwACAgVoice", 7)
    assert not again.voice_audio
    again.say_voice("CQACAgAudio", 42, audio=True)
    again.say_typed("某某发烧了")
    assert not again.voice_audio and again.voice_file_id is None
    assert not Draft.from_data({"voice_audio": "yes"}).voice_audio


@pytest.mark.parametrize(("seconds", "problem"), [(0, None), (42, None), (300, None),
                                                  (301, Problem.TOO_LONG)])
def test_a_voice_note_runs_five_minutes_at_most(seconds: int, problem: Problem | None) -> None:
    assert check_voice(seconds) is problem


def test_damaged_draft_data_is_unanswered() -> None:
    draft = Draft.from_data({"category": "nonsense", "urgency": 3, "photos": "x",
                             "anonymous": "yes"})
    assert draft.category is None and draft.urgency is None
    assert draft.photos == [] and draft.anonymous is None


def test_excerpt_and_rate_limit() -> None:
    assert excerpt("a  b\nc") == "a b c"
    assert excerpt("x" * 50, 10) == "x" * 9 + "…"
    family = "👨\u200d👩\u200d👧"  # one emoji drawn from five code points
    # 12 UTF-16 units hold 求助, one family (8) and "…": never half of the second one.
    assert excerpt("求助" + family * 3, 12) == "求助" + family + "…"
    assert not over_rate_limit(4, 5)
    assert over_rate_limit(5, 5)


@pytest.mark.parametrize(
    ("stored", "active", "configured", "expected"),
    [(Role.RESIDENT, True, True, Role.COORDINATOR),
     (Role.COORDINATOR, True, False, Role.RESIDENT),
     (Role.WORKER, False, False, Role.RESIDENT),
     (Role.WORKER, True, False, Role.WORKER)],
)
def test_effective_role(stored: Role, active: bool, configured: bool, expected: Role) -> None:
    assert effective_role(stored, active, configured) == expected


@pytest.mark.parametrize(
    ("chosen", "code", "expected"),
    [("en", "zh-hans", "en"), (None, "zh-hans", "zh"), (None, "en-GB", "en"),
     (None, "fr", "zh"), (None, None, "zh"), ("xx", "en", "en")],
)
def test_pick_language(chosen: str | None, code: str | None, expected: str) -> None:
    assert pick_language(chosen, code, "zh", ("zh", "en")) == expected


def _previous(minutes_ago: int, category: str = "elderly_alone", area: int | None = 1) -> Report:
    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    made = now - timedelta(minutes=minutes_ago)
    return Report(id=6, reporter_id=1, category=Category(category), description="x", subject=None,
             address=None, latitude=None, longitude=None, area_id=area, area_text=None,
             urgency=Urgency.SOON, photos=(), phone=None, anonymous=True, status=Status.NEW,
             taken_by=None, taken_at=None, escalation_level=0, created_at=made, updated_at=made)


@pytest.mark.parametrize(("minutes_ago", "category", "area", "not_a_repeat", "asked"), [
    (3, "elderly_alone", 1, False, True),      # same need a few minutes later: ask
    (10, "elderly_alone", 1, False, True),     # the window is ten minutes, inclusive
    (11, "elderly_alone", 1, False, False),    # later than that: a new report
    (3, "health", 1, False, False),            # another kind of need
    (3, "elderly_alone", 2, False, False),     # another community
    (3, "elderly_alone", 1, True, False),      # the person said it is something else
])
def test_a_repeat_report_is_asked_about(minutes_ago: int, category: str, area: int,
                                         not_a_repeat: bool, asked: bool) -> None:
    draft = Draft(category=Category.ELDERLY_ALONE, area_id=1, not_a_repeat=not_a_repeat)
    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    assert looks_repeated(draft, _previous(minutes_ago, category, area), now) is asked
    assert looks_repeated(draft, None, now) is False


@pytest.mark.parametrize(("typed", "shown"), [
    ("请打他儿子电话13912345678", "请打他儿子电话•••"),
    ("打 139-1234-5678 找他女儿", "打 ••• 找他女儿"),
    ("东门小区3栋502室的张大爷腿肿", "东门小区•••的张大爷腿肿"),
    ("email a.b@example.com please", "email ••• please"),
    ("Room 1203, an old man alone", "•••, an old man alone"),
    ("楼下张大爷腿肿得厉害，好几天没出门了", "楼下张大爷腿肿得厉害，好几天没出门了"),
])
def test_the_card_for_everyone_masks_numbers_mails_and_rooms(typed: str, shown: str) -> None:
    assert masked_excerpt(typed) == shown
