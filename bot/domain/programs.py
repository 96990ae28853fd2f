"""Defining programs as data: which contact kind is owed in which calendar period."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.cadence import ContactKind, Program, program_from_data
from bot.domain.periods import PeriodKind

NAME_MAX = 40
# The kinds a program can oblige ("other" is logged but never owed).
OBLIGED_KINDS = (ContactKind.CALL, ContactKind.VISIT, ContactKind.DEED)
# Pressing a kind's button steps through: not owed → monthly → … → yearly → not owed.
_CYCLE: tuple[PeriodKind | None, ...] = (None, PeriodKind.MONTH, PeriodKind.QUARTER,
                                         PeriodKind.HALF_YEAR, PeriodKind.YEAR)

Selection = Mapping[str, str | None]  # contact kind -> period kind (or None: not owed)


def next_period(current: str | None) -> str | None:
    """The period a kind's button moves to on the next press."""
    values = [p.value if p else None for p in _CYCLE]
    index = values.index(current) if current in values else 0
    return values[(index + 1) % len(values)]


def rules_of(selection: Selection) -> list[dict[str, str]]:
    """The chosen obligations as program data, in the usual order of kinds."""
    return [{"kind": kind.value, "period": str(selection[kind.value])}
            for kind in OBLIGED_KINDS if selection.get(kind.value)]


def build(name: str, selection: Selection) -> Program:
    """Check a new program; ValueError when it has no obligation or a bad period."""
    return program_from_data(0, name.strip(), rules_of(selection))


def selection_of(program: Program) -> dict[str, str | None]:
    """A program's obligations as a kind → period mapping."""
    chosen: dict[str, str | None] = {kind.value: None for kind in OBLIGED_KINDS}
    for rule in program.rules:
        chosen[rule.kind.value] = rule.period.value
    return chosen
