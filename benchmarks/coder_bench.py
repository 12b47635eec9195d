"""Coder throughput benchmark (not a test): replies per second on one core, and the model's load time.

Usage:  .venv/bin/python benchmarks/coder_bench.py [--seconds 5]

Measured in CPU time of this process (one thread), so other load on the machine does not distort it, after
one untimed pass over the replies (a coder in use: the first sighting of a word compiles what it needs once).
Replies: the Danish and English dev sets (learner replies with their client lines) and the first 1,000 AnnoMI therapist
utterances (English, longer) when ../shared/data is there. Each `Coder.code` call does the full work the
bot does per turn: language detection, the rules (evidence) and the model (primary code). Load time is the
best of five fresh reads of the weights file (gzip + JSON + packing), in a process that has already
imported the package.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.coder import Coder  # noqa: E402
from bot.coder.evaluation import load_seconds, read_labelled, speed  # noqa: E402
from bot.coder.training import ANNOMI, DA_DEV, EN_DEV, load_annomi  # noqa: E402


def _at_least_one(value: str) -> int:
    """A whole number of 1 or more (argparse type): an empty set of replies has no rate."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Coder throughput benchmark")
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per run (default 5)")
    parser.add_argument("--runs", type=_at_least_one, default=3, help="runs; the median is reported (default 3)")
    parser.add_argument("--limit", type=_at_least_one, default=None,
                        help="at most this many replies per set (default: all)")
    args = parser.parse_args(argv)
    started = time.process_time()
    coder = Coder()
    first_load = time.process_time() - started
    if coder.model is None:
        print("no shipped weights: run scripts/train_coder.py", file=sys.stderr)
        return 1
    sets = {"danish (da_dev)": [(c.text, c.context) for c in read_labelled(DA_DEV, "da")],
            "english (en_dev)": [(c.text, c.context) for c in read_labelled(EN_DEV, "en")]}
    if ANNOMI.exists():
        sets["english (AnnoMI)"] = [(s.text, s.context) for s in load_annomi(ANNOMI)[:1000]]
    rules = Coder(model=None)
    for name, replies in sets.items():
        replies = replies[:args.limit]
        chars = sum(len(text) for text, _ in replies) / len(replies)
        model_rate = statistics.median(speed(coder, replies, args.seconds) for _ in range(args.runs))
        rules_rate = statistics.median(speed(rules, replies, args.seconds / 2) for _ in range(args.runs))
        print(f"{name}: {len(replies)} replies, {chars:.0f} chars on average: "
              f"{model_rate:,.0f} replies/s (rules only {rules_rate:,.0f}/s)")
    print(f"model load: {load_seconds(repeats=5):.3f} s (best of 5); first Coder() incl. lexicons: {first_load:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
