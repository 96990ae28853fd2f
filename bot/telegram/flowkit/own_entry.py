"""Buttons under a saved entry (an aid entry, a logged contact): correct it, or delete it.

`<prefix>:fix:<id>` and `<prefix>:del:<id>`. Anyone can send any callback data, so every
press looks the entry up again: only its author, only while their role still allows it, only
within the correction window. A delete handled again after a crash (the same update, its
delete committed before the answer went out) is answered as the first time: deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from telegram import InlineKeyboardMarkup

from bot.callbacks import Button
from bot.telegram.context import Ctx
from bot.telegram.household_ui import buttons
from storage import flows

E = TypeVar("E")


@dataclass(frozen=True)
class Found(Generic[E]):
    """The presser's own entry; `late` once it may no longer be corrected."""

    entry: E
    late: bool = False


class OwnEntry(Generic[E]):
    """The correct and delete buttons of one kind of entry; a subclass sets the buttons and
    texts, and says how an entry is found, corrected and deleted."""

    fix: ClassVar[Button[int]]
    delete: ClassVar[Button[int]]
    labels: ClassVar[tuple[str, str]]  # catalog keys of the buttons: correct, delete
    too_late_key: ClassVar[str]  # the window has closed
    busy_key: ClassVar[str | None] = None  # set: no correcting in the middle of another flow
    # Set: a delete is asked again first, with these two buttons (their labels under
    # `confirm_labels`, and `kept_key` said when the entry is kept).
    sure: ClassVar[Button[int] | None] = None
    keep: ClassVar[Button[int] | None] = None
    confirm_labels: ClassVar[tuple[str, str]] = ("", "")
    kept_key: ClassVar[str] = ""

    @classmethod
    def keyboard(cls, ctx: Ctx, entry_id: int) -> InlineKeyboardMarkup:
        """The two buttons, shown under the entry just saved."""
        fix, delete = cls.labels
        return buttons([[(ctx.t(fix), cls.fix.data(entry_id)),
                         (ctx.t(delete), cls.delete.data(entry_id))]])

    async def find(self, ctx: Ctx, entry_id: int) -> Found[E] | None:
        """The entry if it is the presser's own and still theirs to change, else None."""
        raise NotImplementedError

    async def correct(self, ctx: Ctx, entry: E) -> None:
        """Start recording the entry again (saving replaces it)."""
        raise NotImplementedError

    async def remove(self, ctx: Ctx, entry: E) -> str:
        """Delete the entry (audited with `ctx.update.update_id`); the catalog key of what to
        tell the presser."""
        raise NotImplementedError

    async def removed_by_this_press(self, ctx: Ctx, entry_id: int) -> str | None:
        """The catalog key `remove` answered if this very update deleted the entry (it is
        being handled again after a crash), else None (also for a kind that cannot tell)."""
        return None

    async def delete_question(self, ctx: Ctx, entry: E) -> str:
        """The question before a delete, naming the entry (only with `sure` and `keep`)."""
        raise NotImplementedError

    def _parse(self, data: str) -> tuple[str, int] | None:
        """Which button was pressed (fix, delete, sure, keep) and the entry's id."""
        for name, button in (("fix", self.fix), ("delete", self.delete),
                             ("sure", self.sure), ("keep", self.keep)):
            parsed = button.parse(data) if button is not None else None
            if parsed is not None:
                return name, parsed[0]
        return None

    def _deleting(self) -> str:
        """The press that deletes: the confirmation, or the delete button without one."""
        return "sure" if self.sure is not None and self.keep is not None else "delete"

    async def on_button(self, ctx: Ctx) -> None:
        """Check the press again, then correct, ask before deleting, delete, or keep."""
        pressed = self._parse(ctx.query.data if ctx.query and ctx.query.data else "")
        found = await self.find(ctx, pressed[1]) if pressed is not None else None
        if pressed is not None and found is None and pressed[0] == self._deleting():
            said = await self.removed_by_this_press(ctx, pressed[1])
            if said is not None:  # handled again after a crash: as the first time
                await ctx.answer()
                await ctx.drop_keyboard()
                await ctx.reply(ctx.t(said))
                return
        if pressed is None or found is None:
            await ctx.answer(ctx.t("error.stale_button"), alert=True)
            return
        action, entry_id = pressed
        if found.late:
            await ctx.answer(ctx.t(self.too_late_key), alert=True)
            return
        if action == "fix" and self.busy_key is not None \
                and await flows.get(ctx.db, ctx.user_id) is not None:
            await ctx.answer(ctx.t(self.busy_key), alert=True)
            return
        await ctx.answer()
        if action == "delete" and self.sure is not None and self.keep is not None:
            # The entry's message keeps its buttons: the question comes below it.
            sure, keep = self.confirm_labels
            await ctx.reply(await self.delete_question(ctx, found.entry), buttons([[
                (ctx.t(sure), self.sure.data(entry_id)),
                (ctx.t(keep), self.keep.data(entry_id))]]))
            return
        await ctx.drop_keyboard()
        if action == "fix":
            await self.correct(ctx, found.entry)
        elif action == "keep":
            await ctx.reply(ctx.t(self.kept_key))
        else:
            await ctx.reply(ctx.t(await self.remove(ctx, found.entry)))
