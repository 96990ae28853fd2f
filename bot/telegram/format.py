"""Small formatting helpers for what handlers show (dates in the deployment's zone)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.lengths import telegram_length
from bot.domain.people import Named
from bot.i18n import Html, escape

NAMES_SHOWN = 10  # names listed when a typed name matches several people


def local_time(moment: datetime, tz: ZoneInfo, pattern: str) -> str:
    """An instant shown in the deployment's time zone."""
    return moment.astimezone(tz).strftime(pattern)


MESSAGE_BUDGET = 3800  # below Telegram's 4,096, counted as Telegram counts (telegram_length)


def join_within(lines: list[str], budget: int = MESSAGE_BUDGET) -> str:
    """Lines joined, whole lines dropped (then "…") before Telegram's length limit."""
    out: list[str] = []
    size = 0
    for line in lines:
        length = telegram_length(line)
        if size + length + 1 > budget:
            out.append("…")
            break
        out.append(line)
        size += length + 1
    return "\n".join(out)


def names_listed(t: Callable[..., str], matches: Sequence[Named]) -> Html:
    """The people a typed name matched, the reader's way ('陈社工、陈小红'), as escaped HTML,
    each with its id where two share a name (the id is then the only way to say which); the
    first NAMES_SHOWN, then '…'."""
    shared = {m.name for m in matches if sum(o.name == m.name for o in matches) > 1}
    shown = [t("named.with_id", name=m.name, id=m.telegram_id) if m.name in shared
             else escape(m.name) for m in matches[:NAMES_SHOWN]]
    return Html(t("list.separator").join(shown) + ("…" if len(matches) > NAMES_SHOWN else ""))


def name_or_id(matches: Sequence[Named], one: Named) -> str:
    """What to type to name `one` of the matches: the name, or the id if the name is shared."""
    return one.name if sum(m.name == one.name for m in matches) == 1 else str(one.telegram_id)
