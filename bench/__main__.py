"""Run benchmarks by name: `python -m bench tickets -- --tickets 10000`, or all with no name.

Each bench/<name>_bench.py module offers `main(argv)`; arguments after the name go to it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(p.name.removesuffix("_bench.py")
                  for p in Path(__file__).parent.glob("*_bench.py"))


def main(argv: list[str]) -> None:
    names = available()
    if argv and argv[0] in ("-h", "--help"):
        print(f"usage: python -m bench [{'|'.join(names)}] [options of that bench]")
        return
    if argv and argv[0] not in names:
        sys.exit(f"unknown benchmark {argv[0]!r}; available: {', '.join(names)}")
    chosen, rest = ([argv[0]], argv[1:]) if argv else (names, [])
    for name in chosen:
        importlib.import_module(f"bench.{name}_bench").main(rest)


if __name__ == "__main__":
    main(sys.argv[1:])
