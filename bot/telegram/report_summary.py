"""The report draft as the resident confirms it."""

from __future__ import annotations

from bot.domain.lengths import MESSAGE_MAX, fill_within
from bot.domain.reports import Draft
from bot.services import areas
from bot.telegram.context import Ctx


async def summary(ctx: Ctx, draft: Draft) -> str:
    """The draft, one line per answer, within one message: a description too long for the
    whole to fit (2,000 characters Telegram counts twice, as 𠀀) is shortened with "…"."""
    area = await _area_text(ctx, draft)
    return fill_within(lambda description: _lines(ctx, draft, description, area),
                       draft.description or "", MESSAGE_MAX)


def _lines(ctx: Ctx, draft: Draft, description: str, area: str) -> str:
    lines = [ctx.t("report.summary.title")]
    if draft.category:
        lines.append(ctx.t("report.summary.category",
                           value=ctx.t(f"report.category.{draft.category}")))
    if draft.voice_file_id is not None:  # said in a voice note rather than typed
        description = ctx.t("report.voice.label", seconds=draft.voice_seconds or 0)
    lines.append(ctx.t("report.summary.description", value=description))
    lines.append(ctx.t("report.summary.subject",
                       value=draft.subject or ctx.t("report.summary.none")))
    lines.append(ctx.t("report.summary.place", value=_place_text(ctx, draft)))
    lines.append(ctx.t("report.summary.area", value=area))
    if draft.urgency:
        lines.append(ctx.t("report.summary.urgency",
                           value=ctx.t(f"report.urgency.{draft.urgency}")))
    lines.append(ctx.t("report.summary.photos", count=len(draft.photos)))
    contact = (ctx.t("report.summary.anonymous") if draft.anonymous
               else draft.phone or ctx.t("report.summary.none"))
    lines.append(ctx.t("report.summary.contact", value=contact))
    return "\n".join(lines)


def _place_text(ctx: Ctx, draft: Draft) -> str:
    parts = []
    if draft.latitude is not None and draft.longitude is not None:
        parts.append(ctx.t("report.summary.location_shared"))
    if draft.address:
        parts.append(draft.address)
    return ctx.join(parts, "list.semicolon")


async def _area_text(ctx: Ctx, draft: Draft) -> str:
    if draft.area_id:
        area = await areas.get(ctx.services, draft.area_id)
        if area is not None:
            return area.name
    return draft.area_text or ctx.t("report.summary.not_sure")
