"""The trained coder model: shipped weights load fast, predict deterministically in plain Python, and code
typical replies of each code family right. No training here (that is scripts/train_coder.py)."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.coder import Coder
from bot.coder.model import (
    BEHAVIOURS,
    FEATURE_VERSION,
    MACRO,
    SUBHEADS,
    WEIGHTS_FILE,
    CoderModel,
    ModelError,
    encode_rows,
    load_model,
    reply_features,
)
from state_machines.codes import Code

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "bot" / "coder" / "model_data" / WEIGHTS_FILE
C = Code

JOB = "Min sagsbehandler synes, jeg skal have et job, men jeg er bange for at gå ned med stress igen."
DRINK = "Jeg drikker nok lidt for meget i weekenden, men det gør alle mine venner også."
BEER = "I mean, I drink a bit at weekends, but everyone at work does."
SMOKE = "My wife keeps nagging me about my smoking, but it's the only thing that calms me down."


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(gzip.decompress(WEIGHTS.read_bytes()))
    return loaded


def test_weights_are_shipped_plain_json_and_small() -> None:
    raw = WEIGHTS.read_bytes()
    assert raw[:2] == b"\x1f\x8b"  # gzip
    assert len(raw) < 3_000_000
    data = _data()
    assert data["format"] == "mi-trainer-coder-weights" and data["feature_version"] == FEATURE_VERSION
    assert set(data["heads"]) >= {"macro", *BEHAVIOURS}
    assert data["heads"]["macro"]["classes"] == list(BEHAVIOURS)
    for behaviour in BEHAVIOURS:
        assert data["heads"][behaviour]["classes"] == [code.value for code in SUBHEADS[behaviour]]
    assert not list((ROOT / "bot" / "coder").rglob("*.pkl")) and not list((ROOT / "bot" / "coder").rglob("*.pickle"))


def test_shipped_model_is_used_and_loaded_once(coder: Coder) -> None:
    assert coder.model is not None and coder.model is load_model()
    assert Coder(model=None).model is None


def test_model_loads_every_shipped_feature_from_bytes() -> None:
    # Load time is a benchmark figure (benchmarks/coder_bench.py, `mi-trainer eval-coder`), not timed here.
    model = CoderModel.from_bytes(WEIGHTS.read_bytes())
    assert model.size == len(_data()["vocabulary"]) > 1000


def test_wrong_feature_version_is_refused() -> None:
    data = _data()
    data["feature_version"] = FEATURE_VERSION + 1
    with pytest.raises(ModelError, match="feature version"):
        CoderModel(data)
    with pytest.raises(ModelError, match="format"):
        CoderModel({"format": "pickle"})


def _tiny(rows: object, vocabulary: list[str]) -> dict[str, Any]:
    """A weights file by hand: the macro head and the behaviour heads, no flat head."""
    heads = {"macro": {"classes": list(BEHAVIOURS), "bias": [0.5, 0.0, 0.0, -0.5]}}
    heads.update({b: {"classes": [c.value for c in SUBHEADS[b]], "bias": [0.0] * len(SUBHEADS[b])}
                  for b in BEHAVIOURS})
    return {"format": "mi-trainer-coder-weights", "version": 2, "feature_version": FEATURE_VERSION,
            "scale": 1000, "heads": heads, "head_order": list(heads), "vocabulary": vocabulary, "rows": rows}


WIDTH = 4 + sum(len(codes) for codes in SUBHEADS.values())


def test_rows_are_int16_weights_read_back_exactly() -> None:
    first = [-32767, 32767, *range(-1, WIDTH - 3)]
    second = [0] * WIDTH
    second[5] = 1500
    model = CoderModel(_tiny(encode_rows([first, second]), ["w:hvad", "w:du"]))
    assert model.size == 2
    assert model.scores({"w:hvad"}) == [b + w / 1000 for b, w in zip([0.5, 0.0, 0.0, -0.5, *[0.0] * (WIDTH - 4)],
                                                                    first, strict=True)]
    both = model.scores({"w:hvad", "w:du", "w:unknown"})
    assert both[5] == pytest.approx(first[5] / 1000 + 1.5) and both[0] == pytest.approx(0.5 - 32.767)


@pytest.mark.parametrize(("rows", "message"), [
    ([[0] * WIDTH], "one base64 string"),  # format 1's JSON lists
    ("not base64!", "not base64"),
    (encode_rows([[0] * (WIDTH - 1)]), f"{WIDTH - 1} weights for 1 features × {WIDTH} classes"),
    (encode_rows([[0] * WIDTH, [0] * WIDTH]), f"{2 * WIDTH} weights for 1 features"),
    (base64.b64encode(b"\x00\x80" * WIDTH).decode(), "outside"),  # every weight -32768: a row that packs to 0
])
def test_malformed_rows_are_refused_by_name(rows: object, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        CoderModel(_tiny(rows, ["w:hvad"]))


def test_a_flat_head_with_other_codes_than_the_behaviour_heads_is_refused() -> None:
    """The flat head mixes into every code's probability: it must name each code of the behaviour heads."""
    data = _tiny(encode_rows([[0] * (WIDTH + 2)]), ["w:hvad"])
    data["heads"]["flat"] = {"classes": ["open_question", "other"], "bias": [0.0, 0.0]}
    data["head_order"].append("flat")
    with pytest.raises(ModelError, match="head flat"):
        CoderModel(data)


