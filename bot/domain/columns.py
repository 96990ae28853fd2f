"""The digest's obligations as columns: every household's marks (bot/domain/marks.py) held as
a few integers per household and programme rule, so the digest's figures are counted over
arrays (numpy) rather than household by household in Python.

What the digest's figures need of one household under one programme rule is: which periods
of the rule's window are owed (a mask) and met (bits), who answers for the running period and
for the last one (and that pairing), and the household's name and community. Most households
have one tenure per programme: then what is owed is one run of periods, found for all of them
at once by two sorted searches (the same rule as `marks.Owing`'s). Households of several
tenures are worked out by `marks.Owing`, once per shape: the engine only compares days, so
households whose tenures' days compare alike (with each other and with the window's edges)
owe alike, each with its own workers.

Rows are kept in the order the engine gives obligations (household, programme, rule), so the
figures that list things in the order they first came list them alike. Pure: today and every
household are passed in. numpy is imported on first use, here and in the tallies that count
the columns (digest.py, coverage.py), as bot/charts imports matplotlib: imported at start it
would add 15 MB to every process, the reminder run's peak among them.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from bot.domain import marks as mk
from bot.domain.cadence import Program, Rule, Tenure, latest_owing_start

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]

T = TypeVar("T", bound=Hashable)
NO_END = date.max.toordinal() + 1  # an open tenure's end, as an ordinal: after any period
NOBODY = -1  # in a worker or pairing column: the period is not owed


@dataclass(frozen=True, slots=True)
class Houses:
    """The households folded, by their place in the fold (the `house` column): ids and
    names, and communities as codes (a hundred thousand households, a few dozen of them)."""

    ids: array[int]
    names: list[str]
    area: array[int]  # each household's community, by its code
    areas: list[tuple[int | None, str | None]]  # (id, name) by code

    def house(self, h: int) -> tuple[int, str, int | None, str | None]:
        """The household at place h: id, name, community id and name (a Holder's first four)."""
        area_id, area_name = self.areas[self.area[h]]
        return self.ids[h], self.names[h], area_id, area_name

    def by_area(self, value: Callable[[str | None], T]) -> tuple[Ints, list[T]]:
        """A value of each household's community name as a code per household, and the
        values by their code."""
        import numpy as np
        coded, values = codes([value(name) for _, name in self.areas])
        return np.array(coded, dtype=np.int64)[np.frombuffer(self.area, dtype=np.int64)], values


@dataclass(frozen=True)
class Lane:
    """One programme rule's rows: a row per household that owes it something, in the engine's
    order (`seq`: the household under the programme's place in the fold)."""

    program_id: int
    program_name: str
    rule: Rule
    place: int  # the rule's place among its programme's rules
    frame: mk.Window
    seq: Ints
    house: Ints  # the row's household, by its place in Houses
    owed: Ints  # bit i: window period i is owed
    met: Ints  # bit i: window period i is owed and met
    now_worker: Ints  # who answers for the running period (NOBODY: not owed)
    last_worker: Ints  # who answers for the period before it (NOBODY: not owed)
    last_pairing: Ints  # the pairing of the period before it (NOBODY: not owed)

    def __len__(self) -> int:
        """How many households owe this rule something."""
        return len(self.seq)

    def bit(self, index: int) -> tuple[Ints, Ints]:
        """Per row, whether window period `index` is owed and whether it is met (0 or 1)."""
        return self.owed >> index & 1, self.met >> index & 1


@dataclass(frozen=True)
class Columns:
    """Every household's marks as columns: the households, a lane per programme rule (by
    programme, then rule), and every worker who answers for any period owed."""

    today: date
    houses: Houses
    lanes: list[Lane]
    workers: set[int]


# One programme's rules as a fold counts them: rule, window, its column among the bits.
Plan = list[tuple[Rule, mk.Window, int]]


class _Program:
    """What the fold gathers of one programme: households of one tenure as six integers
    each, households of several as they come (made into _Shapes at the end)."""

    def __init__(self, program: Program, plan: Plan) -> None:
        self.program = program
        self.plan = plan
        # Six integers per household (seq, place, worker, pairing, start and end days), and
        # its bits: machine integers, not a hundred thousand tuples of Python ones.
        self.single = array("q")
        self.single_bits = array("q")
        # seq, household, the tenures (marks.ordered), bits
        self.several: list[tuple[int, int, Sequence[Tenure], Sequence[int]]] = []


class _Shapes:
    """Households of the same number of tenures under a programme, as arrays: their seq and
    place, their tenures' days (starts, then ends; NO_END: open), workers and pairings (a
    column per tenure, in marks.ordered's order), and bits."""

    def __init__(self, rows: Sequence[tuple[int, int, Sequence[Tenure], Sequence[int]]],
                 width: int) -> None:
        import numpy as np
        self.tenures = [tenures for _, _, tenures, _ in rows]
        self.seq = np.array([row[0] for row in rows], dtype=np.int64)
        self.house = np.array([row[1] for row in rows], dtype=np.int64)
        self.days = np.array([[t.started_on.toordinal() for t in tenures]
                              + [NO_END if t.ended_on is None else t.ended_on.toordinal()
                                 for t in tenures] for tenures in self.tenures], dtype=np.int64)
        self.workers = np.array([[t.worker_id for t in tenures] for tenures in self.tenures],
                                dtype=np.int64)
        self.pairings = np.array([[t.pairing_id for t in tenures] for tenures in self.tenures],
                                 dtype=np.int64)
        self.bits = np.array([row[3] for row in rows], dtype=np.int64).reshape(len(rows), width)


class Folding:
    """Households added one by one (as storage reads them), made into Columns at the end."""

    def __init__(self, today: date, plans: Iterable[tuple[Program, Plan]], width: int) -> None:
        self.today = today
        self._width = width  # how many columns of bits each household comes with
        self._programs = {program.id: _Program(program, plan) for program, plan in plans}
        self._owing = mk.Owing(today)
        self._seq = 0
        self._workers: set[int] = set()
        self._areas: dict[tuple[int | None, str | None], int] = {}
        self.houses = Houses(array("q"), [], array("q"), [])

    def add(self, household_id: int, name: str, area_id: int | None, area_name: str | None,
            held: Sequence[tuple[Program, Sequence[Tenure]]], bits: Sequence[int]) -> None:
        """One household: its tenures by programme and its marks (a column per rule)."""
        index = self._house(household_id, name, area_id, area_name)
        for program, tenures in held:
            gathered = self._programs.get(program.id)
            if gathered is None:
                continue
            seq = self._seq
            self._seq += 1
            if len(tenures) == 1:
                tenure = tenures[0]
                end = tenure.ended_on
                gathered.single.extend((seq, index, tenure.worker_id, tenure.pairing_id,
                                        tenure.started_on.toordinal(),
                                        NO_END if end is None else end.toordinal()))
                gathered.single_bits.extend(bits)
            else:
                gathered.several.append((seq, index, mk.ordered(tenures), bits))

    def add_one(self, household_id: int, name: str, area_id: int | None,
                area_name: str | None, program_id: int, worker_id: int, pairing_id: int,
                start: int, end: int | None, bits: Sequence[int]) -> None:
        """A household of one tenure under one programme, as plain values (`add`'s with a
        single tenure): its pairing's worker and id, first day and end (exclusive; None:
        open) as ordinals, and its marks."""
        # _house's, written out: this runs once for most of a hundred thousand households.
        houses = self.houses
        index = len(houses.ids)
        houses.ids.append(household_id)
        houses.names.append(name)
        area = self._areas.get((area_id, area_name))
        if area is None:
            area = self._area((area_id, area_name))
        houses.area.append(area)
        gathered = self._programs.get(program_id)
        if gathered is None:
            return
        gathered.single.extend((self._seq, index, worker_id, pairing_id, start,
                                NO_END if end is None else end))
        gathered.single_bits.extend(bits)
        self._seq += 1

    def _house(self, household_id: int, name: str, area_id: int | None,
               area_name: str | None) -> int:
        """The household put in Houses (its community coded); its place there."""
        houses = self.houses
        index = len(houses.ids)
        houses.ids.append(household_id)
        houses.names.append(name)
        key = (area_id, area_name)
        area = self._areas.get(key)
        houses.area.append(self._area(key) if area is None else area)
        return index

    def _area(self, key: tuple[int | None, str | None]) -> int:
        """A community met for the first time: its code."""
        area = self._areas[key] = len(self.houses.areas)
        self.houses.areas.append(key)
        return area

    def columns(self) -> Columns:
        """Every household added, as columns."""
        import numpy as np
        lanes: list[Lane] = []
        for gathered in self._programs.values():
            single = np.frombuffer(gathered.single, dtype=np.int64).reshape(-1, 6)
            bits = np.frombuffer(gathered.single_bits, dtype=np.int64).reshape(
                len(single), self._width)
            by_count: dict[int, list[tuple[int, int, Sequence[Tenure], Sequence[int]]]] = {}
            for row in gathered.several:
                by_count.setdefault(len(row[2]), []).append(row)
            shapes = [_Shapes(rows, self._width) for rows in by_count.values()]
            for place, (rule, frame, column) in enumerate(gathered.plan):
                several = np.concatenate([self._owed_alike(shape, frame, column)
                                          for shape in shapes] or [np.zeros((0, 7), np.int64)])
                lane = self._lane(gathered.program, rule, place, frame, single,
                                  bits[:, column], several)
                if len(lane):
                    lanes.append(lane)
        lanes.sort(key=lambda lane: (lane.program_id, lane.place))
        return Columns(self.today, self.houses, lanes, self._workers)

    def _owed_alike(self, shapes: _Shapes, frame: mk.Window, column: int) -> Ints:
        """What households of several tenures owe over a window, as a Lane's columns (a row
        each, seq first). The engine only compares days (the tenures' with each other and
        with the window's owing starts, ends, last days and today): households whose days
        compare alike owe alike, so marks.Owing works out one household of each such shape
        and the others take its answer, their own workers in its places."""
        import numpy as np
        today = self.today.toordinal()
        # (Owing caps an owing start at today: today is among them, so the cap is too.)
        bounds = np.unique(np.array(
            [today] + [latest_owing_start(p).toordinal() for p in frame.periods]
            + [p.end.toordinal() for p in frame.periods] + [d.toordinal() for d in frame.last_days],
            dtype=np.int64))
        days = shapes.days
        count = days.shape[1]
        # Each day's place among the bounds (before, on, or after each), and each pair of
        # the household's own days compared.
        shape = np.column_stack(
            [np.searchsorted(bounds, days, side="left"),
             np.searchsorted(bounds, days, side="right")]
            + [np.sign(days[:, i] - days[:, j])
               for i in range(count) for j in range(i + 1, count)])
        # Each row as one value of its bytes: grouped alike, ten times faster than by axis.
        rows_ = np.ascontiguousarray(shape, dtype=np.int16)
        _, first, inverse = np.unique(rows_.view(np.dtype((np.void, rows_.shape[1] * 2))),
                                      return_index=True, return_inverse=True)
        found = [self._owing(shapes.tenures[n], frame) for n in first.tolist()]
        owed = np.array([o.mask for o in found], dtype=np.int64)[inverse.ravel()]
        at = np.array([o.at for o in found], dtype=np.int64)[inverse.ravel()]
        rows = np.arange(len(at))[:, None]
        self._workers.update(np.unique(shapes.workers[rows, at][at != mk.NOT_OWED]).tolist())

        def who(values: Ints, index: int) -> Ints:
            """Per row, the value of the tenure answering for window period `index`."""
            if index < 0:
                return np.full(len(at), NOBODY, dtype=np.int64)
            place = at[:, index]
            return np.where(place != mk.NOT_OWED, values[rows[:, 0], place], NOBODY)

        now = at.shape[1] - 1
        return np.column_stack([
            shapes.seq, shapes.house, owed, shapes.bits[:, column] & owed,
            who(shapes.workers, now), who(shapes.workers, now - 1),
            who(shapes.pairings, now - 1)]).astype(np.int64)

    def _lane(self, program: Program, rule: Rule, place: int, frame: mk.Window,
              single: Ints, bits: Ints, others: Ints) -> Lane:
        """One programme rule's lane: single tenures owed in bulk, then every row in order."""
        import numpy as np
        owed = owed_runs(frame, self.today, single[:, 4], single[:, 5])
        now = len(frame.periods) - 1
        worker, pairing = single[:, 2], single[:, 3]
        now_worker = np.where(owed >> now & 1, worker, NOBODY)
        last_owed = owed >> (now - 1) & 1 if now else np.zeros_like(owed)
        last_worker = np.where(last_owed, worker, NOBODY)
        last_pairing = np.where(last_owed, pairing, NOBODY)
        seq = np.concatenate([single[:, 0], others[:, 0]])
        order = np.argsort(seq, kind="stable")
        columns = [np.concatenate(pair)[order] for pair in (
            (seq[:len(single)], others[:, 0]), (single[:, 1], others[:, 1]),
            (owed, others[:, 2]), (bits & owed, others[:, 3]),
            (now_worker, others[:, 4]), (last_worker, others[:, 5]),
            (last_pairing, others[:, 6]))]
        keep = columns[2] != 0
        seq_, house, owed_, met, now_worker, last_worker, last_pairing = (
            c[keep] for c in columns)
        self._workers.update(np.unique(worker[owed != 0]).tolist())
        return Lane(program.id, program.name, rule, place, frame, seq_, house, owed_, met,
                    now_worker, last_worker, last_pairing)


def codes(values: Sequence[T]) -> tuple[list[int], list[T]]:
    """Values (one per row) as small integers, and the values by their code."""
    known: dict[T, int] = {}
    coded = [known.setdefault(value, len(known)) for value in values]
    return coded, list(known)


def owed_runs(frame: mk.Window, today: date, starts: Ints, ends: Ints) -> Ints:
    """What single tenures (start and end days as ordinals; NO_END: open) owe over the window,
    as masks: marks.Owing's run, from the first period whose latest owing start the tenure
    began by to the last that ends by its end, for all of them at once."""
    import numpy as np
    owing_starts = np.array([min(latest_owing_start(p), today).toordinal()
                             for p in frame.periods], dtype=np.int64)
    period_ends = np.array([p.end.toordinal() for p in frame.periods], dtype=np.int64)
    first = np.searchsorted(owing_starts, starts, side="left").astype(np.int64)
    last = np.searchsorted(period_ends, ends, side="right").astype(np.int64) - 1
    one = np.int64(1)
    runs = (np.left_shift(one, last + 1) - 1) ^ (np.left_shift(one, first) - 1)
    return np.where(first <= last, runs, 0).astype(np.int64)
