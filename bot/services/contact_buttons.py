"""The buttons that start or correct a logged contact, declared once for all who build them.

Reminders (bot/jobs), /due and the service file (bot/telegram) offer "log this"; the log
flow (bot/telegram/logging_flow.py) answers. Every press is checked again there: the
household must be the presser's own, the contact theirs and recent.
"""

from __future__ import annotations

from bot.callbacks import CODEC, Choice, Int, Maybe
from bot.domain.cadence import ContactKind

QUICK = CODEC.prefix("lq", "quick log from /due, a reminder or a service file")
START_FOR = QUICK.button("", Int(), Maybe(Choice(ContactKind)))  # lq:<household>[:<kind>]

CX = CODEC.prefix("cx", "correcting one's own contact")
FIX, DELETE = CX.button("fix", Int()), CX.button("del", Int())
