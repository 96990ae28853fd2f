"""/audit: coordinators read who looked at or changed what, latest first, a page at a time.

`/audit` lists everything; `/audit <name or id>` one person's doings; `/audit 户 <name>` (or
`/audit household <name>`) everything about one household. Page buttons: au:<filter>:b<id>
with filter a (all), p<id> (person) or h<id> (household), and the entries before entry <id>
(not an offset: the look recorded by each page would shift it); checked on every press.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler

from bot.callbacks import CODEC, Pattern
from bot.domain.access import Action
from bot.domain.people import Role
from bot.services import audit as trail
from bot.telegram.commands import Command, CommandTable
from bot.telegram.common import CommonHandlers
from bot.telegram.context import Ctx, handler
from bot.telegram.flows import FlowRegistry
from bot.telegram.format import local_time
from bot.telegram.keyboards import optional

AU = CODEC.prefix("au", "/audit")
# au:<filter>:b<entry id>, the filter a (all), p<person id> or h<household id>; the entries
# before that one. Buttons of earlier releases (an offset, no "b") are answered as stale.
PAGE = AU.button("", Pattern(r"a|[ph][0-9]{1,16}", 17), Pattern(r"b[0-9]{1,12}", 13))
BEFORE = "b"
HOUSEHOLD_WORDS = ("户", "household")


async def audit_command(ctx: Ctx) -> None:
    """/audit [person | 户 household]: the audit trail, latest first."""
    text = ctx.message.text if ctx.message and ctx.message.text else ""
    query = text.split(maxsplit=1)[1].strip()[:40] if len(text.split(maxsplit=1)) > 1 else ""
    if not query:
        await show(ctx, "a")
        return
    word, _, rest = query.partition(" ")
    if word.lower() in HOUSEHOLD_WORDS and rest.strip():
        household = await trail.household_named(ctx.services, rest.strip())
        if household is None:
            await ctx.reply(ctx.t("audit.not_found", query=rest.strip()))
            return
        await show(ctx, f"h{household}")
        return
    person = await trail.person_named(ctx.services, query)
    if person is None:
        await ctx.reply(ctx.t("audit.not_found", query=query))
        return
    await show(ctx, f"p{person}")


async def on_button(ctx: Ctx) -> None:
    """au:<filter>:b<entry id> — coordinators only, checked at press time."""
    if not await ctx.may(Action.TRAIL_READ):
        await ctx.answer(ctx.t("error.needs_role.coordinator"), alert=True)
        return
    pressed = PAGE.parse(ctx.query.data if ctx.query and ctx.query.data else "")
    if pressed is None:
        await ctx.answer(ctx.t("error.stale_button"), alert=True)
        return
    await ctx.answer()
    chosen, before = pressed
    await show(ctx, chosen, int(before.removeprefix(BEFORE)))


async def show(ctx: Ctx, chosen: str, before: int | None = None) -> None:
    """One page of the trail for a filter (a, p<id> or h<id>): the newest entries, or those
    before the entry `before`."""
    actor = int(chosen[1:]) if chosen.startswith("p") else None
    household = int(chosen[1:]) if chosen.startswith("h") else None
    found = await trail.page(ctx.services, ctx.lang, actor_id=actor, household_id=household,
                             before=before)
    await trail.note(ctx.services, ctx.user_id, "view.audit", "audit", chosen,
                     {"before": before} if before is not None else {})
    if not found.lines:
        await ctx.reply(ctx.t("audit.empty"))
        return
    tz = ctx.services.settings.timezone
    lines = [ctx.t("audit.title")]
    lines += [ctx.t("audit.line", when=local_time(line.entry.at, tz, "%m-%d %H:%M"),
                    who=line.actor_name or ctx.t("audit.system"), action=line.action,
                    what=line.about) for line in found.lines]
    rows = []
    if found.older is not None:  # the filter chosen goes on to the next page
        rows.append([(ctx.t("audit.more"), PAGE.data(chosen, f"{BEFORE}{found.older}"))])
    await ctx.reply("\n".join(lines), optional(rows))


class AuditFeature:
    """/audit for coordinators."""

    def register(self, app: Application, table: CommandTable,  # type: ignore[type-arg]
                 flows: FlowRegistry, common: CommonHandlers) -> None:
        """Add the command and its page buttons."""
        table.add(Command("audit", Role.COORDINATOR, audit_command, order=67))
        app.add_handler(CallbackQueryHandler(handler(on_button), pattern=f"^{AU.name}:"))
