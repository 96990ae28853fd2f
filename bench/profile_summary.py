"""Summarise py-spy's raw (collapsed stack) samples: where the CPU went.

Run: python bench/profile_summary.py FILE [--top 25]

Prints the share of samples spent in each function itself (self) and in each function with
everything it called (total), for the functions that matter most.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r"\s*\(([^)]*?)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    """`function (path/to/file.py:123)` → `function (file.py)`, the line left out."""
    match = _LINE.search(frame)
    if match is None:
        return frame.strip()
    where = match.group(1).rsplit("/", 2)
    return f"{frame[:match.start()].strip()} ({'/'.join(where[-2:])})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in args.file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [frame_name(f) for f in stack.split(";")]
        # py-spy names each thread first; idle threads were left out by its default.
        weight = int(count)
        samples += weight
        own[frames[-1]] += weight
        for name in set(frames):
            total[name] += weight
    print(f"{samples} samples")
    for title, counter in (("self", own), ("total (with callees)", total)):
        print(f"\n{title}:")
        for name, count in counter.most_common(args.top):
            print(f"  {100 * count / samples:5.1f}%  {name}")


if __name__ == "__main__":
    main()
