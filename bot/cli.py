"""`mi-trainer`: the command line. Thin: parse arguments, call the core, print one clear line on errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.authoring_cli import register as register_authoring
from bot.benchmark import register as register_bench
from bot.coder.evaluation import register as register_eval
from bot.privacy_cli import register as register_privacy
from state_machines.loader import Problem, ScenarioError, load_directory, load_scenario

if TYPE_CHECKING:
    from state_machines.library import ScenarioLibrary

_REPO_DIALOGUES = Path(__file__).resolve().parent.parent / "dialogues"


class UserError(Exception):
    """A mistake in how the command was called: printed as one line, exit status 1."""


def default_dialogues() -> Path:
    """`./dialogues` when run from a project folder, else the scenarios shipped with the code."""
    local = Path("dialogues")
    return local if local.is_dir() else _REPO_DIALOGUES


def _load_library(path: Path) -> ScenarioLibrary:
    # Imported here: building simulators is work `mi-trainer code` should not pay for.
    from state_machines.library import ScenarioLibrary

    if not path.is_dir():
        raise UserError(f"dialogue folder not found: {path}")
    library, problems = ScenarioLibrary.load(path)
    for problem in problems:
        print(f"warning: {problem} (scenario left out)", file=sys.stderr)
    if not len(library):
        raise UserError(f"no valid scenarios in {path}")
    return library


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.console import run_chat

    library = _load_library(Path(args.dialogues) if args.dialogues else default_dialogues())
    scenario_id = args.scenario or library.default_id(args.lang)
    if scenario_id not in library:
        known = ", ".join(library.ids())
        raise UserError(f"unknown scenario {scenario_id!r}; choose one of: {known}")
    return run_chat(library, scenario_id, args.seed, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())


def _validate_paths(paths: Sequence[str]) -> tuple[int, list[Problem]]:
    loaded = 0
    problems: list[Problem] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            scenarios, found = load_directory(path)
            loaded += len(scenarios)
            problems.extend(found)
        elif path.is_file():
            try:
                load_scenario(path)
                loaded += 1
            except ScenarioError as error:
                problems.extend(error.problems)
        else:
            problems.append(Problem(str(path), 0, "no such file or folder"))
    return loaded, problems


def cmd_validate(args: argparse.Namespace) -> int:
    paths = args.paths or [str(default_dialogues())]
    loaded, problems = _validate_paths(paths)
    for problem in problems:
        print(problem)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print(f"{len(errors)} problem(s); {loaded} scenario(s) valid", file=sys.stderr)
        return 1
    print(f"ok: {loaded} scenario(s) valid")
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    del args
    from bot.coder import Coder
    from bot.coder.jsonl import run_jsonl

    return run_jsonl(sys.stdin, sys.stdout, Coder())


def cmd_run(args: argparse.Namespace) -> int:
    from bot.telegram import main_run

    return int(main_run(args.config))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mi-trainer",
        description="Practise Motivational Interviewing with a simulated client and get MITI-style feedback.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser(
        "chat", help="practise in the terminal (piped stdin works: one reply per line)",
        description="Practise in the terminal. Commands inside the chat: /hint, /help, /quit.",
    )
    chat.add_argument("--scenario", help="scenario id (default: the default scenario for --lang)")
    chat.add_argument("--seed", type=int, default=1, help="seed for the client's choice of lines (default 1)")
    chat.add_argument("--lang", choices=["da", "en"], default="da", help="language of the default scenario")
    chat.add_argument("--dialogues", help="folder of scenario YAML files (default: ./dialogues)")
    chat.set_defaults(handler=cmd_chat)

    validate = commands.add_parser(
        "validate", help="check scenario files; every problem as path:line: message",
        description="Validate scenario YAML files or folders (default ./dialogues); exit 0 if all valid.",
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="scenario files or folders")
    validate.set_defaults(handler=cmd_validate)

    code = commands.add_parser(
        "code", help="code replies: JSON Lines in on stdin, JSON Lines out on stdout",
        description='Read {"text": ..., "context": ..., "lang": "da|en"} per line; write the codes per line.',
    )
    code.set_defaults(handler=cmd_code)

    run = commands.add_parser("run", help="run the Telegram bot", description="Run the Telegram bot.")
    run.add_argument("--config", help="config YAML (default: ./config.yaml; see config.example.yaml)")
    run.set_defaults(handler=cmd_run)

    for extra in _EXTRA_COMMANDS:
        extra(commands)
    return parser


_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []
"""Hooks that add more subcommands (instructor tools, evaluation) without growing this file."""
_EXTRA_COMMANDS.append(register_authoring)
_EXTRA_COMMANDS.append(register_eval)
_EXTRA_COMMANDS.append(register_bench)
_EXTRA_COMMANDS.append(register_privacy)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except UserError as error:
        print(f"mi-trainer: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
