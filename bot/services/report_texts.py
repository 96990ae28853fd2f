"""How a report is worded for each audience: the card every worker of a community may see,
and the full details for the worker who has the case and for coordinators (need to know)."""

from __future__ import annotations

from bot.domain.lengths import MESSAGE_MAX, fill_within
from bot.domain.reports import CARD_EXCERPT, Report, Status, excerpt, masked_excerpt
from bot.i18n import Html
from bot.services.context import Services
from storage import areas


async def area_name(services: Services, lang: str, report: Report) -> str:
    """The report's community as people know it."""
    if report.area_id is not None:
        area = await areas.get(services.db, report.area_id)
        if area is not None:
            return area.name
    return report.area_text or services.t(lang, "triage.area_unknown")


def voice(services: Services, lang: str, seconds: int | None, *, kept: bool = True,
          on_card: bool = False, coordinator: bool = False) -> str:
    """A description said in a voice note, as every surface words it ("🎤 语音留言（42 秒）"):
    on the untaken card it says how its reader hears it (a worker once they take the case, a
    coordinator by opening it from /cases, at once); once erased or anonymised, that it is
    gone."""
    key = "report.voice.label"
    if on_card:
        key = "report.voice.card_coordinator" if coordinator else "report.voice.card"
    return services.t(lang, key if kept else "report.voice.erased", seconds=seconds or 0)


def words(services: Services, lang: str, report: Report, limit: int, *,
          masked: bool = False, on_card: bool = False, coordinator: bool = False) -> str:
    """The first words of what the reporter said, for lists and cards (masked for people who
    only need to know that help is wanted); a voice note is named, never sent, here."""
    if report.description or report.voice_seconds is None:
        return (masked_excerpt if masked else excerpt)(report.description, limit)
    return voice(services, lang, report.voice_seconds, kept=report.voice_file_id is not None,
                 on_card=on_card, coordinator=coordinator)


async def card(services: Services, lang: str, report: Report, *,
               coordinator: bool = False) -> str:
    """What every notified worker may see: reference, category, urgency, community and a
    short masked excerpt; never the address, location, phone, name or the whole text
    (`coordinator`: the card is for coordinators, who may open the details at once)."""
    return services.t(
        lang, "triage.notice.body", ref=report.ref,
        category=services.t(lang, f"report.category.{report.category}"),
        urgency=services.t(lang, f"report.urgency.{report.urgency}"),
        area=await area_name(services, lang, report),
        description=card_words(services, lang, report, coordinator=coordinator))


def card_words(services: Services, lang: str, report: Report, limit: int = CARD_EXCERPT, *,
               coordinator: bool = False) -> str:
    """What the card says of the report: a masked excerpt, or that there is a voice message
    and, while nobody has the case, how its reader hears it (the voice goes only to whoever
    may see the case's details: the worker who takes it, a coordinator who opens it)."""
    return words(services, lang, report, limit, masked=True,
                 on_card=report.status is Status.NEW, coordinator=coordinator)


def card_line(services: Services, lang: str, report: Report, *,
              coordinator: bool = False) -> str:
    """One line of a merged card: reference, category, urgency, a masked excerpt."""
    return services.t(
        lang, "triage.notice.line", ref=report.ref,
        category=services.t(lang, f"report.category.{report.category}"),
        urgency=services.t(lang, f"report.urgency.{report.urgency}"),
        description=card_words(services, lang, report, 24, coordinator=coordinator))


async def details(services: Services, lang: str, report: Report, heading: str = "") -> str:
    """Everything the worker who has the case (and coordinators) may see, under `heading`
    (a catalog line), in one message: a description too long for the whole to fit (2,000
    characters Telegram counts twice, as 𠀀) is shortened with "…"."""
    area = await area_name(services, lang, report)
    said = report.description or words(services, lang, report, MESSAGE_MAX)
    return fill_within(lambda description: _details(services, lang, report, heading, area,
                                                    description),
                       said, MESSAGE_MAX)


def _details(services: Services, lang: str, report: Report, heading: str, area: str,
             description: str) -> str:
    t = services.t
    lines = [heading] if heading else []
    lines.append(t(lang, "triage.notice.body", ref=report.ref,
                   category=t(lang, f"report.category.{report.category}"),
                   urgency=t(lang, f"report.urgency.{report.urgency}"),
                   area=area, description=description))
    if report.subject:
        lines.append(t(lang, "triage.detail.subject", value=report.subject))
    if report.address:
        lines.append(t(lang, "triage.detail.address", value=report.address))
    if report.latitude is not None:
        lines.append(t(lang, "triage.detail.location"))
    if report.anonymous:
        lines.append(t(lang, "triage.detail.anonymous"))
    elif report.phone:
        lines.append(t(lang, "triage.detail.phone", value=report.phone))
    else:
        lines.append(t(lang, "triage.detail.no_phone"))
    if report.photos:
        lines.append(t(lang, "triage.detail.photos", count=len(report.photos)))
    lines.append(t(lang, f"triage.detail.status.{report.status}"))
    return "\n".join(lines)


def joined(services: Services, lang: str, parts: list[str]) -> Html:
    """Catalog texts (already escaped) joined with the language's list separator."""
    return Html(services.t(lang, "list.separator").join(parts))
