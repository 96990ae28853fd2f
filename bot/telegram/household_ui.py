"""Shared pieces of the household screens: callback prefixes, buttons, labels, checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.callbacks import CODEC, Int, Maybe
from bot.domain.access import Action
from bot.domain.cadence import ContactKind, Obligation
from bot.domain.causes import Cause
from bot.domain.lengths import shorten
from bot.domain.people import Role
from bot.domain.periods import local_date
from bot.services import access, texts
from bot.services.access import HouseholdRef, Target
from bot.telegram.commands import allowed
from bot.telegram.context import Ctx
from bot.telegram.format import join_within as join_within
from bot.telegram.keyboards import buttons as buttons  # the household screens import them here
from bot.telegram.keyboards import pairs as pairs

ID = Int(11)  # the ids household buttons have always carried

HF = CODEC.prefix("hf", "the household service file (bot/telegram/household_file.py)")
FILE = HF.button("", ID, Maybe(ID))  # hf:<household>[:<offset>]  the file, or more contacts

HX = CODEC.prefix("hx", "coordinator actions on households (bot/telegram/households.py)")
ADD, FIND, IMPORT = HX.button("add", ID), HX.button("find", ID), HX.button("import", ID)
EDIT, PAIR = HX.button("edit", ID), HX.button("pair", ID)  # hx:edit:<household>
ARCHIVE, ARCHIVE_YES, ARCHIVE_NO = (HX.button("arch", ID), HX.button("archyes", ID),
                                    HX.button("archno", ID))
END_PAIRING = HX.button("end", ID)  # hx:end:<pairing>

RH = CODEC.prefix("rh", "from a report to a household (bot/telegram/report_links.py)")
FROM_REPORT = RH.button("new", ID)  # rh:new:<report>  a household from the report
LINK_SEARCH = RH.button("link", ID)  # rh:link:<report>  find the household it is about
LINK_TO = RH.button("to", ID, ID)  # rh:to:<report>:<household>

DU = CODEC.prefix("du", "/due pages (bot/telegram/household_file.py)")
DUE_PAGE = DU.button("pg", Int(4))  # du:pg:<page>  another page of /due

LIST_LIMIT = 20
DUE_PAGE_SIZE = 10  # lines of /due a page: each may carry a button, one a row
CONTACTS_PAGE = 10


# -- small helpers shared by the household modules ---------------------------------------------


def today(ctx: Ctx) -> date:
    """Today in the deployment's time zone."""
    return local_date(ctx.now, ctx.services.settings.timezone)


def short(text: str, size: int = 14) -> str:
    """A name shortened for a button, never cut inside a character or an emoji sequence."""
    return shorten(text, size)


def period_label(ctx: Ctx, item: Obligation, day: date) -> str:
    """'this quarter' for the running period, else its name (2026年第1季度, Q1 2026)."""
    if day in item.period:
        return ctx.t(f"period.{item.period.kind.value}")
    return texts.period_label(ctx.services, ctx.lang, item.period)


def obligation_text(ctx: Ctx, key: str, item: Obligation, day: date, **extra: object) -> str:
    """One obligation as a catalog line."""
    return ctx.t(key, kind=ctx.t(f"kind.{item.rule.kind.value}"),
                 period=period_label(ctx, item, day),
                 status=ctx.t(f"status.{item.status.value}"),
                 due_by=item.due_by.isoformat(), **extra)


def contact_words(ctx: Ctx, day: date, kind: ContactKind) -> dict[str, object]:
    """A contact's day and kind as its buttons and questions name it (11月15日的电话)."""
    return {"month": day.month, "day": day.day, "kind": ctx.t(f"kind_word.{kind.value}")}


def program_label(ctx: Ctx, name: str) -> str:
    """A program's name; the seeded default one is translated (services.texts)."""
    return texts.program_name(ctx.services, ctx.lang, name)


async def may(ctx: Ctx, action: Action, target: Target = None) -> bool:
    """Whether the acting person, in their role as of now, may do `action` to `target`."""
    return await access.allowed(ctx.services, ctx.person, action, target)


async def can_open(ctx: Ctx, household_id: int) -> bool:
    """The service file is for the paired worker and coordinators only."""
    return await may(ctx, Action.HOUSEHOLD_OPEN, HouseholdRef(household_id))


def is_staff(ctx: Ctx) -> bool:
    """Whether the acting person, as of now, works with households (a worker or coordinator)."""
    return allowed(ctx.role, Role.WORKER)


def is_coordinator(ctx: Ctx) -> bool:
    """Whether the acting person coordinates."""
    return allowed(ctx.role, Role.COORDINATOR)


def causes_value(ctx: Ctx, codes: Iterable[Cause], text: str) -> str:
    """Causes of hardship as one value: the listed ones by name, then the free text."""
    names = ctx.join([ctx.t(f"cause.{c.value}") for c in codes])
    if names and text:
        return ctx.t("causes.with_text", causes=names, text=text)
    return names or text
