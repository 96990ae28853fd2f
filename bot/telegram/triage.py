"""Triage: routing reports to workers, the Take button, escalation, and the feature wiring.

Sending here goes to many people at once (workers of an area, coordinators), so every send
survives RetryAfter, TimedOut and Forbidden and never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.domain.people import Person, Role
from bot.domain.reports import Report, Status
from bot.domain.triage import escalation_level_due
from bot.sending import Outcome, Sender
from bot.services.context import Services
from storage import areas, people, reports
from storage import triage as store

if TYPE_CHECKING:
    from datetime import datetime

    from telegram.ext import Application

    from bot.scheduler import TickContext
    from bot.telegram.commands import CommandTable
    from bot.telegram.common import CommonHandlers
    from bot.telegram.flows import FlowRegistry
    from bot.telegram.report import ReportFeature

log = logging.getLogger(__name__)

CASE_PREFIX = "cs"
FEEDBACK_PREFIX = "fb"
ROUTE = "route"
ESCALATION = "escalation"
MAX_ATTEMPTS = 3
MAX_WAIT_SECONDS = 30.0
# The scheduler finishes routing a report only when the submitting handler had time to do it.
ROUTING_GRACE = timedelta(minutes=2)
# An escalation claimed this long ago and not marked sent was cut short by a crash.
UNFINISHED_ESCALATION = timedelta(minutes=5)


def buttons(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline buttons from (label, callback data) rows."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows])


@dataclass(frozen=True)
class Sent:
    """The outcome of one send: the message, or whether the person blocked the bot."""

    message: Message | None
    forbidden: bool = False


async def send(services: Services, bot: Bot, chat_id: int, text: str,
               markup: InlineKeyboardMarkup | None = None) -> Sent:
    """Send one message through the process's pacer, retrying timeouts; never raises."""
    sender = Sender(bot, services.db, services.clock, services.pacer)
    for attempt in range(MAX_ATTEMPTS):
        result = await sender.text(chat_id, text, markup)
        if result.outcome is not Outcome.RETRY:
            return Sent(result.message, forbidden=result.outcome is Outcome.FORBIDDEN)
        await asyncio.sleep(0.5 * (attempt + 1))
    log.warning("message to %s not sent after %d attempts", chat_id, MAX_ATTEMPTS)
    return Sent(None)


async def edit(bot: Bot, chat_id: int, message_id: int, text: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace a message's text (and drop its buttons unless given); failures are logged."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id,
                                        parse_mode=ParseMode.HTML, reply_markup=markup,
                                        disable_web_page_preview=True)
            return
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await asyncio.sleep(min(seconds, MAX_WAIT_SECONDS))
        except TimedOut:
            await asyncio.sleep(0.5 * (attempt + 1))
        except (BadRequest, Forbidden) as exc:
            log.info("notice %s/%s not edited: %s", chat_id, message_id, exc)
            return
        except TelegramError as exc:
            log.warning("notice %s/%s not edited: %s", chat_id, message_id, exc)
            return


