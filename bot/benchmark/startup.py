"""Start-up cost: `ScenarioLibrary.load` on a folder of `count` scenarios (copies of the shipped ones
under new ids), the way a course with many scenarios starts."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

from state_machines.library import ScenarioLibrary

_ID = re.compile(r"^id:\s*(\S+)\s*$", re.MULTILINE)


def make_copies(source: Path, target: Path, count: int) -> list[str]:
    """Write `count` scenario files into `target`, copies of `source`'s with ids `<id>-copy-<n>`."""
    originals = sorted(p for p in source.glob("*.yaml") if not p.name.endswith(".test.yaml"))
    if not originals:
        raise ValueError(f"no scenarios in {source}")
    ids = []
    for n in range(count):
        text = originals[n % len(originals)].read_text(encoding="utf-8")
        match = _ID.search(text)
        if match is None:
            raise ValueError(f"{originals[n % len(originals)]}: no top-level id")
        new_id = f"{match.group(1).strip(chr(34) + chr(39))}-copy-{n:03d}"
        (target / f"{new_id}.yaml").write_text(text[: match.start(1)] + new_id + text[match.end(1):],
                                               encoding="utf-8")
        ids.append(new_id)
    return ids


def measure_startup(source: Path, count: int = 50, repeat: int = 3) -> dict[str, Any]:
    """Best-of-`repeat` seconds to load `count` scenarios (parse, validate, build one Machine each)."""
    with tempfile.TemporaryDirectory(prefix="mi-bench-scenarios-") as folder:
        make_copies(source, Path(folder), count)
        times = []
        loaded = 0
        problems = 0
        for _ in range(repeat):
            start = time.perf_counter()
            library, found = ScenarioLibrary.load(folder)
            times.append(time.perf_counter() - start)
            loaded, problems = len(library), len(found)
    return {
        "scenarios": count,
        "loaded": loaded,
        "problems": problems,
        "best_s": round(min(times), 4),
        "worst_s": round(max(times), 4),
        "repeat": repeat,
    }


__all__ = ["make_copies", "measure_startup"]
