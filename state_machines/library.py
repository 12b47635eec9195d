"""The loaded scenarios of a course: each parsed and validated once, with one simulator each."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from pathlib import Path

from state_machines.loader import Problem, load_directory
from state_machines.model import Scenario
from state_machines.simulator import ClientSimulator

DEFAULT_SCENARIO: Mapping[str, str] = {"da": "ips-mette", "en": "alcohol-dave"}
"""The scenario a learner gets when they choose none, by language (falls back to the first)."""


class UnknownScenario(KeyError):
    """No scenario with that id is loaded."""


class ScenarioLibrary:
    """Scenarios by id, loaded once; a `ClientSimulator` (one transitions Machine) per scenario."""

    def __init__(self, scenarios: Mapping[str, Scenario]) -> None:
        self._scenarios = dict(sorted(scenarios.items()))
        self._simulators = {sid: ClientSimulator(s) for sid, s in self._scenarios.items()}

    @classmethod
    def load(cls, path: str | Path) -> tuple[ScenarioLibrary, list[Problem]]:
        """Load every scenario in the folder; broken files are reported and left out."""
        # Loading allocates many small objects that all live on; pausing the collector saves ~20%.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            scenarios, problems = load_directory(path)
            return cls(scenarios), problems
        finally:
            if was_enabled:
                gc.enable()

    def __len__(self) -> int:
        return len(self._scenarios)

    def __contains__(self, scenario_id: object) -> bool:
        return scenario_id in self._scenarios

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self._scenarios.values())

    def get(self, scenario_id: str) -> Scenario:
        try:
            return self._scenarios[scenario_id]
        except KeyError:
            raise UnknownScenario(scenario_id) from None

    def simulator(self, scenario_id: str) -> ClientSimulator:
        try:
            return self._simulators[scenario_id]
        except KeyError:
            raise UnknownScenario(scenario_id) from None

    def scenarios(self, language: str | None = None) -> list[Scenario]:
        return [s for s in self._scenarios.values() if language is None or s.language == language]

    def ids(self, language: str | None = None) -> list[str]:
        return [s.id for s in self.scenarios(language)]

    def default_id(self, language: str | None = None) -> str:
        """The default scenario for `language`, else any of that language, else the first one."""
        preferred = DEFAULT_SCENARIO.get(language or "da", DEFAULT_SCENARIO["da"])
        if preferred in self._scenarios:
            return preferred
        candidates = self.ids(language) or self.ids()
        if not candidates:
            raise UnknownScenario("no scenarios are loaded")
        return candidates[0]