def test_weights_that_do_not_fit_an_int16_are_refused_when_written() -> None:
    with pytest.raises(ModelError, match="outside ±32767"):
        encode_rows([[0, 32768]])
    with pytest.raises(ModelError, match="outside ±32767"):
        encode_rows([[-32768]])


def test_format_1_weights_are_refused() -> None:
    with pytest.raises(ModelError, match="format/version"):
        CoderModel({**_data(), "version": 1})


def test_predictions_are_deterministic(coder: Coder) -> None:
    replies = [("Du vil gerne arbejde, men du er bange for at blive syg igen.", JOB), ("Do you drink daily?", BEER)]
    first = [coder.model.predict(coder.analyse(t, c), c) for t, c in replies]  # type: ignore[union-attr]
    fresh = CoderModel.from_bytes(WEIGHTS.read_bytes())
    second = [fresh.predict(coder.analyse(t, c), c) for t, c in replies]
    assert first == second
    for prediction in first:
        assert abs(sum(prediction.probabilities.values()) - 1) < 1e-6
        assert prediction.code == max(prediction.probabilities, key=prediction.probabilities.__getitem__)


def test_features_are_binary_names(coder: Coder) -> None:
    features = reply_features(coder.analyse("Hvad tænker du om det?", DRINK), DRINK)
    assert "L:da" in features and "w:hvad" in features and "b:<s> hvad" in features
    assert any(name.startswith("r:") for name in features) and any(name.startswith("n:") for name in features)


def test_question_form_features_name_each_clause_start(coder: Coder) -> None:
    features = reply_features(coder.analyse("You want to cut down. What would help you start?", BEER), BEER)
    assert {"cN:you", "cL:what", "cq:what", "cq2:what would", "cqlast:start", "nq=1", "qend"} <= features
    assert "cq:you" not in features  # the reflection before the question has no "?"


@pytest.mark.parametrize(("text", "lead"), [
    ("hej Mette, hvad bringer dig her i dag", "hej Mette, "), ("Hej. Hvad bringer dig her?", "Hej. "),
    ("hi Sam, thanks for coming in. how do you feel", "hi Sam, thanks for coming in. "),
    ("- hi, what brings you", "- hi, "),
    ("hej", ""), ("hej og velkommen!", ""), ("hej, tak", ""), ("ok, hej", ""), ("hvad bringer dig her?", "")])
def test_the_model_reads_a_reply_from_after_its_greeting(coder: Coder, text: str, lead: str) -> None:
    """A greeting, thanks or goodbye that more words follow is skipped (data/coder/README.md, rule 2: the act
    after it codes the reply); one that stands alone is the reply."""
    analysis = coder.analyse(text, "Hej.")
    assert analysis.lead == len(lead)
    # (Its words, word pairs and stems, and how its clauses start: the question mark may differ, as a comma
    # before "hvad" splits off a question.)
    families = ("w:", "b:", "p:", "cL:", "cN:", "cL2:", "cN2:")
    words = {name for name in reply_features(analysis, "Hej.") if name.startswith(families)}
    rest = coder.analyse(text[len(lead):], "Hej.")
    assert words == {name for name in reply_features(rest, "Hej.") if name.startswith(families)}


def test_decision_offsets_move_the_choice(coder: Coder) -> None:
    text = "Du vil gerne arbejde, men du er bange for at blive syg igen."
    analysis = coder.analyse(text, JOB)
    data = _data()
    plain = CoderModel({**data, "offsets": {}}).predict(analysis, JOB)
    runner_up = sorted(plain.probabilities, key=plain.probabilities.__getitem__)[-2]
    shifted = CoderModel({**data, "offsets": {"da": {runner_up.value: 30.0}}}).predict(analysis, JOB)
    assert shifted.code is runner_up
    assert abs(sum(shifted.probabilities.values()) - 1) < 1e-6
    english = CoderModel({**data, "offsets": {"en": {runner_up.value: 30.0}}}).predict(analysis, JOB)
    assert english.code is plain.code  # offsets are per language


def test_macro_mapping_covers_every_code() -> None:
    assert set(MACRO) == set(Code)
    assert {code for codes in SUBHEADS.values() for code in codes} == set(Code)


