"""The buttons that come with a report, as (label, callback data) rows.

They are built here, below the chat layer, because both the handlers (replies) and the use
cases (messages queued for other people) attach them. Callback data is only a request: every
press is checked again against the presser's current role and the case (bot/telegram/cases.py).
"""

from __future__ import annotations

from bot.domain.reports import Report, Status
from bot.services.context import Services

CASE_PREFIX = "cs"  # cs:<action>:<report>[:<arg>]
FEEDBACK_PREFIX = "fb"  # fb:ok|more:<report>

Rows = list[list[tuple[str, str]]]


def take(services: Services, lang: str, report: Report, *, assign: bool = False) -> Rows:
    """The Take button (and Assign, for coordinators)."""
    row = [(services.t(lang, "triage.button.take"), f"{CASE_PREFIX}:take:{report.id}")]
    if assign:
        row.append((services.t(lang, "triage.button.assign"), f"{CASE_PREFIX}:asg:{report.id}"))
    return [row]


def take_named(services: Services, lang: str, report: Report) -> Rows:
    """A Take button naming the report, for a card merged with others."""
    return [[(services.t(lang, "triage.button.take_ref", ref=report.ref),
              f"{CASE_PREFIX}:take:{report.id}")]]


def case(services: Services, lang: str, report: Report) -> Rows:
    """The buttons of an open case (none once it is no longer open)."""
    if report.status is not Status.ACKNOWLEDGED:
        return []
    t = services.t
    rid = report.id
    return [
        [(t(lang, "triage.button.note"), f"{CASE_PREFIX}:note:{rid}"),
         (t(lang, "triage.button.msg"), f"{CASE_PREFIX}:msg:{rid}")],
        [(t(lang, "triage.button.res"), f"{CASE_PREFIX}:res:{rid}"),
         (t(lang, "triage.button.ref"), f"{CASE_PREFIX}:ref:{rid}")],
        [(t(lang, "triage.button.rel"), f"{CASE_PREFIX}:rel:{rid}"),
         (t(lang, "triage.button.close"), f"{CASE_PREFIX}:close:{rid}")],
    ]


def reply(services: Services, lang: str, report: Report) -> Rows:
    """The reporter's Reply button under a worker's message."""
    return [[(services.t(lang, "triage.button.reply"), f"{CASE_PREFIX}:reply:{report.id}")]]


def feedback(services: Services, lang: str, report: Report) -> Rows:
    """Did help arrive? Asked of the reporter after a resolve."""
    return [[(services.t(lang, "triage.feedback.ok"), f"{FEEDBACK_PREFIX}:ok:{report.id}"),
             (services.t(lang, "triage.feedback.more"), f"{FEEDBACK_PREFIX}:more:{report.id}")]]
