"""`state_machines.diagram` and `mi-trainer graph`: colours, labels, collapsing, output files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from state_machines.codes import Code
from state_machines.diagram import code_label, edge_label, edges, state_talk, to_dot, to_markdown, to_mermaid
from state_machines.loader import load_scenario
from state_machines.model import Line, State, Talk
from tests.scenario_builders import C, rich_scenario, transition

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "dialogues").glob("*.yaml") if not p.name.endswith(".test.yaml"))
LONE = ROOT / "tests" / "fixtures" / "authoring" / "lone" / "lone.yaml"
CONSISTENT = [C.OPEN_QUESTION, C.SIMPLE_REFLECTION, C.COMPLEX_REFLECTION, C.AFFIRM, C.EMPHASIZE_AUTONOMY,
              C.SEEK_COLLABORATION, C.ASK_PERMISSION, C.PERSUADE_WITH_PERMISSION]


@pytest.mark.parametrize(
    ("codes", "label"),
    [
        (list(Code), "*"),
        ([C.OPEN_QUESTION], "OQ"),
        ([C.COMPLEX_REFLECTION, C.OPEN_QUESTION], "OQ, CR"),
        ([C.PERSUADE, C.CONFRONT], "MI-inconsistent"),
        (CONSISTENT, "MI-consistent"),
        ([*CONSISTENT, C.CLOSED_QUESTION], "MI-consistent, CQ"),
        ([c for c in Code if c is not C.OTHER], "* except OTHER"),
        ([c for c in CONSISTENT if c not in (C.ASK_PERMISSION, C.PERSUADE_WITH_PERMISSION)],
         "MI-consistent except ASK, PWP"),
    ],
)
def test_code_labels_collapse_long_lists(codes: list[Code], label: str) -> None:
    assert code_label(tuple(codes)) == label


def test_edge_label_has_condition_and_effects() -> None:
    edge = transition("a", [C.OPEN_QUESTION], "b", when="rapport >= 6", effects={"rapport": 1, "readiness": -1})
    assert edge_label(edge) == "OQ [rapport >= 6] / rapport+1, readiness-1"


def test_state_colour_is_the_majority_talk_type() -> None:
    lines = (Line("a", Talk.SUSTAIN), Line("b", Talk.CHANGE), Line("c", Talk.CHANGE))
    assert state_talk(State("s", lines)) is Talk.CHANGE
    assert state_talk(State("s", lines[:2])) is Talk.SUSTAIN  # a tie: the first line's type


def test_wildcard_sources_come_from_one_any_node() -> None:
    built = rich_scenario()
    drawn = edges(built)
    assert len(drawn) == sum(len(t.sources) for t in built.transitions)
    assert {e.source for e in drawn if e.source == "__any__"}
    mermaid = to_mermaid(built)
    assert '["* (any state)"]:::any' in mermaid
    assert "-.->" in mermaid


def test_mermaid_colours_states_and_finals() -> None:
    text = to_mermaid(load_scenario(LONE))
    assert text.splitlines()[2] == "flowchart LR"
    assert re.search(r'\["opening<br/><small>sustain</small>"\]:::sustain', text)
    assert re.search(r'\["tvivl<br/><small>change</small>"\]:::change', text)
    assert re.search(r'\(\["aftale \(success\)"\]\):::success', text)
    assert re.search(r'\(\["farvel \(dropout\)"\]\):::dropout', text)
    for name in ("change", "sustain", "neutral", "discord", "success", "partial", "dropout"):
        assert f"classDef {name} " in text
    # conditions with < > [ ] are escaped so Mermaid does not read them as syntax
    assert '|"CON #91;rapport #lt;= 2#93;"|' in text
    assert text.count(" -->|") + text.count(" -.->|") == len(edges(load_scenario(LONE)))


def test_dot_output() -> None:
    text = to_dot(load_scenario(LONE))
    assert text.startswith('digraph "lone" {') and text.rstrip().endswith("}")
    assert '"aftale" [label="aftale\\n(success)", shape=doubleoctagon' in text
    assert '"tvivl" [label="tvivl\\nchange", fillcolor="#b7e4c7"]' in text
    assert '"plan" -> "aftale" [label="OQ, CR, EA [readiness >= 6]"];' in text
    assert '"__any__" -> "farvel"' in text and 'style="dashed"' in text
    assert text.count("{") == text.count("}")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_draws(path: Path) -> None:
    scenario = load_scenario(path)
    mermaid, dot = to_mermaid(scenario), to_dot(scenario)
    for name in scenario.states:
        assert f'"{name}' in mermaid and f'"{name}"' in dot
    assert to_markdown(scenario).count("```") == 2


def test_cli_graph_mermaid_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(LONE)]) == 0
    out = capsys.readouterr().out
    assert "flowchart LR" in out and "```" not in out


@pytest.mark.parametrize("suffix", [".md", ".dot", ".mmd"])
def test_cli_graph_text_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    output = tmp_path / f"lone{suffix}"
    assert main(["graph", str(LONE), "-o", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert {".md": "```mermaid", ".dot": "digraph", ".mmd": "flowchart LR"}[suffix] in text
    assert f"wrote {output}" in capsys.readouterr().out


def test_cli_graph_without_graphviz_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["graph", str(LONE), "-o", str(tmp_path / "lone.svg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Graphviz is not installed" in err and "-o FILE.md" in err
    assert not (tmp_path / "lone.svg").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_cli_graph_svg_with_graphviz(tmp_path: Path) -> None:
    output = tmp_path / "lone.svg"
    assert main(["graph", str(LONE), "-o", str(output)]) == 0
    assert "<svg" in output.read_text(encoding="utf-8")


def test_cli_graph_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(LONE), "-o", str(tmp_path / "x.pdf")]) == 1
    assert "unknown output type '.pdf'" in capsys.readouterr().err
    assert main(["graph", "nobody"]) == 1
    assert "no scenario file or id 'nobody'" in capsys.readouterr().err
