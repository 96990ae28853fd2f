"""The buttons that start or correct a logged contact, declared once for all who build them.

Reminders (bot/jobs), /due and the service file (bot/telegram) offer "log this"; the log
flow (bot/telegram/logging_flow.py) answers. Every press is checked again there: the
household must be the presser's own, the contact theirs and recent.
"""

from __future__ import annotations

from bot.callbacks import CODEC, Choice, Day, Int, Maybe
from bot.domain.cadence import ContactKind

QUICK = CODEC.prefix("lq", "quick log from /due, a reminder or a service file")
START_FOR = QUICK.button("", Int(), Maybe(Choice(ContactKind)))  # lq:<household>[:<kind>]

# lp:<household>:<kind>:<first day>:<last day>: log, after the fact, what a missed period
# asked for; a contact dated inside that period meets it (docs/cadence.md, "Status").
PAST = CODEC.prefix("lp", "logging a missed period after the fact, from /due")
FOR_PERIOD = PAST.button("", Int(), Choice(ContactKind), Day(), Day())

CX = CODEC.prefix("cx", "correcting one's own contact")
FIX, DELETE = CX.button("fix", Int()), CX.button("del", Int())
SURE, KEEP = CX.button("sure", Int()), CX.button("keep", Int())  # the delete, confirmed or not
