"""The page turns of a household question that lists the person's households or a name
search's matches a page at a time (/aid, /log, /pair and the 🔍 search of /households): the
page is kept in the flow's data, so a resumed question reopens where the person was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from telegram import InlineKeyboardMarkup

from bot.services.my_households import Household, Matches
from bot.telegram.context import Ctx
from bot.telegram.flowkit import STALE, Refused
from bot.telegram.household_ui import buttons, short
from bot.telegram.keyboards import picker

SEARCHES = 10_000  # searches are numbered modulo this, to fit their page buttons


class Searched(Protocol):
    """A draft that lists households: the page shown, the name typed, which search it is."""

    page: int
    query: str
    search: int


D = TypeVar("D", bound=Searched)
D_in = TypeVar("D_in", bound=Searched, contravariant=True)


class Listing(Protocol[D_in]):
    """A flow with a household question: it saves its draft and draws the list."""

    async def save_household_step(self, ctx: Ctx, draft: D_in) -> None:
        """Keep the draft at the household question."""

    async def _households_view(self, ctx: Ctx, draft: D_in
                               ) -> tuple[str, InlineKeyboardMarkup | None]:
        """The question's text and buttons for the draft as it is."""


class Searching(Listing[D_in], Protocol[D_in]):
    """A flow whose household question also lists a typed name's matches."""

    def _matches_view(self, ctx: Ctx, draft: D_in, found: Matches
                      ) -> tuple[str, InlineKeyboardMarkup]:
        """Every household the typed name matches, at the draft's page."""


async def answer_search(flow: Searching[D], ctx: Ctx, draft: D, query: str, found: Matches,
                        keys: str,
                        one: Callable[[Household], Awaitable[None]] | None = None) -> None:
    """What a typed name found: nothing, too many to list (`<keys>.search_none` and
    `.search_too_many`), the only match (handed to `one`, if given), or the first page of
    the matches, kept in the draft."""
    if not found.total:
        await ctx.reply(ctx.t(f"{keys}.search_none", query=query))
    elif not found.found:
        await ctx.reply(ctx.t(f"{keys}.search_too_many", query=query, count=found.total))
    elif found.total == 1 and one is not None:
        await one(found.found[0])
    else:
        new_search(draft, query)
        await flow.save_household_step(ctx, draft)
        await ctx.reply(*flow._matches_view(ctx, draft, found))


def new_search(draft: Searched, query: str) -> None:
    """The draft shows the first page of a new search's matches (numbered after the last, so
    a page turn of an earlier one is stale)."""
    draft.query, draft.page = query, 0
    draft.search = (draft.search + 1) % SEARCHES


async def turn_households(flow: Listing[D], ctx: Ctx, draft: D, number: int) -> Refused | None:
    """Another page of the person's households, in the same message (the search forgotten)."""
    draft.query, draft.page = "", number
    await _shown(flow, ctx, draft)
    return None


async def turn_matches(flow: Listing[D], ctx: Ctx, draft: D, search: int,
                       number: int) -> Refused | None:
    """Another page of the latest search's matches; an earlier search's turn is stale."""
    if not draft.query or search != draft.search:
        return STALE
    draft.page = number
    await _shown(flow, ctx, draft)
    return None


async def _shown(flow: Listing[D], ctx: Ctx, draft: D) -> None:
    """Keep the page turned to and redraw the question in its message."""
    await flow.save_household_step(ctx, draft)
    await ctx.edit_or_reply(*await flow._households_view(ctx, draft))


def matches_view(ctx: Ctx, draft: Searched, found: Matches, heading: str,
                 choose: Callable[[int], str], turn: Callable[[int, int], str],
                 **values: object) -> tuple[str, InlineKeyboardMarkup]:
    """Every household the typed name matches, at the draft's page, under `heading` (a
    catalog key taking the name typed, how many match and `values`); `choose` makes a
    household's button data, `turn` a page turn's (the search's number, the page)."""
    items = [(short(h.name), choose(h.id)) for h in found.found]
    rows, line = picker(ctx.t, items, draft.page, lambda n: turn(draft.search, n), 2)
    text = ctx.t(heading, query=draft.query, count=found.total, **values)
    return "\n".join([text, *line]), buttons(rows)
