"""`mi-trainer bench` with small N: the harness runs every part without errors or lost turns, and the
report has every field. Not a timed test: nothing here asserts on speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.benchmark import PARTS, render, run_bench
from bot.benchmark.startup import make_copies
from bot.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent

LATENCY_FIELDS = {"count", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms"}
COMMON_FIELDS = {"learners", "replies_per_learner", "turns", "expected_turns", "lost_turns", "errors",
                 "wall_s", "turns_per_s", "cpu_s", "cpu_ms_per_turn", "latency"}
BOT_FIELDS = COMMON_FIELDS | {
    "kind", "first_message_latency", "end_to_end_latency", "peak_rss_bytes", "mem_per_conversation_traced_bytes",
    "mem_per_conversation_rss_bytes", "stored_turns", "outbox_left", "api_calls_per_turn", "bad_messages",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    args = build_parser().parse_args([
        "bench", "--learners", "5", "--replies", "3", "--core-replies", "3", "--startup-scenarios", "4",
        "--dialogues", str(ROOT / "dialogues"), "--timeout", "60", "--trace-memory", "--rounds", "2",
        "--json", str(out),
    ])
    data = run_bench(args)
    return data


def test_every_part_ran_without_errors_or_lost_turns(report: dict[str, object]) -> None:
    parts = report["parts"]
    assert isinstance(parts, dict) and set(parts) == set(PARTS)
    for name in ("core", "stored", "bot", "baseline"):
        part = parts[name]
        assert part["errors"] == 0, (name, part.get("error_samples"))
        assert part["lost_turns"] == 0, name
        assert part["turns"] == part["expected_turns"] == part["learners"] * part["replies_per_learner"]


def test_the_report_has_every_field(report: dict[str, object]) -> None:
    parts = report["parts"]
    assert isinstance(parts, dict)
    for name in ("core", "stored"):
        assert set(parts[name]) >= COMMON_FIELDS, name
        assert set(parts[name]["latency"]) >= LATENCY_FIELDS
    assert "store_latency" in parts["stored"] and "mem_per_conversation_bytes" in parts["core"]
    for name in ("bot", "baseline"):
        assert set(parts[name]) >= BOT_FIELDS, name
        for key in ("latency", "first_message_latency", "end_to_end_latency"):
            assert set(parts[name][key]) >= LATENCY_FIELDS
        assert parts[name]["cpu_s"] > 0 and parts[name]["peak_rss_bytes"] > 0
        assert len(parts[name]["rounds"]) == 2  # --rounds 2: both bots ran twice, taking turns
        # --trace-memory: the Python heap of the conversations, counted while they were set up.
        assert parts[name]["mem_per_conversation_traced_bytes"] > 0
    assert parts["bot"]["stored_turns"] == parts["bot"]["turns"] and parts["bot"]["outbox_left"] == 0
    assert parts["startup"]["loaded"] == 4 and parts["startup"]["problems"] == 0
    checks = report["checks"]
    assert isinstance(checks, dict)
    assert {"core_p99_ms", "stored_p99_ms", "bot_no_errors_no_lost_turns", "cpu_ratio_vs_echo",
            "mem_per_conversation_kib", "startup_s"} <= set(checks)
    assert checks["bot_no_errors_no_lost_turns"]["ok"] is True


def test_the_table_names_every_part(report: dict[str, object]) -> None:
    table = render(report)
    for name in ("core", "stored", "bot", "baseline", "startup", "targets:"):
        assert name in table


def test_the_command_prints_the_table_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    status = main(["bench", "--parts", "core,stored", "--learners", "3", "--core-replies", "2",
                   "--dialogues", str(ROOT / "dialogues"), "--json", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "core" in printed and "stored" in printed and "p99 ms" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["parts"]) == {"core", "stored"}


def test_an_unknown_part_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--parts", "core,warp"]) == 1
    assert "warp" in capsys.readouterr().err


def test_startup_copies_get_their_own_ids(tmp_path: Path) -> None:
    ids = make_copies(ROOT / "dialogues", tmp_path, 3)
    assert len(set(ids)) == 3 and all((tmp_path / f"{i}.yaml").is_file() for i in ids)


@pytest.mark.parametrize("flag", ["--learners", "--replies", "--core-replies", "--rounds"])
def test_counts_below_one_are_one_clear_line(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--parts", "core", flag, "0"]) != 0
    err = capsys.readouterr().err
    assert "must be at least 1" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