class Texts:
    """Catalog texts about a report, in any recipient's language."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def t(self, lang: str, key: str, /, **values: object) -> str:
        """A catalog text."""
        return self.services.catalog.t(lang, key, **values)

    def lang_of_id(self, person: Person | None) -> str:
        """The language of a person (the deployment's when unknown)."""
        return self.services.lang_of(person) if person else self.services.settings.language

    async def area_name(self, lang: str, report: Report) -> str:
        """The report's area as people know it."""
        if report.area_id is not None:
            area = await areas.get(self.services.db, report.area_id)
            if area is not None:
                return area.name
        return report.area_text or self.t(lang, "triage.area_unknown")

    async def public(self, lang: str, report: Report) -> str:
        """What every notified worker may see: never the address, location, phone or name."""
        return self.t(
            lang, "triage.notice.body", ref=report.ref,
            category=self.t(lang, f"report.category.{report.category}"),
            urgency=self.t(lang, f"report.urgency.{report.urgency}"),
            area=await self.area_name(lang, report), description=report.description,
        )

    async def private(self, lang: str, report: Report) -> str:
        """Everything the worker who has the case (and coordinators) may see."""
        lines = [await self.public(lang, report)]
        if report.subject:
            lines.append(self.t(lang, "triage.detail.subject", value=report.subject))
        if report.address:
            lines.append(self.t(lang, "triage.detail.address", value=report.address))
        if report.latitude is not None:
            lines.append(self.t(lang, "triage.detail.location"))
        if report.anonymous:
            lines.append(self.t(lang, "triage.detail.anonymous"))
        elif report.phone:
            lines.append(self.t(lang, "triage.detail.phone", value=report.phone))
        else:
            lines.append(self.t(lang, "triage.detail.no_phone"))
        if report.photos:
            lines.append(self.t(lang, "triage.detail.photos", count=len(report.photos)))
        lines.append(self.t(lang, f"triage.detail.status.{report.status}"))
        return "\n".join(lines)


def take_markup(services: Services, lang: str, report: Report, *,
                assign: bool = False) -> InlineKeyboardMarkup:
    """The Take button (and Assign, for coordinators)."""
    row = [(services.catalog.t(lang, "triage.button.take"), f"{CASE_PREFIX}:take:{report.id}")]
    if assign:
        row.append((services.catalog.t(lang, "triage.button.assign"),
                    f"{CASE_PREFIX}:asg:{report.id}"))
    return buttons([row])


async def coordinator_targets(services: Services) -> list[tuple[int, str]]:
    """(chat id, language) of where coordinators are told: their group, else each one."""
    settings = services.settings
    if settings.coordinator_chat is not None:
        return [(settings.coordinator_chat, settings.language)]
    found = []
    for who in sorted(settings.coordinators):
        person = await people.get(services.db, who)
        found.append((who, services.lang_of(person) if person else settings.language))
    return found


async def route(services: Services, bot: Bot, report: Report, now: datetime, *,
                fresh: bool = False) -> int:
    """Send the report to its area's workers and the coordinators; return how many got it.

    Chats that already have a routing notice of this report are skipped (unless `fresh`, as
    after a release), so finishing an interrupted routing never sends twice.
    """
    db = services.db
    texts = Texts(services)
    done = set() if fresh else await store.notified_chats(db, report.id, ROUTE)
    workers = await store.people_by_ids(db, await store.route_targets(db, report.area_id))
    targets: list[tuple[int, str, bool]] = [
        (who, services.lang_of(person), False) for who, person in workers.items()
        if person.reachable
    ]
    targets += [(chat, lang, True) for chat, lang in await coordinator_targets(services)]
    count = 0
    for chat_id, lang, coordinators in targets:
        if chat_id in done or (chat_id == report.reporter_id and not coordinators):
            continue
        text = texts.t(lang, "triage.notice.new") + "\n" + await texts.public(lang, report)
        sent = await send(services, bot, chat_id, text,
                          take_markup(services, lang, report, assign=coordinators))
        if sent.message is not None:
            await store.record_notice(db, report.id, chat_id, sent.message.message_id, ROUTE,
                                      now)
            count += 1
    await store.mark_routed(db, report.id, now)
    return count


async def settle(services: Services, bot: Bot, report: Report, taker: Person | None) -> None:
    """Edit every notice of the report to say who has it, without the button."""
    texts = Texts(services)
    name = taker.display_name if taker else "?"
    for notice in await store.notices(services.db, report.id):
        lang = services.settings.language
        if notice.chat_id > 0:
            lang = texts.lang_of_id(await people.get(services.db, notice.chat_id))
        text = (await texts.public(lang, report) + "\n"
                + texts.t(lang, "triage.notice.taken_by", name=name))
        await edit(bot, notice.chat_id, notice.message_id, text)
    await store.settle_notices(services.db, report.id)


async def send_details(services: Services, bot: Bot, chat_id: int, lang: str,
                       report: Report, heading: str) -> None:
    """Give the worker who has the case everything: text, location pin and photos."""
    from bot.telegram.cases import case_markup  # the case buttons live with case work

    texts = Texts(services)
    text = heading + "\n" + await texts.private(lang, report)
    await send(services, bot, chat_id, text, case_markup(services, lang, report))
    try:
        if report.latitude is not None and report.longitude is not None:
            await bot.send_location(chat_id, report.latitude, report.longitude)
        for file_id in report.photos:
            await bot.send_photo(chat_id, file_id)
    except TelegramError as exc:
        log.warning("details of %s not fully sent to %s: %s", report.ref, chat_id, exc)


async def tell_reporter(services: Services, bot: Bot, report: Report, key: str,
                        markup: InlineKeyboardMarkup | None = None, **values: object) -> Sent:
    """Send the reporter a text about their report, in their language."""
    person = await people.get(services.db, report.reporter_id)
    lang = Texts(services).lang_of_id(person)
    text = services.catalog.t(lang, key, ref=report.ref, **values)
    return await send(services, bot, report.reporter_id, text, markup)


async def tell_coordinators(services: Services, bot: Bot, key: str,
                            markup_for: object = None, **values: object) -> None:
    """Send every coordinator target a text."""
    for chat_id, lang in await coordinator_targets(services):
        await send(services, bot, chat_id, services.catalog.t(lang, key, **values))


# -- scheduled jobs ---------------------------------------------------------------------


async def finish_routing(tick: TickContext) -> None:
    """Route reports whose routing was interrupted (committed, then the process died)."""
    services = tick.services
    for report in await store.unrouted(services.db, tick.now - ROUTING_GRACE):
        if report.status is Status.NEW:
            await route(services, tick.bot, report, tick.now)
        else:
            await store.mark_routed(services.db, report.id, tick.now)


async def escalate(tick: TickContext) -> None:
    """Tell coordinators about reports nobody took in time; each level goes out once."""
    services = tick.services
    settings = services.settings
    texts = Texts(services)
    for report in await store.waiting(services.db):
        level = escalation_level_due(report.urgency, report.created_at, tick.now,
                                     settings.escalate_urgent_minutes,
                                     settings.escalate_other_minutes)
        if level <= report.escalation_level:
            continue
        if not await store.claim_escalation(services.db, report.id, level, tick.now):
            continue
        await _send_escalation(tick, texts, report, level)
    # Alerts claimed by a run that died before finishing them go out now (at least once).
    for report_id, level in await store.reclaim_unfinished_escalations(
            services.db, tick.now, UNFINISHED_ESCALATION):
        found = await reports.get(services.db, report_id)
        if found is not None:
            await _send_escalation(tick, texts, found, level)


async def _send_escalation(tick: TickContext, texts: Texts, report: Report, level: int) -> None:
    """Alert every coordinator about one level of one report, then mark it done."""
    services = tick.services
    minutes = int((tick.now - report.created_at).total_seconds() // 60)
    for chat_id, lang in await coordinator_targets(services):
        text = (texts.t(lang, f"triage.escalation.level{level}", ref=report.ref,
                        waited=_waited(services, lang, minutes))
                + "\n" + await texts.public(lang, report))
        sent = await send(services, tick.bot, chat_id, text,
                          take_markup(services, lang, report, assign=True))
        if sent.message is not None:
            await store.record_notice(services.db, report.id, chat_id,
                                      sent.message.message_id, ESCALATION, tick.now)
    await store.finish_escalation(services.db, report.id, level)


def _waited(services: Services, lang: str, minutes: int) -> str:
    if minutes < 120:
        return services.catalog.t(lang, "triage.minutes", count=minutes)
    return services.catalog.t(lang, "triage.hours", count=minutes // 60)


# -- the feature ------------------------------------------------------------------------


class TriageFeature:
    """Onboarding, routing, case work and escalation; hooks into the report flow."""

    def __init__(self, reports_feature: ReportFeature) -> None:
        self.reports_feature = reports_feature

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flow_registry: FlowRegistry, common: CommonHandlers) -> None:
        """Add commands, flows, buttons, the deep-link handler and the after-submit hook."""
        from bot.telegram.cases import register_cases
        from bot.telegram.onboarding import register_onboarding

        register_onboarding(app, table, flow_registry, common)
        register_cases(app, table, flow_registry, common)
        flow = self.reports_feature.flow
        if flow is None:
            raise RuntimeError("the report feature must be registered before triage")

        async def after_submit(ctx: object, report: Report) -> None:
            from bot.telegram.context import Ctx

            assert isinstance(ctx, Ctx)
            await route(ctx.services, ctx.context.bot, report, ctx.now)

        flow.after_submit.append(after_submit)


async def load(services: Services, report_id: int) -> Report | None:
    """A report by id."""
    return await reports.get(services.db, report_id)


__all__ = ["Role", "TriageFeature", "escalate", "finish_routing", "route", "send"]
