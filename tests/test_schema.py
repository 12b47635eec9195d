"""The JSON Schema (for editors) agrees with the loader on what a scenario file is.

Every shipped scenario and every valid fixture passes both; every structurally broken fixture
fails both. Graph mistakes (unknown states, unreachable states, dead ends, bad conditions) are
beyond a schema: those fixtures pass the schema and only the loader rejects them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the test extra
import pytest

from state_machines.codes import Code
from state_machines.conditions import RULERS
from state_machines.loader import ScenarioError, load_scenario
from state_machines.model import LANGUAGES, Outcome, Talk
from state_machines.yaml_source import read_yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "state_machines" / "scenario.schema.json"
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _scenario_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob("*.yaml") if not path.name.endswith(".test.yaml"))


VALID = _scenario_files(ROOT / "dialogues") + _scenario_files(FIXTURES / "valid")
STRUCTURAL = _scenario_files(FIXTURES / "broken" / "structural")
GRAPH = _scenario_files(FIXTURES / "broken" / "graph")


def _data(path: Path) -> Any:
    # The loader's own reader: the schema sees exactly what the loader sees (yes/no stay words).
    data, issues = read_yaml(path.read_text(encoding="utf-8"))
    assert not issues
    return data


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _schema_errors(path: Path) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(_data(path))]


def test_schema_is_valid_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_enums_match_the_model() -> None:
    defs = SCHEMA["$defs"]
    assert defs["code"]["enum"] == [code.value for code in Code]
    assert defs["talk"]["enum"] == [talk.value for talk in Talk]
    assert defs["state"]["properties"]["final"]["enum"] == [outcome.value for outcome in Outcome]
    assert SCHEMA["properties"]["language"]["enum"] == list(LANGUAGES)
    assert defs["transition"]["properties"]["effects"]["propertyNames"]["enum"] == list(RULERS)


def test_every_property_has_a_description() -> None:
    # Editors show these on completion.
    def walk(node: Any, where: str) -> list[str]:
        missing = []
        if isinstance(node, dict):
            for name, spec in node.get("properties", {}).items():
                if "description" not in spec:
                    missing.append(f"{where}.{name}")
            for key, value in node.items():
                if key != "if":  # conditions, not properties an author writes
                    missing += walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                missing += walk(value, f"{where}[{index}]")
        return missing

    assert walk(SCHEMA, "$") == []


def test_there_is_something_to_check() -> None:
    # The parametrised tests below must not pass vacuously on empty folders.
    assert len(_scenario_files(FIXTURES / "valid")) >= 2
    assert len(STRUCTURAL) >= 10 and len(GRAPH) >= 5


@pytest.mark.parametrize("path", VALID, ids=_name)
def test_valid_scenarios_pass_schema_and_loader(path: Path) -> None:
    assert _schema_errors(path) == []
    load_scenario(path)


@pytest.mark.parametrize("path", STRUCTURAL, ids=_name)
def test_structural_mistakes_fail_schema_and_loader(path: Path) -> None:
    assert _schema_errors(path), "the schema accepts what the loader rejects"
    with pytest.raises(ScenarioError):
        load_scenario(path)


@pytest.mark.parametrize("path", GRAPH, ids=_name)
def test_graph_mistakes_are_caught_by_the_loader_only(path: Path) -> None:
    assert _schema_errors(path) == []
    with pytest.raises(ScenarioError):
        load_scenario(path)
