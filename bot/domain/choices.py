"""Which button a typed answer names: taken only when it names exactly one, never guessed.

A person may type instead of tapping ("不着急", "2", "visit"). The typed text is compared with
the buttons' labels as shown (emoji and punctuation aside, full-width as half-width, case
ignored). It names a choice when it is a label, a label's number (where numbers are shown),
or a part of exactly one label, read with the label's negation: "着急" is in "不着急" only
after its 不, so it does not name "not urgent" (it means the opposite); "不急" does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

C = TypeVar("C")

# Words that turn what follows them into its opposite: "不着急", "没人照顾", "not urgent".
NEGATIONS = frozenset({"不", "没", "别", "无", "非", "未", "勿",
                       "not", "no", "non", "never", "without", "dont", "isnt"})

# One unit is one Han character or one word of letters and digits (the words of a Latin
# label, the characters of a Chinese one: Chinese is written without spaces).
_UNIT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+")


@dataclass(frozen=True)
class Picked(Generic[C]):
    """What a typed answer names: `choice`, or None; `unclear` when it is part of some labels
    but names none of them alone (several have it, or only with a negation before it), so
    the question is best asked again with its buttons."""

    choice: C | None = None
    unclear: bool = False


def units(text: str | None) -> tuple[str, ...]:
    """The text as compared: full-width as half-width, lower case, no emoji or punctuation,
    in units (a Han character, or a word)."""
    plain = unicodedata.normalize("NFKC", text or "").casefold().replace("'", "")
    return tuple(_UNIT.findall(plain))


def pick(typed: str | None, labels: Sequence[tuple[C, str]], *,
         numbered: bool = False) -> Picked[C]:
    """The choice `typed` names among `labels` (each choice with its label, in the order
    shown; `numbered`: "1" is the first)."""
    said = units(typed)
    if not said:
        return Picked()
    if numbered and len(said) == 1 and said[0].isascii() and said[0].isdigit():
        number = int(said[0])
        return Picked(labels[number - 1][0]) if 1 <= number <= len(labels) else Picked()
    exact = {choice for choice, label in labels if units(label) == said}
    if len(exact) == 1:
        return Picked(exact.pop())
    negated, core = _split_negation(said)
    if not core:
        return Picked()
    named, seen = [], False
    for choice, label in labels:
        found = _occurrences(units(label), core)
        seen = seen or bool(found)
        if any(inverted == negated for inverted in found) and choice not in named:
            named.append(choice)
    if len(named) == 1:
        return Picked(named[0])
    return Picked(unclear=seen)


def _split_negation(said: tuple[str, ...]) -> tuple[bool, tuple[str, ...]]:
    """Whether the text begins with a negation, and what it negates."""
    if said[0] in NEGATIONS:
        return True, said[1:]
    return False, said


def _occurrences(label: tuple[str, ...], core: tuple[str, ...]) -> list[bool]:
    """Where `core` is in `label`, as consecutive units: for each place, whether a negation
    comes before it in the label (then it means the opposite there)."""
    width = len(core)
    return [any(unit in NEGATIONS for unit in label[:start])
            for start in range(len(label) - width + 1)
            if label[start:start + width] == core]
