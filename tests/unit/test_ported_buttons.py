"""Buttons and drafts of the case and household screens, ported to the toolkit: what the
previous release wrote still reads back the same, so buttons already in chats and drafts in
progress keep working after the deploy."""

from __future__ import annotations

from typing import Any

import pytest

from bot.callbacks import Button
from bot.domain.causes import Cause
from bot.domain.households import Category
from bot.services import case_buttons as cs
from bot.telegram import case_flow, household_flow, household_ui
from bot.telegram.case_flow import CaseDraft
from bot.telegram.flowkit import data as flowdata
from bot.telegram.household_flow import FindDraft, HouseholdDraft


@pytest.mark.parametrize(("old", "button", "parts"), [
    ("cs:take:12", cs.TAKE, (12,)),
    ("cs:asg:12", cs.ASSIGN_MENU, (12,)),
    ("cs:asw:12:2001", cs.ASSIGN_TO, (12, 2001)),
    ("cs:view:12", cs.VIEW, (12,)),
    ("cs:rel:12", cs.RELEASE, (12,)),
    ("cs:reply:12", cs.REPLY, (12,)),
    ("cs:note:12", cs.NOTE, (12,)),
    ("cs:msg:12", cs.MESSAGE, (12,)),
    ("cs:res:12", cs.RESOLVE, (12,)),
    ("cs:ref:12", cs.REFER, (12,)),
    ("cs:close:12", cs.CLOSE, (12,)),
    ("fb:ok:12", cs.HELPED, (12,)),
    ("fb:more:12", cs.MORE, (12,)),
    ("cf:rw:123456789012", case_flow.REFER_TO, (123456789012,)),
    ("hf:5", household_ui.FILE, (5, None)),
    ("hf:5:10", household_ui.FILE, (5, 10)),
    ("hx:add:0", household_ui.ADD, (0,)),
    ("hx:find:0", household_ui.FIND, (0,)),
    ("hx:import:0", household_ui.IMPORT, (0,)),
    ("hx:edit:5", household_ui.EDIT, (5,)),
    ("hx:pair:5", household_ui.PAIR, (5,)),
    ("hx:arch:5", household_ui.ARCHIVE, (5,)),
    ("hx:archyes:5", household_ui.ARCHIVE_YES, (5,)),
    ("hx:archno:5", household_ui.ARCHIVE_NO, (5,)),
    ("hx:end:3", household_ui.END_PAIRING, (3,)),
    ("rh:new:4", household_ui.FROM_REPORT, (4,)),
    ("rh:link:4", household_ui.LINK_SEARCH, (4,)),
    ("rh:to:4:5", household_ui.LINK_TO, (4, 5)),
    ("hh:area:2", household_flow.AREA_B, (2,)),
    ("hh:cat:dibao", household_flow.CATEGORY_B, (Category("dibao"),)),
    ("hh:catok:0", household_flow.CATEGORIES_DONE, ("0",)),
    (f"hh:cau:{next(iter(Cause)).value}", household_flow.CAUSE_B, (next(iter(Cause)),)),
    ("hh:cauok:0", household_flow.CAUSES_DONE, ("0",)),
    ("hh:skip:0", household_flow.SKIP, ("0",)),
    ("hh:ok:0", household_flow.CONFIRM, ("0",)),
    ("hh:edit:0", household_flow.EDIT, ("0",)),
    ("hh:cancel:0", household_flow.CANCEL, ("0",)),
    ("hh:ef:phone", household_flow.FIELD_B, ("phone",)),
])
def test_data_of_the_previous_release_reads_back_and_is_written_the_same(
        old: str, button: Button[Any], parts: tuple[Any, ...]) -> None:
    assert button.parse(old) == parts
    assert button.data(*parts) == old


@pytest.mark.parametrize("forged", [
    "cs:take:abc", "cs:take:1234567890", "cs:take:1:1", "cs:asw:1:" + "9" * 25, "fb:yes:1",
    "hf:²", "hf:1:2:3", "hx:edit:", "rh:to:1", "hh:cat:nonsense", "hh:ef:hid",
])
def test_forged_data_is_no_button(forged: str) -> None:
    every = [*cs.CS.buttons.values(), *cs.FB.buttons.values(), *household_ui.HF.buttons.values(),
             *household_ui.HX.buttons.values(), *household_ui.RH.buttons.values(),
             *household_flow.HH.buttons.values()]
    assert [b for b in every if b.parse(forged) is not None] == []


def test_drafts_in_progress_resume() -> None:
    # As the previous release saved them: a case awaiting its note, a household being
    # edited, one made from a report, a search for a report's household.
    assert flowdata.load(CaseDraft, {"report": 9}) == CaseDraft(9)
    edited = flowdata.load(HouseholdDraft, {
        "hid": 3, "name": "张大爷", "area": None, "address": "东门路12号", "people": 2,
        "category": "dibao,severe_disability", "causes": "", "cause_codes": "",
        "needs": "", "phone": "", "editing": True})
    assert (edited.hid, edited.people, edited.editing) == (3, 2, True)
    assert household_flow.chosen_categories(edited) == ["dibao", "severe_disability"]
    from_report = flowdata.load(HouseholdDraft, {"report": 5, "name": "李阿婆", "area": 2,
                                                 "people": 1, "category": "other"})
    assert (from_report.report, from_report.area, from_report.hid) == (5, 2, 0)
    assert flowdata.load(FindDraft, {}) == FindDraft(0)
    assert flowdata.load(FindDraft, {"report": 4}) == FindDraft(4)
