"""The table of commands: who may use each and what runs; /help and menus derive from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain.access import permits
from bot.domain.people import Role
from bot.telegram.context import Ctx, Handler


def allowed(role: Role, needed: Role) -> bool:
    """Whether `role` may use a command for `needed` (the access table's ranking)."""
    return permits(role, needed)


@dataclass(frozen=True)
class Command:
    """A slash command: its name, the least role that may use it, and its handler."""

    name: str
    role: Role
    run: Handler
    button: bool = True  # offered as a button on /start
    order: int = 50  # place in menus and /help: the most used first


StartPayload = Callable[[Ctx, str], Awaitable[bool]]


class CommandTable:
    """All commands in menu order, plus the handlers of `/start <payload>` deep links."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self.start_payloads: list[StartPayload] = []

    def add(self, command: Command) -> None:
        """Register a command (names are unique)."""
        if command.name in self._commands:
            raise ValueError(f"command /{command.name} registered twice")
        self._commands[command.name] = command

    def get(self, name: str) -> Command | None:
        """The command called `name`, if any."""
        return self._commands.get(name)

    def for_role(self, role: Role) -> list[Command]:
        """The commands a role may use, in menu order."""
        found = [c for c in self._commands.values() if allowed(role, c.role)]
        return sorted(found, key=lambda c: c.order)

    def all(self) -> list[Command]:
        """Every command."""
        return list(self._commands.values())
