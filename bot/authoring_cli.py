"""Instructor tools on the command line: `lint`, `test-dialogues`, `explore`, `graph`.

Registered on `mi-trainer` through `bot.cli._EXTRA_COMMANDS`. Thin: find the files, call the pure
core in `state_machines`, print; user mistakes raise `UserError` (one line, exit 1).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from state_machines.codes import Code
from state_machines.loader import Problem, ScenarioError, load_directory, load_scenario
from state_machines.model import Scenario

if TYPE_CHECKING:
    _Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def UserError(message: str) -> Exception:
    """`bot.cli.UserError` (imported late: bot.cli imports this module to register the commands)."""
    from bot.cli import UserError as error

    return error(message)


def default_dialogues() -> Path:
    from bot.cli import default_dialogues as folder

    return folder()


def _is_test_file(path: Path) -> bool:
    return path.name.endswith(".test.yaml")


def _load_paths(paths: Sequence[str]) -> tuple[list[Scenario], list[Problem]]:
    """Scenarios from files and folders (test files skipped); problems of those that do not load."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            loaded, found = load_directory(path)
            scenarios.extend(loaded.values())
            problems.extend(found)
        elif path.is_file():
            if _is_test_file(path):
                continue
            try:
                scenarios.append(load_scenario(path))
            except ScenarioError as error:
                problems.extend(error.problems)
        else:
            problems.append(Problem(str(path), 0, "no such file or folder"))
    return scenarios, problems


def _one_scenario(name: str) -> Scenario:
    """A scenario by file path, or by id from ./dialogues (or the shipped scenarios)."""
    path = Path(name)
    if path.is_file():
        try:
            return load_scenario(path)
        except ScenarioError as error:
            first = error.problems[0]
            more = f" (and {len(error.problems) - 1} more; run `mi-trainer validate {path}`)" \
                if len(error.problems) > 1 else ""
            raise UserError(f"{first}{more}") from None
    folder = default_dialogues()
    scenarios, _problems = load_directory(folder)
    if name in scenarios:
        return scenarios[name]
    known = ", ".join(sorted(scenarios)) or "none"
    raise UserError(f"no scenario file or id {name!r} (ids in {folder}: {known})")


# ------------------------------------------------------------------------------ lint


def _print_problem(problem: Problem) -> None:
    print(f"{problem.path}:{problem.line}: {problem.severity}: {problem.message}")