# A few clear replies per code family: the model (with the rules' features) must get these right.
CASES: list[tuple[str, str, Code]] = [
    ("Hvad tænker du selv om det?", DRINK, C.OPEN_QUESTION),
    ("hvordan har du det med at skulle starte", JOB, C.OPEN_QUESTION),
    ("Har du prøvet at skære ned før", DRINK, C.CLOSED_QUESTION),
    ("Du drikker mest i weekenden sammen med dine venner.", DRINK, C.SIMPLE_REFLECTION),
    ("På den ene side vil du gerne have et job, på den anden side er du bange for at blive syg igen.", JOB,
     C.COMPLEX_REFLECTION),
    ("Det er dit valg.", DRINK, C.EMPHASIZE_AUTONOMY),
    ("Må jeg fortælle dig lidt om, hvad andre har gjort?", DRINK, C.ASK_PERMISSION),
    ("Du skal stoppe med at drikke.", DRINK, C.PERSUADE),
    ("Du er alkoholiker.", DRINK, C.CONFRONT),
    # The rules see a closed question; the model learned that asking to hear it again is no act of MI (round AL).
    ("undskyld, kan du sige det igen? jeg forstod ikke helt", DRINK, C.OTHER),
    ("What would be different if you drank less?", BEER, C.OPEN_QUESTION),
    ("Do you drink every weekend?", BEER, C.CLOSED_QUESTION),
    ("Part of you wants to quit, and part of you is scared of losing your way to relax.", SMOKE,
     C.COMPLEX_REFLECTION),
    ("May I share some information about drinking?", BEER, C.ASK_PERMISSION),
    ("You should stop drinking.", BEER, C.PERSUADE),
    # A learner's first turn: the greeting does not code it (the model reads the words after it, round AQ).
    ("hej, hvad bringer dig her i dag", "Hej. Min sagsbehandler sagde, at jeg skulle komme.", C.OPEN_QUESTION),
    ("hi, what brings you here today", "Hi. My caseworker said I had to come.", C.OPEN_QUESTION),
    ("hej og velkommen", "Hej.", C.OTHER),
]


@pytest.mark.parametrize(("text", "context", "expected"), CASES)
def test_typical_replies(coder: Coder, text: str, context: str, expected: Code) -> None:
    assert coder.code(text, context).primary is expected


FAMILY_CASES: list[tuple[str, str, str]] = [
    ("Det er flot, at du er kommet i dag.", JOB, "other"),  # affirm: AnnoMI's "other"
    ("Anbefalingen fra Sundhedsstyrelsen er højst 10 genstande om ugen og højst 4 på en dag.", DRINK,
     "therapist_input"),
    ("You drink at weekends with people from work.", BEER, "reflection"),
    ("ok", BEER, "other"),
]


@pytest.mark.parametrize(("text", "context", "behaviour"), FAMILY_CASES)
def test_behaviour_family(coder: Coder, text: str, context: str, behaviour: str) -> None:
    assert MACRO[coder.code(text, context).primary] == behaviour


def test_evidence_still_comes_from_the_rules(coder: Coder) -> None:
    reply = coder.code("Du skal stoppe med at drikke.", DRINK)
    assert reply.primary is C.PERSUADE
    assert any(item.code is C.PERSUADE and "skal" in item.text for item in reply.evidence)


_BLOCKED = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('numpy', 'sklearn', 'scipy', 'pickle', '_pickle'):
            raise ImportError('blocked: ' + name)
        return None
sys.meta_path.insert(0, Block())
from bot.coder import Coder
coder = Coder()
assert coder.model is not None
print(coder.code('Hvad tænker du selv om det?', 'Jeg drikker lidt for meget.').primary)
print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'sklearn', 'scipy')))
"""


def test_inference_needs_no_numpy_sklearn_or_pickle() -> None:
    done = subprocess.run([sys.executable, "-c", _BLOCKED], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["open_question", "[]"]


def test_annomi_questions_are_also_learned_without_their_question_mark() -> None:
    """Training sees an AnnoMI question once more without its "?" when its form still asks; a "?"
    on a statement ("So you drink six a day?") is not copied, nor is a non-question."""
    from bot.coder.training import Sample, featurize

    def sample(text: str, behaviour: str = "question") -> Sample:
        return Sample(text, "My GP sent me.", "annomi:1", behaviour, None, "annomi")

    asks, statement, reflection = (sample("What brings you in today?"), sample("So you drink six a day?"),
                                   sample("You drink six a day.", "reflection"))
    featurize([asks, statement, reflection], Coder(model=None))
    assert asks.unmarked and asks.unmarked != asks.features
    assert statement.unmarked is None and reflection.unmarked is None
