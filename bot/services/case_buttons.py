"""The buttons that come with a report, as (label, callback data) rows.

They are built here, below the chat layer, because both the handlers (replies) and the use
cases (messages queued for other people) attach them; the handlers that answer the presses
(bot/telegram/case_actions.py) parse them with these same declarations. Callback data is only
a request: every press is checked again against the presser's current role and the case.
"""

from __future__ import annotations

from bot.callbacks import CODEC, Int
from bot.domain.reports import Report, Status
from bot.services.context import Services

REPORT_ID = Int(9)  # report ids as the case buttons have always carried them
WORKER_ID = Int(15)  # a Telegram id

CS = CODEC.prefix("cs", "the case buttons (bot/services/case_buttons.py)")
TAKE = CS.button("take", REPORT_ID)  # cs:take:<report>
ASSIGN_MENU = CS.button("asg", REPORT_ID)  # cs:asg:<report>  coordinators: choose a worker
ASSIGN_TO = CS.button("asw", REPORT_ID, WORKER_ID)  # cs:asw:<report>:<worker>
ASSIGN_PAGE = CS.button("asp", REPORT_ID, Int(4))  # cs:asp:<report>:<page>  more workers
VIEW = CS.button("view", REPORT_ID)
RELEASE = CS.button("rel", REPORT_ID)
REPLY = CS.button("reply", REPORT_ID)  # the reporter answers the worker
# The buttons that wait for one typed text about the case (bot/telegram/case_flow.py).
NOTE = CS.button("note", REPORT_ID)
MESSAGE = CS.button("msg", REPORT_ID)
RESOLVE = CS.button("res", REPORT_ID)
REFER = CS.button("ref", REPORT_ID)
CLOSE = CS.button("close", REPORT_ID)

FB = CODEC.prefix("fb", "the reporter's feedback after a resolve (bot/services/case_buttons.py)")
HELPED = FB.button("ok", REPORT_ID)  # fb:ok:<report>
MORE = FB.button("more", REPORT_ID)  # fb:more:<report>

Rows = list[list[tuple[str, str]]]


def take(services: Services, lang: str, report: Report, *, assign: bool = False) -> Rows:
    """The Take button (and Assign, for coordinators)."""
    row = [(services.t(lang, "triage.button.take"), TAKE.data(report.id))]
    if assign:
        row.append((services.t(lang, "triage.button.assign"), ASSIGN_MENU.data(report.id)))
    return [row]


def take_named(services: Services, lang: str, report: Report) -> Rows:
    """A Take button naming the report, for a card merged with others."""
    return [[(services.t(lang, "triage.button.take_ref", ref=report.ref), TAKE.data(report.id))]]


def case(services: Services, lang: str, report: Report) -> Rows:
    """The buttons of an open case (none once it is no longer open)."""
    if report.status is not Status.ACKNOWLEDGED:
        return []
    t = services.t
    rid = report.id
    return [
        [(t(lang, "triage.button.note"), NOTE.data(rid)),
         (t(lang, "triage.button.msg"), MESSAGE.data(rid))],
        [(t(lang, "triage.button.res"), RESOLVE.data(rid)),
         (t(lang, "triage.button.ref"), REFER.data(rid))],
        [(t(lang, "triage.button.rel"), RELEASE.data(rid)),
         (t(lang, "triage.button.close"), CLOSE.data(rid))],
    ]


def reply(services: Services, lang: str, report: Report) -> Rows:
    """The reporter's Reply button under a worker's message."""
    return [[(services.t(lang, "triage.button.reply"), REPLY.data(report.id))]]


def feedback(services: Services, lang: str, report: Report) -> Rows:
    """Did help arrive? Asked of the reporter after a resolve."""
    return [[(services.t(lang, "triage.feedback.ok"), HELPED.data(report.id)),
             (services.t(lang, "triage.feedback.more"), MORE.data(report.id))]]