def cmd_lint(args: argparse.Namespace) -> int:
    from state_machines.lint import lint

    if args.max_turns < 1:
        raise UserError("--max-turns must be at least 1")
    scenarios, problems = _load_paths(args.paths or [str(default_dialogues())])
    for problem in problems:
        _print_problem(problem)
    found = list(problems)
    for scenario in scenarios:
        for problem in lint(scenario, max_turns=args.max_turns):
            _print_problem(problem)
            found.append(problem)
    errors = sum(p.severity == "error" for p in found)
    warnings = len(found) - errors
    failed = errors > 0 or (args.strict and warnings > 0)
    print(f"{'FAILED' if failed else 'ok'}: {len(scenarios)} scenario(s), {errors} error(s), {warnings} warning(s)"
          + (" (--strict: warnings fail)" if args.strict and warnings and not errors else ""),
          file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


# ------------------------------------------------------------------------------ test-dialogues


def _coder() -> Callable[[str, str, str], Code]:
    """The bot's coder for reply steps, loaded on the first reply step (code steps need none)."""
    from bot.coder import Coder

    loaded: list[Coder] = []

    def code_reply(text: str, context: str, lang: str) -> Code:
        if not loaded:
            loaded.append(Coder())
        return loaded[0].code(text, context, lang).primary

    return code_reply


def _test_files(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    from state_machines.dialogue_tests import TEST_SUFFIX, find_test_files

    files: list[Path] = []
    notes: list[str] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = find_test_files(path)
            files.extend(found)
            tested = {file.name.removesuffix(TEST_SUFFIX) for file in found}
            for scenario_file in sorted(path.glob("*.yaml")):
                if not _is_test_file(scenario_file) and scenario_file.stem not in tested:
                    notes.append(f"note: no conversation tests for {scenario_file} "
                                 f"(write {scenario_file.with_name(scenario_file.stem + TEST_SUFFIX).name})")
        elif path.is_file() and _is_test_file(path):
            files.append(path)
        elif path.is_file():
            sibling = path.with_name(path.stem + TEST_SUFFIX)
            if not sibling.is_file():
                raise UserError(f"no conversation tests for {path} (expected {sibling})")
            files.append(sibling)
        else:
            raise UserError(f"no such file or folder: {path}")
    return files, notes


def cmd_test_dialogues(args: argparse.Namespace) -> int:
    from state_machines.dialogue_tests import DialogueTestError, load_tests, run_file

    files, notes = _test_files(args.paths or [str(default_dialogues())])
    if not files:
        raise UserError("no *.test.yaml files found")
    code_reply = _coder()
    folders: dict[Path, dict[str, Scenario]] = {}
    passed = failed = 0
    for file in files:
        try:
            tests = load_tests(file)
        except DialogueTestError as error:
            for problem in error.problems:
                print(f"FAIL {problem}")
            failed += 1
            continue
        folder = file.parent
        if folder not in folders:
            folders[folder], problems = load_directory(folder)
            for problem in problems:
                print(f"warning: {problem} (scenario left out)", file=sys.stderr)
        for result in run_file(tests, folders[folder], code_reply):
            if result.passed:
                passed += 1
                print(f"PASS {result.file}:{result.line}: {result.name}")
                continue
            failed += 1
            for problem in result.failures:
                print(f"FAIL {problem}")
            if args.verbose:
                for code, turn in zip(result.codes, result.turns, strict=False):
                    print(f"     {turn.turn:>2}. {code.value:<26} → {turn.state} [{turn.line.talk.value}] "
                          f"{turn.line.text[:70]}")
    for note in notes:
        print(note, file=sys.stderr)
    summary = f"{passed} passed, {failed} failed"
    print(summary if not failed else f"FAILED: {summary}", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


# ------------------------------------------------------------------------------ explore


def cmd_explore(args: argparse.Namespace) -> int:
    from state_machines.explore import explore

    for option in ("walks", "depth", "walk_length"):
        if getattr(args, option) < 1:
            raise UserError(f"--{option.replace('_', '-')} must be at least 1")
    scenario = _one_scenario(args.scenario)
    report = explore(scenario, walks=args.walks, seed=args.seed, depth=args.walk_length, bfs_depth=args.depth)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.text())
    return 0 if report.ok else 1


# ------------------------------------------------------------------------------ graph

_FORMATS = {".svg": "svg", ".png": "png", ".md": "md", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid"}


def cmd_graph(args: argparse.Namespace) -> int:
    from state_machines.diagram import to_dot, to_markdown, to_mermaid

    scenario = _one_scenario(args.scenario)
    if args.output is None:
        sys.stdout.write(to_mermaid(scenario))
        return 0
    output = Path(args.output)
    kind = _FORMATS.get(output.suffix.lower())
    if kind is None:
        raise UserError(f"unknown output type {output.suffix or '(none)'!r}; use .svg, .png, .md, .mmd or .dot")
    if kind in ("svg", "png"):
        dot = shutil.which("dot")
        if dot is None:
            raise UserError(f"Graphviz is not installed (no `dot` program), so no .{kind}; "
                            "write Mermaid with -o FILE.md or DOT with -o FILE.dot instead")
        try:
            subprocess.run([dot, f"-T{kind}", "-o", str(output)], input=to_dot(scenario).encode(),
                           check=True, capture_output=True, timeout=120)
        except subprocess.CalledProcessError as error:
            message = error.stderr.decode(errors="replace").strip().splitlines()
            raise UserError(f"dot failed: {message[0] if message else error}") from None
        except subprocess.TimeoutExpired:
            raise UserError("dot took longer than 2 minutes") from None
    else:
        text = {"md": to_markdown, "dot": to_dot, "mermaid": to_mermaid}[kind](scenario)
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot write {output}: {error.strerror or error}") from None
    print(f"wrote {output}")
    return 0


# ------------------------------------------------------------------------------ registration


def register(commands: _Subparsers) -> None:
    """Add the instructor subcommands to `mi-trainer`."""
    lint = commands.add_parser(
        "lint", help="check scenarios for authoring problems beyond validity (warnings and errors)",
        description="Lint scenario files or folders (default ./dialogues): states that cannot end, replies "
                    "that would be ignored, success by MI-inconsistent replies, talk types against the MI "
                    "logic, missing hints/examples, text in the wrong language, over-long lines. Output: "
                    "path:line: severity: message. Exit 1 on errors (with --strict also on warnings).",
    )
    lint.add_argument("paths", nargs="*", metavar="PATH", help="scenario files or folders")
    lint.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings too")
    lint.add_argument("--max-turns", type=int, default=4, metavar="N",
                      help="flag success reachable in fewer than N replies without MI-consistent ones (default 4)")
    lint.set_defaults(handler=cmd_lint)

    tests = commands.add_parser(
        "test-dialogues", help="run the conversation tests (*.test.yaml) of scenarios",
        description="Run conversation tests: test files, scenario files (their <id>.test.yaml) or folders "
                    "(default ./dialogues). Prints PASS/FAIL per test with path:line of the failing step; "
                    "exit 1 when a test fails.",
    )
    tests.add_argument("paths", nargs="*", metavar="PATH", help="*.test.yaml files, scenario files or folders")
    tests.add_argument("-v", "--verbose", action="store_true", help="show the conversation of a failing test")
    tests.set_defaults(handler=cmd_test_dialogues)

    explore = commands.add_parser(
        "explore", help="random and exhaustive walks: coverage, shortest success, dead ends, MI checks",
        description="Explore a scenario (file or id): seeded random walks with the simulator and an exhaustive "
                    "walk over (state, rulers). Reports coverage, the shortest success path, dead ends, the "
                    "client's talk types after each code and a verdict per MI check; exit 1 if a check fails.",
    )
    explore.add_argument("scenario", metavar="SCENARIO", help="scenario file or id")
    explore.add_argument("--walks", type=int, default=300, metavar="N", help="number of random walks (default 300)")
    explore.add_argument("--seed", type=int, default=1, metavar="S", help="seed of the random walks (default 1)")
    explore.add_argument("--depth", type=int, default=12, metavar="D",
                         help="depth bound of the exhaustive walk, in replies (default 12)")
    explore.add_argument("--walk-length", type=int, default=30, metavar="L",
                         help="most replies per random walk (default 30)")
    explore.add_argument("--json", action="store_true", help="print the report as JSON")
    explore.set_defaults(handler=cmd_explore)

    graph = commands.add_parser(
        "graph", help="draw the state machine (Mermaid to stdout, or -o file.svg|.png|.md|.dot)",
        description="Draw a scenario's state machine: states coloured by talk type, final states by outcome, "
                    "edges labelled with codes, conditions and effects. Without -o: Mermaid text on stdout. "
                    ".svg/.png need Graphviz (`dot`); .md (Mermaid in Markdown), .mmd and .dot do not.",
    )
    graph.add_argument("scenario", metavar="SCENARIO", help="scenario file or id")
    graph.add_argument("-o", "--output", metavar="FILE", help="output file: .svg, .png, .md, .mmd or .dot")
    graph.set_defaults(handler=cmd_graph)


__all__ = ["register"]
